"""Progress saved between runs: per level, each check's last verdict, how many times in a
row it has failed, and its attempts (failures after a change to what it reads, for the
hints; harness/learn/attempts.py). `$KATA_STATE_DIR/progress.json`, else
`${XDG_STATE_HOME:-~/.local/state}/cicd-kata/progress.json`."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.checks import Status
from harness.report.model import Report

STATE_ENV = "KATA_STATE_DIR"
VERSION = 1


def state_path() -> Path:
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV]) / "progress.json"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cicd-kata" / "progress.json"


@dataclass
class CheckState:
    status: str = "skip"  # last verdict that was not a skip: pass | fail | error
    points: float = 0.0
    max_points: int = 0
    streak: int = 0  # consecutive failed runs (a skipped run neither adds nor resets)
    failures: int = 0
    attempts: int = 0  # failures since the last pass with a change to what the check reads
    failed_reads: str = ""  # fingerprint of what it read at its last failure

    def fail(self, reads: str | None) -> None:
        """One more failed run; an attempt when what the check reads changed since its last
        failure (`reads` None: not known, every failure counts)."""
        self.streak += 1
        self.failures += 1
        if reads is None or self.attempts == 0 or reads != self.failed_reads:
            self.attempts += 1
        self.failed_reads = reads or ""

    def succeeded(self) -> None:
        self.streak, self.attempts, self.failed_reads = 0, 0, ""

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CheckState:
        """Known keys only (an older or newer state file still loads)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in names})


@dataclass
class LevelState:
    runs: int = 0
    updated: str = ""
    checks: dict[str, CheckState] = field(default_factory=dict)
    reset_at: str = ""  # `reset` put the exercise back to its starter; no run since

    @property
    def score(self) -> float:
        return round(sum(c.points for c in self.checks.values()), 2)

    def passed(self) -> list[str]:
        return [cid for cid, c in self.checks.items() if c.status == "pass"]


@dataclass
class Progress:
    levels: dict[str, LevelState] = field(default_factory=dict)

    def level(self, name: str) -> LevelState:
        return self.levels.setdefault(name, LevelState())

    def check(self, level: str, check_id: str) -> CheckState | None:
        state = self.levels.get(level)
        return state.checks.get(check_id) if state else None

    def streak(self, level: str, check_id: str) -> int:
        check = self.check(level, check_id)
        return check.streak if check else 0

    def attempts(self, level: str, check_id: str, reads: str | None = None) -> int:
        """The check's attempts; with `reads` (what it reads now), the attempts it will
        have if the run about to start fails it."""
        check = self.check(level, check_id) or CheckState()
        if reads is None:
            return check.attempts
        counts = check.attempts == 0 or reads != check.failed_reads
        return check.attempts + (1 if counts else 0)

    def record(self, report: Report, reads: dict[str, str] | None = None) -> LevelState:
        """Fold one graded run into the level's state; `reads`: each check's fingerprint of
        the files it read in this run (attempts.fingerprints)."""
        state = self.level(report.project)
        state.runs += 1
        state.updated = _now()
        state.reset_at = ""
        for r in report.results:
            check = state.checks.setdefault(r.id, CheckState(max_points=r.max_points))
            check.max_points = r.max_points
            if r.status is Status.SKIP:
                continue
            check.status, check.points = str(r.status), round(r.points, 2)
            if r.status is Status.PASS:
                check.succeeded()
            else:
                check.fail(reads.get(r.id) if reads is not None else None)
        return state

    def forget(self, level: str) -> None:
        """The exercise went back to its starter: no verdict of the level holds any more."""
        state = self.level(level)
        state.checks = {}
        state.reset_at = _now()

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "levels": {k: asdict(v) for k, v in self.levels.items()}}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_json(path: Path) -> dict[str, Any]:
    """A state file's content; {} when missing or unreadable (a fresh start, not a crash)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write atomically (a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(tmp, path)
    return path


def load(path: Path | None = None) -> Progress:
    data = read_json(path or state_path())
    progress = Progress()
    for name, raw in (data.get("levels") or {}).items():
        checks = {cid: CheckState.from_dict(c) for cid, c in (raw.get("checks") or {}).items()}
        progress.levels[name] = LevelState(
            raw.get("runs", 0), raw.get("updated", ""), checks, raw.get("reset_at", "")
        )
    return progress


def save(progress: Progress, path: Path | None = None) -> Path:
    return write_json(path or state_path(), progress.to_dict())
