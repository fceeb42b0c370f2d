"""Grading a drill folder: the project's own fast tiers (static, and Terraform where the level
has one), run exactly as `grade --static-only` runs them. The drill is fixed when every target
check passes, no other check that ran fails (the reference solution passes them all), and git
ignores each path the drill's `must_ignore` names (an incident that asks for "never again")."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.checks import CheckResult, Status
from harness.errors import HarnessError
from harness.projects import get_project
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options

from .model import Drill


@dataclass
class Verdict:
    targets: list[CheckResult]
    regressions: list[CheckResult]  # other checks that ran and did not pass
    others_passed: int
    duration_s: float
    harness_error: str = ""
    not_ignored: list[str] = field(default_factory=list)  # must_ignore paths git would commit

    @property
    def undecided(self) -> list[CheckResult]:
        return [r for r in self.targets if r.status is Status.SKIP]

    @property
    def fixed(self) -> bool:
        return (
            bool(self.targets)
            and not self.harness_error
            and not self.regressions
            and not self.not_ignored
            and all(r.status is Status.PASS for r in self.targets)
        )


def fast_tiers(level: str, folder: Path) -> Report:
    """The static tier (and the Terraform tier) of `level` over `folder`, silently."""
    options = Options(project_dir=folder, level=level, static_only=True)
    report: Report = get_project(level).grade(options, Console(quiet=True))
    return report


def verdict_of(drill: Drill, report: Report, duration_s: float) -> Verdict:
    by_id = {r.id: r for r in report.results}
    missing = [t for t in drill.targets if t not in by_id]
    if missing:
        raise HarnessError(
            f"drill {drill.name}: {', '.join(missing)} is not a check of {drill.level}"
        )
    others = [
        r for r in report.results if r.id not in drill.targets and r.status is not Status.SKIP
    ]
    return Verdict(
        targets=[by_id[t] for t in drill.targets],
        regressions=[r for r in others if r.status is not Status.PASS],
        others_passed=len([r for r in others if r.status is Status.PASS]),
        duration_s=duration_s,
        harness_error=report.harness_error,
    )


def not_ignored(paths: tuple[str, ...], folder: Path) -> list[str]:
    """The paths that git in `folder` would not ignore (`git check-ignore --no-index`, so a
    rule counts even while the file is still tracked)."""
    out = []
    for rel in paths:
        done = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", "--", rel],
            cwd=folder,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            out.append(rel)
    return out


def judge(drill: Drill, folder: Path) -> Verdict:
    start = time.monotonic()
    report = fast_tiers(drill.level, folder)
    verdict = verdict_of(drill, report, time.monotonic() - start)
    verdict.not_ignored = not_ignored(drill.must_ignore, folder)
    return verdict
