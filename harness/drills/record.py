"""Drill attempts and personal bests, kept beside the learner's progress file
(`drills.json` in the state directory of harness/learn/state.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.learn import state

FILE_NAME = "drills.json"
VERSION = 1


def record_path() -> Path:
    return state.state_path().parent / FILE_NAME


@dataclass
class Attempt:
    started: float  # epoch seconds
    folder: str
    finished: float | None = None
    outcome: str = "open"  # open | fixed | gave-up
    checks: int = 0
    hints: int = 0

    @property
    def open(self) -> bool:
        return self.outcome == "open"

    @property
    def seconds(self) -> float | None:
        return None if self.finished is None else self.finished - self.started


@dataclass
class DrillRecord:
    attempts: list[Attempt] = field(default_factory=list)
    best_s: float | None = None

    @property
    def current(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None


@dataclass
class DrillBook:
    drills: dict[str, DrillRecord] = field(default_factory=dict)

    def current(self, name: str) -> Attempt | None:
        record = self.drills.get(name)
        return record.current if record else None

    def start(self, name: str, folder: Path, now: float) -> Attempt:
        attempt = Attempt(started=now, folder=str(folder))
        self.drills.setdefault(name, DrillRecord()).attempts.append(attempt)
        return attempt

    def finish(self, name: str, now: float) -> tuple[float, float | None]:
        """Close the open attempt as fixed: (its time, the personal best before it)."""
        record = self.drills[name]
        attempt = record.attempts[-1]
        attempt.finished, attempt.outcome = now, "fixed"
        seconds, previous = now - attempt.started, record.best_s
        if previous is None or seconds < previous:
            record.best_s = seconds
        return seconds, previous

    def give_up(self, name: str, now: float) -> None:
        attempt = self.current(name)
        if attempt is not None and attempt.open:
            attempt.finished, attempt.outcome = now, "gave-up"

    def to_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "drills": {k: asdict(v) for k, v in self.drills.items()}}


def load(path: Path | None = None) -> DrillBook:
    data = state.read_json(path or record_path())
    book = DrillBook()
    for name, raw in (data.get("drills") or {}).items():
        attempts = [Attempt(**a) for a in raw.get("attempts") or []]
        book.drills[name] = DrillRecord(attempts, raw.get("best_s"))
    return book


def save(book: DrillBook, path: Path | None = None) -> Path:
    return state.write_json(path or record_path(), book.to_dict())


def clock(seconds: float) -> str:
    """`1h 02m 03s`, `4m 05s`, `7s`."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"
