"""Grades a class: every submission in its own child process, `jobs` at a time, then the
gradebook. One submission's crash, time-out or harness error never stops the others."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from .gradebook import SUBMISSIONS, Row, write_gradebook
from .submissions import Submission, expand, name_all
from .worker import Settings, grade_one, stop_all

ProgressFn = Callable[[str], None]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def read_list(path: Path) -> list[str]:
    """Submissions from a file: a JSON array, or one path a line (# comments allowed)."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return [str(item) for item in json.loads(text)]
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def grade_class(
    sources: list[str],
    out: Path,
    settings: Settings,
    jobs: int = 1,
    progress: ProgressFn = _say,
) -> list[Row]:
    out = out.resolve()
    submissions = name_all(expand(sources))
    shutil.rmtree(out / SUBMISSIONS, ignore_errors=True)
    (out / SUBMISSIONS).mkdir(parents=True, exist_ok=True)
    done = 0

    def one(sub: Submission) -> dict[str, Any]:
        return grade_one(sub, out, settings)

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {pool.submit(one, sub): sub for sub in submissions}
        for future in as_completed(futures):
            done += 1
            entry = future.result()
            verdict = entry["error"] or "graded"
            progress(
                f"[{done}/{len(submissions)}] {entry['name']}: {verdict} ({entry['duration_s']} s)"
            )
    except KeyboardInterrupt:
        stop_all()  # the graders tear their runs down; what was graded stays in `out`
        pool.shutdown(wait=True, cancel_futures=True)
        write_gradebook(out)
        raise
    pool.shutdown()
    return write_gradebook(out)


def plan_shards(sources: list[str], shards: int) -> list[dict[str, Any]]:
    """Split the class into at most `shards` non-empty shards, round-robin over the sorted
    submissions: [{"index": 1, "submissions": [...]}, ...]."""
    items = sorted(expand(sources))
    count = max(1, min(shards, len(items)))
    return [
        {"index": i + 1, "submissions": items[i::count]} for i in range(count) if items[i::count]
    ]
