"""The check framework: what a graded check is, what it returns, and how a list of them runs.

A check is a small function with an id, a title, the stage it belongs to, the points it is
worth and a hint for the learner. It returns an `Outcome`; an exception inside a check is
reported as an `error`, never as a crash of the whole run.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True)
class Outcome:
    """What a check function decides. `credit` (0..1) allows partial credit on a pass or fail."""

    status: Status
    message: str
    credit: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        if self.credit is not None:
            return max(0.0, min(1.0, self.credit))
        return 1.0 if self.status is Status.PASS else 0.0


def passed(message: str, **details: Any) -> Outcome:
    return Outcome(Status.PASS, message, details=details)


def failed(message: str, credit: float | None = None, **details: Any) -> Outcome:
    return Outcome(Status.FAIL, message, credit=credit, details=details)


def skipped(message: str) -> Outcome:
    return Outcome(Status.SKIP, message)


Ctx = TypeVar("Ctx")


@dataclass(frozen=True)
class Check(Generic[Ctx]):
    """`hints` go deeper than `hint`, shown one by one as the check keeps failing;
    `solution_ref` is (file in the reference solution, regex of the line to point at)."""

    id: str
    title: str
    stage: str
    points: int
    hint: str
    run: Callable[[Ctx], Outcome]
    hints: tuple[str, ...] = ()
    solution_ref: tuple[str, str] | None = None


@dataclass
class CheckResult:
    id: str
    title: str
    stage: str
    status: Status
    points: float
    max_points: int
    message: str
    hint: str
    duration_s: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "stage": self.stage,
            "status": str(self.status),
            "points": round(self.points, 2),
            "max_points": self.max_points,
            "message": self.message,
            "hint": self.hint if self.status is not Status.PASS else "",
            "duration_s": round(self.duration_s, 3),
            "details": self.details,
        }


class CheckList(Generic[Ctx]):
    """An ordered set of checks for one stage family; `add` is used as a decorator."""

    def __init__(self) -> None:
        self._checks: list[Check[Ctx]] = []

    def add(
        self,
        id: str,
        title: str,
        *,
        stage: str,
        points: int,
        hint: str,
        deeper_hints: tuple[str, ...] = (),
        solution_ref: tuple[str, str] | None = None,
    ) -> Callable[[Callable[[Ctx], Outcome]], Callable[[Ctx], Outcome]]:
        def register(fn: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
            if any(c.id == id for c in self._checks):
                raise ValueError(f"duplicate check id {id}")
            self._checks.append(
                Check(id, title, stage, points, hint, fn, tuple(deeper_hints), solution_ref)
            )
            return fn

        return register

    def include(self, check: Check[Any]) -> None:
        """Grade another project's check here too: same id, title, stage, points, hint and
        function (its deeper hints and solution pointer belong to its own project)."""
        self.add(check.id, check.title, stage=check.stage, points=check.points, hint=check.hint)(
            check.run
        )

    def __iter__(self) -> Iterator[Check[Ctx]]:
        return iter(self._checks)

    def __len__(self) -> int:
        return len(self._checks)

    def ids(self) -> list[str]:
        return [c.id for c in self._checks]

    def get(self, id: str) -> Check[Ctx]:
        for c in self._checks:
            if c.id == id:
                return c
        raise KeyError(id)


def run_check(check: Check[Ctx], ctx: Ctx) -> CheckResult:
    """Run one check, turning an unexpected exception into an `error` result."""
    start = time.monotonic()
    try:
        outcome = check.run(ctx)
    except Exception as exc:  # a broken check must not sink the run
        last = traceback.extract_tb(exc.__traceback__)[-1]
        outcome = Outcome(
            Status.ERROR,
            f"the check itself raised {type(exc).__name__}: {exc} "
            f"(at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}); this is a harness bug",
        )
    return result_of(check, outcome, time.monotonic() - start)


def skip_all(checks: list[Check[Any]], reason: str) -> list[CheckResult]:
    return [result_of(c, skipped(reason), 0.0) for c in checks]


def result_of(check: Check[Any], outcome: Outcome, duration_s: float) -> CheckResult:
    return CheckResult(
        id=check.id,
        title=check.title,
        stage=check.stage,
        status=outcome.status,
        points=check.points * outcome.fraction,
        max_points=check.points,
        message=outcome.message,
        hint=check.hint,
        duration_s=duration_s,
        details=outcome.details,
    )
