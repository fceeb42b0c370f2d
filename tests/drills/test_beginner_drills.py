"""Every beginner drill, judged by the beginner static tier directly: the solution passes the
targets, the injected fault fails each of them (and nothing else), the reference fix passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checks import CheckResult, Status, run_check
from harness.drills.catalog import drills_for
from harness.drills.model import Drill
from harness.projects.beginner.static_checks import STATIC
from harness.static.context import StaticContext

from .conftest import three_states

DRILLS = drills_for("beginner")


def static_tier(root: Path) -> dict[str, CheckResult]:
    ctx = StaticContext(root)
    return {c.id: run_check(c, ctx) for c in STATIC}


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_fault_fails_its_targets_and_the_fix_passes(drill: Drill, tmp_path: Path) -> None:
    solution, broken, fixed = three_states(drill, tmp_path)
    before, during, after = static_tier(solution), static_tier(broken), static_tier(fixed)
    for target in drill.targets:
        assert before[target].status is Status.PASS, before[target].message
        assert during[target].status is Status.FAIL, during[target].message
        assert during[target].points < during[target].max_points
        assert after[target].status is Status.PASS, after[target].message
    failing = {cid for cid, r in during.items() if r.status is not Status.PASS}
    assert failing == set(drill.targets), "the fault must break only what the drill targets"
    assert all(r.status is Status.PASS for r in after.values())
