"""The shape every graded run shares: options, stages with timings, and safe interruption."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TypeVar

from .checks import Check, CheckList, CheckResult, run_check, skip_all
from .report.model import Report
from .report.terminal import Console

Ctx = TypeVar("Ctx")


@dataclass
class Options:
    project_dir: Path
    level: str
    static_only: bool = False
    branch: str = ""  # empty: the project's own (main; advanced: dev)
    keep_workdir: bool = False
    act_timeout_s: float = 900.0
    isolation: str = "off"  # act under bwrap: auto | on | off (harness/grading/isolation.py)
    act_log: Path | None = None  # copy act's log here (capped), e.g. for a gradebook
    real_providers: bool = False  # intermediate: validate/plan with registry providers
    approve: list[str] = field(default_factory=list)  # advanced: approved environments
    approvals_file: Path | None = None  # advanced: YAML {environment: {approved_by: NAME}}
    approved_by: str = "you (--approve)"
    cluster: str = "stand-in"  # advanced: stand-in | kind (world/cluster/backend.py)
    changed_files: tuple[str, ...] = ()  # the push's changed files (paths filters); () = all
    actions: str = "offline"  # offline | online | real (harness/act_runner.py ACTION_MODES)
    secrets: dict[str, str] = field(default_factory=dict)  # more secrets (--secrets-file)


class Stages:
    """Runs check lists stage by stage, printing and timing them into the report."""

    def __init__(self, report: Report, console: Console) -> None:
        self.report = report
        self.console = console

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.report.stage_timings[name] = self.report.stage_timings.get(name, 0.0) + (
                time.monotonic() - start
            )

    def run(self, name: str, checks: CheckList[Ctx], ctx: Ctx) -> list[CheckResult]:
        results = []
        with self.timed(f"{name} checks"):
            for check in checks:
                result = run_check(check, ctx)
                self.console.result(result)
                results.append(result)
        self.report.results.extend(results)
        return results

    def skip(self, checks: CheckList[Ctx], reason: str) -> None:
        items: list[Check[Ctx]] = list(checks)
        for result in skip_all(items, reason):
            self.console.result(result)
            self.report.results.append(result)


class Interrupted(KeyboardInterrupt):
    """SIGTERM, turned into the same unwinding as Ctrl-C so teardown always runs."""


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(f"signal {signum}")

    try:
        previous: Callable[[int, FrameType | None], object] | int | None = signal.signal(
            signal.SIGTERM, handler
        )
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
