"""Grades one submission in a child process (`python -m harness grade ... --path DIR`), with a
whole-submission time limit; whatever happens, the submission gets a folder and an entry.

The child runs from the kata's own folder, never from the submission's, so nothing the
submission ships (a `harness/` package, a conftest, a kata.toml with points) is imported:
the checks, their points and the verdicts are the harness's alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import KataError
from harness.learn.catalog import max_points
from harness.projects import get_project

from . import KATA_ROOT
from .gradebook import REPORT, write_entry
from .similarity import similarity_note
from .submissions import Submission, checkout, detect_level

TERM_GRACE_S = 60.0
"""After the time limit: SIGTERM (the grader tears its run down), then SIGKILL."""
STDERR_TAIL = 2000
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Settings:
    level: str | None = None
    static_only: bool = False
    stage_timeout_s: float = 900.0
    timeout_s: float = 1800.0
    isolation: str = "auto"


def grade_command(level: str, project: Path, folder: Path, settings: Settings) -> list[str]:
    cmd = [sys.executable, "-m", "harness", "grade", level, "--path", str(project)]
    cmd += ["--quiet", "--no-record", "--json", str(folder / REPORT)]
    cmd += ["--junit", str(folder / "report.xml"), "--markdown", str(folder / "report.md")]
    cmd += ["--stage-timeout", f"{settings.stage_timeout_s:g}", "--isolate", settings.isolation]
    cmd += ["--act-log", str(folder / "act.log")]
    return [*cmd, "--static-only"] if settings.static_only else cmd


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's group (its teardown runs), SIGKILL it after the grace period."""
    for sig, wait in ((signal.SIGTERM, TERM_GRACE_S), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def stop_all() -> None:
    """Ctrl-C on the gradebook: SIGTERM every grader still running (each tears its run down);
    their threads then finish and write their rows."""
    with _LIVE_LOCK:
        running = list(_LIVE)
    for proc in running:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][-STDERR_TAIL:] if lines else ""


def run_child(cmd: list[str], folder: Path, timeout_s: float) -> tuple[int | None, str]:
    """(exit status or None when timed out, last stderr line)."""
    log = folder / "console.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            cmd,
            cwd=KATA_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        with _LIVE_LOCK:
            _LIVE.add(proc)
        try:
            code: int | None = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            code = None
            _stop(proc)
        except BaseException:
            _stop(proc)
            raise
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(proc)
    return code, _tail(log)


def grade_one(submission: Submission, out: Path, settings: Settings) -> dict[str, Any]:
    """Grade `submission` into `out/submissions/<name>/`; returns the entry written there."""
    folder = out.resolve() / "submissions" / submission.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    entry: dict[str, Any] = {
        "name": submission.name,
        "source": submission.source,
        "level": settings.level or "",
        "error": "",
        "notes": [],
        "max": 0,
    }
    start = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="kata-gradebook-") as scratch:
            project = checkout(submission, Path(scratch))
            level = detect_level(project, settings.level)
            entry["level"] = level
            get_project(level)  # an unknown level is this row's error, before any run
            entry["max"] = max_points(level)
            note = similarity_note(project, level)
            if note:
                entry["notes"].append(note)
            cmd = grade_command(level, project, folder, settings)
            code, last = run_child(cmd, folder, settings.timeout_s)
        if code is None:
            entry["error"] = f"timed out after {settings.timeout_s:g} s (whole submission)"
            (folder / REPORT).unlink(missing_ok=True)
        elif not (folder / REPORT).is_file():
            entry["error"] = f"grader failed (exit {code}): {last or 'no report written'}"
    except (KataError, OSError, subprocess.SubprocessError) as exc:
        entry["error"] = str(exc)
    entry["duration_s"] = round(time.monotonic() - start, 2)
    write_entry(folder, entry)
    return entry
