"""Every advanced drill: the solution passes the targets, the fault fails them, the reference
fix passes them again (graded with the advanced project's own static tier, which plans
env/staging against the cluster stand-in)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import docker
from harness.checks import Status
from harness.drills.catalog import drills_for
from harness.drills.model import Drill
from harness.projects import advanced
from harness.report.terminal import Console
from harness.runner import Options

from .conftest import three_states

DRILLS = drills_for("advanced")


@pytest.fixture(scope="module", autouse=True)
def engine() -> None:
    try:
        docker.from_env(timeout=5).ping()
    except Exception as exc:
        pytest.skip(f"planning against the cluster stand-in needs Docker ({exc})")


def statuses(root: Path) -> dict[str, Status]:
    options = Options(project_dir=root, level="advanced", static_only=True)
    report = advanced.PROJECT.grade(options, Console(io.StringIO()))
    return {r.id: r.status for r in report.results}


def test_catalogue_has_advanced_drills() -> None:
    assert {d.name for d in DRILLS} >= {"canary-all-traffic", "gpu-no-fallback"}


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_fault_fails_its_targets_and_the_fix_passes(drill: Drill, tmp_path: Path) -> None:
    solution, broken, fixed = three_states(drill, tmp_path)
    before, during, after = (statuses(p) for p in (solution, broken, fixed))
    for target in drill.targets:
        assert before[target] is Status.PASS
        assert during[target] is Status.FAIL
        assert after[target] is Status.PASS
    tiers = [cid for cid, s in during.items() if s is Status.FAIL]
    assert set(tiers) <= set(drill.targets), "the fault must break only what it targets"
