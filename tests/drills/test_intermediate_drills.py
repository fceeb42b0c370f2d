"""Every intermediate drill, judged by the intermediate static and Terraform check lists
directly (one emulator and Terraform environment for the module): the solution passes the
targets, the fault fails each of them, and the reference fix passes them again."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.checks import CheckResult, Status, run_check
from harness.drills import workspace
from harness.drills.catalog import drills_for, get_drill
from harness.drills.judge import judge, not_ignored
from harness.drills.model import Drill
from harness.projects.intermediate.facts import _keypair
from harness.projects.intermediate.static_checks import STATIC, TfStaticContext
from harness.projects.intermediate.tf_checks import TERRAFORM, TfContext
from harness.terraform import runner as tf
from world.aws.moto_process import MotoProcessEmulator
from world.terraform.mirror import TerraformEnv

from .conftest import three_states

DRILLS = drills_for("intermediate")
TfEnv = tuple[dict[str, str], str]

try:
    tf.find_terraform()
    HAVE_TERRAFORM = True
except tf.TerraformError:
    HAVE_TERRAFORM = False


@pytest.fixture(scope="module")
def tf_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TfEnv]:
    if not HAVE_TERRAFORM:
        pytest.skip("terraform is not installed")
    work = tmp_path_factory.mktemp("drill-tfenv")
    emulator = MotoProcessEmulator()
    emulator.start()
    try:
        yield TerraformEnv.prepare(work, emulator.endpoint, offline=True).full_env(), _keypair(work)
    finally:
        emulator.stop()


def grade(root: Path, targets: tuple[str, ...], env: TfEnv | None) -> dict[str, CheckResult]:
    """The whole static tier, and the Terraform tier's checks among `targets`."""
    results = {c.id: run_check(c, TfStaticContext(root)) for c in STATIC}
    wanted = [c for c in TERRAFORM if c.id in targets]
    if wanted:
        assert env is not None
        scratch = root.parent / f"{root.name}-tf"
        shutil.copytree(root / "terraform", scratch, ignore=shutil.ignore_patterns("*.tfstate*"))
        ctx = TfContext(scratch, env[0], env[1])
        results |= {c.id: run_check(c, ctx) for c in wanted}
    return results


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_fault_fails_its_targets_and_the_fix_passes(
    request: pytest.FixtureRequest, drill: Drill, tmp_path: Path
) -> None:
    if not HAVE_TERRAFORM:  # the static tier's terraform.fmt needs it too
        pytest.skip("terraform is not installed")
    needs_plan = any(t in TERRAFORM.ids() for t in drill.targets)
    env = request.getfixturevalue("tf_env") if needs_plan else None
    solution, broken, fixed = three_states(drill, tmp_path)
    before, during, after = (grade(p, drill.targets, env) for p in (solution, broken, fixed))
    for target in drill.targets:
        assert before[target].status is Status.PASS, before[target].message
        assert during[target].status is Status.FAIL, during[target].message
        assert after[target].status is Status.PASS, after[target].message
    static_failing = {cid for cid, r in during.items() if r.status is not Status.PASS}
    assert static_failing <= set(drill.targets), "the fault must break only what it targets"
    assert all(r.status is Status.PASS for r in after.values())


def test_committed_state_needs_removing_from_the_index(tmp_path: Path) -> None:
    """In the drill's git folder, deleting the file is not enough: it stays committed until
    `git rm --cached`; the reference fix (and its diff, applied with --index) does that."""
    drill = get_drill("state-committed")
    folder = workspace.create(drill, tmp_path / "drill")
    check = STATIC.get("terraform.no-state-committed")
    assert run_check(check, TfStaticContext(folder)).status is Status.FAIL
    (folder / "terraform" / "terraform.tfstate").unlink()
    assert run_check(check, TfStaticContext(folder)).status is Status.FAIL
    subprocess.run(["git", "checkout", "--", "."], cwd=folder, check=True)
    patch = tmp_path / "fix.diff"
    patch.write_text(workspace.reference_diff(drill))
    subprocess.run(["git", "apply", "--index", str(patch)], cwd=folder, check=True)
    assert run_check(check, TfStaticContext(folder)).status is Status.PASS


def test_git_rm_alone_does_not_fix_the_committed_state(tmp_path: Path) -> None:
    """The incident asks that the state cannot be committed again: removing it from git
    passes the target check, but the drill is fixed only once .gitignore keeps it out."""
    drill = get_drill("state-committed")
    folder = workspace.create(drill, tmp_path / "drill")
    subprocess.run(["git", "rm", "-q", "terraform/terraform.tfstate"], cwd=folder, check=True)
    check = STATIC.get("terraform.no-state-committed")
    assert run_check(check, TfStaticContext(folder)).status is Status.PASS
    verdict = judge(drill, folder)
    assert verdict.not_ignored == list(drill.must_ignore)
    assert not verdict.fixed
    gitignore = folder / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "*.tfstate\n*.tfstate.*\n")
    assert not_ignored(drill.must_ignore, folder) == []


@pytest.mark.skipif(not HAVE_TERRAFORM, reason="terraform is not installed")
def test_judge_runs_the_terraform_tier_on_a_drill_folder(tmp_path: Path) -> None:
    """The `--check` path end to end for one Terraform drill: broken, then fixed."""
    drill = get_drill("wrong-instance-type")
    folder = workspace.create(drill, tmp_path / "drill")
    verdict = judge(drill, folder)
    assert not verdict.fixed and verdict.targets[0].status is Status.FAIL
    assert "p3.2xlarge" in verdict.targets[0].message
    drill.reference_fix(folder)
    verdict = judge(drill, folder)
    assert verdict.fixed, [(r.id, r.message) for r in verdict.targets + verdict.regressions]
    assert verdict.others_passed >= 8
