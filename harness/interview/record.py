"""Interview practice results, kept beside the learner's progress file (`interviews.json` in
the state directory of harness/learn/state.py)."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.learn import state

from .session import Score

FILE_NAME = "interviews.json"
VERSION = 1


def record_path() -> Path:
    return state.state_path().parent / FILE_NAME


def load(path: Path | None = None) -> list[dict[str, Any]]:
    try:
        data = json.loads((path or record_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    results = data.get("results") if isinstance(data, dict) else None
    return [r for r in results or [] if isinstance(r, dict)]


def best(results: list[dict[str, Any]], slug: str) -> int | None:
    scores = [int(r.get("score", 0)) for r in results if r.get("slug") == slug]
    return max(scores) if scores else None


def save(score: Score, path: Path | None = None) -> Path:
    """Append one result; written atomically."""
    path = path or record_path()
    results = load(path)
    results.append(
        {
            "slug": score.slug,
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "score": score.points,
            "max": score.total,
            "missed": score.missed,
            "answer_s": round(score.answer_s, 1),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".interviews-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"version": VERSION, "results": results}, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)
    return path
