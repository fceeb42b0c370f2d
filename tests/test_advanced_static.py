"""Advanced static tier and the approval gate mechanics (no Docker)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from harness.checks import Status, run_check
from harness.projects.advanced import apply_gates, parse_approvals
from harness.projects.advanced.static_checks import STATIC
from harness.projects.advanced.variants import BAD_MODEL_EDITS, copy_solution, revert_edits
from harness.runner import Options
from harness.static.context import StaticContext

from .conftest import IGNORE, ROOT, Project

SOLUTION = ROOT / "solutions" / "advanced"
STARTER = ROOT / "exercises" / "advanced"
WORKFLOW = ".github/workflows/promote.yml"


def grade(root: Path) -> dict[str, tuple[Status, str]]:
    results = {c.id: run_check(c, StaticContext(root)) for c in STATIC}
    return {k: (r.status, r.message) for k, r in results.items()}


@pytest.fixture
def solution(tmp_path: Path) -> Project:
    dest = tmp_path / "project"
    shutil.copytree(SOLUTION, dest, ignore=IGNORE)
    return Project(dest)


@pytest.mark.parametrize("variant", ["solution", "bad-model"])
def test_solutions_pass_static_checks(variant: str, bad_model_solution: Path) -> None:
    root = SOLUTION if variant == "solution" else bad_model_solution
    assert {k: m for k, (s, m) in grade(root).items() if s is not Status.PASS} == {}


def test_starter_fails_what_it_teaches() -> None:
    results = grade(STARTER)
    for check_id in (
        "workflow.environments",
        "workflow.gpu-fallback",
        "workflow.metric-gate",
        "workflow.rollback",
    ):
        assert results[check_id][0] is Status.FAIL, check_id


def test_gpu_job_without_cpu_fallback_fails(solution: Project) -> None:
    solution.replace(WORKFLOW, "--device auto", "--device cuda")
    assert grade(solution.root)["workflow.gpu-fallback"][0] is Status.FAIL


def test_main_branch_push_does_not_run_the_promotion(solution: Project) -> None:
    solution.replace(WORKFLOW, "branches: [dev]", "branches: [dev, 'feature/**']")
    assert grade(solution.root)["workflow.trigger-dev"][0] is Status.FAIL


def test_unapproved_jobs_are_held(solution: Project) -> None:
    gated = apply_gates(solution.root, {"staging": "alice"})
    assert set(gated.values()) == {"staging", "production"}
    jobs = yaml.safe_load(solution.read(WORKFLOW))["jobs"]
    held = [j for j, job in jobs.items() if job.get("if") == "${{ false }}"]
    assert [gated[j] for j in held] == ["production"]


def test_approvals_from_flags_and_file(tmp_path: Path) -> None:
    approvals = tmp_path / "approvals.yml"
    approvals.write_text("production:\n  approved_by: carol\n")
    options = Options(
        project_dir=tmp_path, level="advanced", approve=["staging"], approvals_file=approvals
    )
    assert parse_approvals(options) == {"staging": "you (--approve)", "production": "carol"}


def test_cluster_backend_is_chosen_on_the_command_line() -> None:
    from harness.cli import _parser
    from world.cluster import BACKENDS

    parse = _parser().parse_args
    assert parse(["grade", "advanced"]).cluster == "stand-in"
    assert parse(["grade", "advanced", "--cluster", "kind"]).cluster == "kind"
    assert BACKENDS == ("stand-in", "kind")
    with pytest.raises(SystemExit):
        parse(["grade", "advanced", "--cluster", "k3s"])


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_bad_model_variant_is_the_solution_plus_one_marked_bug(
    bad_model_solution: Path, tmp_path: Path
) -> None:
    """The variant is made from the solution by invertible edits (variants.BAD_MODEL_EDITS),
    never committed: every file the same except its README and one inserted block in
    train.py, and undoing the edits gives the solution back byte for byte."""
    solution = _files(copy_solution(tmp_path / "solution"))
    variant = _files(bad_model_solution)
    assert variant.keys() == solution.keys()
    differ = {f for f in solution if solution[f] != variant[f]}
    assert differ == {"README.md", "src/train.py"}
    reverted = tmp_path / "reverted"
    shutil.copytree(bad_model_solution, reverted)
    revert_edits(reverted, BAD_MODEL_EDITS)
    assert _files(reverted) == solution
    good = solution["src/train.py"].decode().splitlines()
    bad = variant["src/train.py"].decode().splitlines()
    changes = [
        op for op in difflib.SequenceMatcher(a=good, b=bad).get_opcodes() if op[0] != "equal"
    ]
    assert [op[0] for op in changes] == ["insert"]
    inserted = [line for line in bad[changes[0][3] : changes[0][4]] if line.strip()]
    assert "THE BUG (the only difference from solutions/advanced)" in inserted[0]
