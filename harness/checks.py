"""The check framework: what a graded check is, what it returns, and how a list of them runs.

A check is a small function with an id, a title, the stage it belongs to, the points it is
worth and a hint for the learner. It returns an `Outcome`; an exception inside a check is
reported as an `error`, never as a crash of the whole run. A project's checks take their
metadata from its manifest (`harness/manifest.py`) and register by id: `@STATIC.check(id)`.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from harness.manifest import Manifest, ManifestError


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
    """An ordered set of checks for one stage family. Bound to a project's manifest, checks
    register by id (`@LIST.check("deps.pinned")`) and take their title, stage, points, hints
    and solution pointer from it; `add` declares all of that inline (for ad-hoc lists)."""

    def __init__(self, manifest: Manifest | None = None) -> None:
        self._checks: list[Check[Ctx]] = []
        self.manifest = manifest

    def _append(self, check: Check[Ctx]) -> None:
        if any(c.id == check.id for c in self._checks):
            raise ValueError(f"duplicate check id {check.id}")
        self._checks.append(check)

    def check(self, id: str) -> Callable[[Callable[[Ctx], Outcome]], Callable[[Ctx], Outcome]]:
        """Register a check function under `id`, with the metadata of the manifest's entry;
        an id the manifest lacks (or one registered twice in the project) fails here, at
        import."""
        manifest = self.manifest
        if manifest is None:
            raise ManifestError(f"check {id!r}: this CheckList has no manifest; use add()")
        info = manifest.get(id)

        def register(fn: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
            if id in manifest.registered:
                raise ManifestError(f"check {id!r} of {manifest.level} is registered twice")
            check = Check(
                info.id,
                info.title,
                info.stage,
                info.points,
                info.hint,
                fn,
                info.deeper_hints,
                info.solution_ref,
            )
            self._append(check)
            manifest.registered[id] = check
            return fn

        return register

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
        """Register a check with its metadata inline; only for a list with no manifest."""
        if self.manifest is not None:
            raise ManifestError(
                f"check {id!r}: {self.manifest.path} holds the metadata; use check({id!r})"
            )

        def register(fn: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
            self._append(
                Check(id, title, stage, points, hint, fn, tuple(deeper_hints), solution_ref)
            )
            return fn

        return register

    def _ordered(self) -> list[Check[Ctx]]:
        """Registration order, or the manifest's order for a list bound to one (so a project
        may register shared checks anywhere and still runs them as its manifest lists them)."""
        if self.manifest is None:
            return self._checks
        order = {cid: i for i, cid in enumerate(self.manifest.ids())}
        return sorted(self._checks, key=lambda c: order.get(c.id, len(order)))

    def __iter__(self) -> Iterator[Check[Ctx]]:
        return iter(self._ordered())

    def __len__(self) -> int:
        return len(self._checks)

    def ids(self) -> list[str]:
        return [c.id for c in self._ordered()]

    def get(self, id: str) -> Check[Ctx]:
        for c in self._checks:
            if c.id == id:
                return c
        raise KeyError(id)


def manifest_checks(manifest: Manifest) -> dict[str, Check[Any]]:
    """Every check of the manifest, in its order, as registered by the project's check
    modules; ManifestError when an entry has no function."""
    manifest.verify()
    return {cid: manifest.registered[cid] for cid in manifest.ids()}


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
