"""Progress saved between runs: per level, each check's last verdict and how many times in a
row it has failed. `$KATA_STATE_DIR/progress.json`, else
`${XDG_STATE_HOME:-~/.local/state}/cicd-kata/progress.json`."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
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


@dataclass
class LevelState:
    runs: int = 0
    updated: str = ""
    checks: dict[str, CheckState] = field(default_factory=dict)

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

    def streak(self, level: str, check_id: str) -> int:
        state = self.levels.get(level)
        check = state.checks.get(check_id) if state else None
        return check.streak if check else 0

    def record(self, report: Report) -> LevelState:
        """Fold one graded run into the level's state."""
        state = self.level(report.project)
        state.runs += 1
        state.updated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for r in report.results:
            check = state.checks.setdefault(r.id, CheckState(max_points=r.max_points))
            check.max_points = r.max_points
            if r.status is Status.SKIP:
                continue
            check.status, check.points = str(r.status), round(r.points, 2)
            if r.status is Status.PASS:
                check.streak = 0
            else:
                check.streak += 1
                check.failures += 1
        return state

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "levels": {k: asdict(v) for k, v in self.levels.items()}}


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
        checks = {cid: CheckState(**c) for cid, c in (raw.get("checks") or {}).items()}
        progress.levels[name] = LevelState(raw.get("runs", 0), raw.get("updated", ""), checks)
    return progress


def save(progress: Progress, path: Path | None = None) -> Path:
    return write_json(path or state_path(), progress.to_dict())
