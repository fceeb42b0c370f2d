"""Intermediate and advanced runtime checks on the facts a wrong submission leaves, without
an act run: each context dataclass is built as the stage's gather would fill it (an emulator
that still holds resources, a canary split outside its interval, ...), and the check must
fail with a message that says what is wrong; the right facts pass. The advanced Terraform
checks run on a copy of the solution with one fault."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, cast

import pytest

from harness.act_results import ActRun, JobResult, StepResult
from harness.canary import Decision, Sample, SplitVerdict, Traffic, binomial_interval
from harness.checks import Status
from harness.projects.advanced import runtime_checks as adv
from harness.projects.advanced import static_checks as adv_static
from harness.projects.advanced import tf_checks as adv_tf
from harness.projects.intermediate import runtime_checks as mid
from harness.static.context import StaticContext

from .conftest import ROOT

NOWHERE = Path("/nonexistent")
NEW = "127.0.0.1:5000/kata/iris-api:new"
OLD = "127.0.0.1:5000/kata/iris-api:v1"


def act(**jobs: tuple[str, list[tuple[str, str]]]) -> ActRun:
    """An act run: job id -> (result, [(step name, step result), ...])."""
    return ActRun(
        0 if all(result == "success" for result, _ in jobs.values()) else 1,
        {
            job: JobResult(
                job,
                result,
                [StepResult(job, str(i), n, "Main", r, 1.0) for i, (n, r) in enumerate(steps)],
            )
            for job, (result, steps) in jobs.items()
        },
        60.0,
        NOWHERE,
    )


# --- intermediate: deploy and teardown --------------------------------------------------------


def deploy(**kwargs: Any) -> mid.DeployContext:
    defaults: dict[str, Any] = {
        "act": act(provision=("success", [("Terraform apply", "success")])),
        "instances_seen": {"i-0abc"},
        "api": {"10.0.1.5": mid.ApiObservation("10.0.1.5", True, True, "predictions ok")},
        "workspaces_seen": {"run-1"},
        "leftover_resources": [],
        "state_keys_left": [],
        "vms_left": [],
    }
    return mid.DeployContext(sandbox=cast(Any, None), workdir=NOWHERE, **(defaults | kwargs))


def test_intermediate_runtime_checks_pass_on_a_clean_run() -> None:
    ctx = deploy()
    for check in (
        mid.tf_apply,
        mid.api_answers,
        mid.emulator_empty,
        mid.workspace_deleted,
        mid.no_vm_left,
    ):
        assert check(ctx).status is Status.PASS, check.__name__


def test_terraform_apply_fails_when_the_apply_step_failed() -> None:
    ctx = deploy(
        act=act(
            provision=("failure", [("Terraform init", "success"), ("Terraform apply", "failure")])
        )
    )
    outcome = mid.tf_apply(ctx)
    assert outcome.status is Status.FAIL and "`Terraform apply` failed" in outcome.message


def test_terraform_apply_fails_when_no_instance_appeared() -> None:
    outcome = mid.tf_apply(deploy(instances_seen=set()))
    assert outcome.status is Status.FAIL and "no EC2 instance appeared" in outcome.message


def test_deploy_api_answers_fails_with_what_each_instance_said() -> None:
    wrong = mid.ApiObservation("10.0.1.5", True, False, "predictions ['setosa'], expected ...")
    outcome = mid.api_answers(deploy(api={"10.0.1.5": wrong}))
    assert outcome.status is Status.FAIL and "10.0.1.5: predictions ['setosa']" in outcome.message
    silent = mid.api_answers(deploy(api={}))
    assert silent.status is Status.FAIL and "nothing answered on port 8000" in silent.message


def test_integration_tests_fail_without_a_report_artifact(tmp_path: Path) -> None:
    (tmp_path / "artifacts").mkdir()
    outcome = mid.integration_tests(deploy(artifacts_dir=tmp_path / "artifacts"))
    assert outcome.status is Status.FAIL and "integration-report" in outcome.message


def test_teardown_emulator_empty_fails_on_leftovers() -> None:
    left = ["aws_vpc vpc-1", "aws_instance i-0abc", "aws_key_pair deployer"]
    outcome = mid.emulator_empty(deploy(leftover_resources=left))
    assert outcome.status is Status.FAIL
    assert "left behind: aws_vpc vpc-1, aws_instance i-0abc" in outcome.message
    unread = mid.emulator_empty(deploy(leftover_resources=None, emulator_problem="moto is gone"))
    assert unread.status is Status.SKIP and "moto is gone" in unread.message


def test_teardown_workspace_deleted_fails_when_state_stays() -> None:
    outcome = mid.workspace_deleted(deploy(state_keys_left=["env:/run-1/terraform.tfstate"]))
    assert outcome.status is Status.FAIL and "env:/run-1/terraform.tfstate" in outcome.message
    default = mid.workspace_deleted(deploy(workspaces_seen=set()))
    assert default.status is Status.FAIL and "state went to `default`" in default.message


def test_teardown_no_vm_left_fails_on_a_running_vm() -> None:
    outcome = mid.no_vm_left(deploy(vms_left=["i-0abc (running)"]))
    assert outcome.status is Status.FAIL and "still running: i-0abc (running)" in outcome.message


# --- advanced: gates, canary, outcome ---------------------------------------------------------

STAGING_OK = {"staging": "alice", "production": "bob"}
GATED = {"deploy-staging": "staging", "deploy-prod": "production"}


def split(canary: int, n: int = 1000, weight: float = 0.1) -> SplitVerdict:
    return SplitVerdict(n, canary, weight, binomial_interval(n, weight))


def observation(**kwargs: Any) -> adv.CanaryObservation:
    always = Traffic([Sample("iris-canary", 200, 5.0) for _ in range(20)])
    never = Traffic([Sample("iris-stable", 200, 5.0) for _ in range(20)])
    promote = Decision(1, 100, 1.0, 20.0, "promote", "success rate 100.0%, p95 20 ms")
    defaults: dict[str, Any] = {
        "weight": 10.0,
        "canary_service": "iris-canary",
        "stable_service": "iris-stable",
        "split": split(100),
        "header_always": always,
        "header_never": never,
        "header_name": "X-Canary",
        "decisions": [promote],
    }
    return adv.CanaryObservation(**(defaults | kwargs))


def promote(**kwargs: Any) -> adv.PromoteContext:
    """The facts of a good run: the model passed the gate, both gates approved, the canary
    analysed and promoted, prod on the new image and staging's canary back at weight 0."""
    defaults: dict[str, Any] = {
        "act": act(
            validate=("success", []),
            build=("success", []),
            **{"deploy-staging": ("success", []), "deploy-prod": ("success", [])},
        ),
        "new_image": NEW,
        "baseline_accuracy": 0.90,
        "model_accuracy": 0.95,
        "approvals": dict(STAGING_OK),
        "gated_jobs": dict(GATED),
        "canary": observation(),
        "final_images": {"dev": {"model": NEW}, "prod": {"model": NEW}},
        "final_canary": {"metadata": {"annotations": {adv.WEIGHT_ANNOTATION: "0"}}},
        "dev_health": "ok",
        "prod_health": "ok",
    }
    return adv.PromoteContext(sandbox=cast(Any, None), workdir=NOWHERE, **(defaults | kwargs))


ADVANCED_RUNTIME = (
    adv.gate_metric,
    adv.deploy_dev,
    adv.gate_approval,
    adv.canary_split,
    adv.header_routing,
    adv.canary_analysis,
    adv.deploy_prod,
    adv.rollback_canary,
)


def test_advanced_runtime_checks_pass_on_a_good_run() -> None:
    ctx = promote()
    for check in ADVANCED_RUNTIME:
        outcome = check(ctx)
        assert outcome.status is Status.PASS, (check.__name__, outcome.message)


def test_gate_metric_fails_when_a_worse_model_passes() -> None:
    outcome = adv.gate_metric(promote(model_accuracy=0.60))
    assert outcome.status is Status.FAIL and "a worse model passed `validate`" in outcome.message


def test_gate_approval_fails_when_no_job_is_bound_to_an_environment() -> None:
    """The failing branch: without `environment:` nothing waits, whatever was approved."""
    outcome = adv.gate_approval(promote(gated_jobs={}))
    assert outcome.status is Status.FAIL and "no job is bound to a protected environment" in (
        outcome.message
    )
    waiting = adv.gate_approval(promote(approvals={"staging": "alice"}))
    assert waiting.status is Status.SKIP and "--approve production" in waiting.message


@pytest.mark.parametrize("canary", [10, 250, 600])
def test_canary_split_fails_outside_its_interval(canary: int) -> None:
    outcome = adv.canary_split(promote(canary=observation(split=split(canary))))
    assert outcome.status is Status.FAIL, outcome.message
    assert f"{canary}/1000 requests reached the canary" in outcome.message
    assert "allows" in outcome.message


def test_canary_split_fails_when_more_than_half_is_canary() -> None:
    outcome = adv.canary_split(promote(canary=observation(split=split(800, weight=0.8))))
    assert outcome.status is Status.FAIL and "more than half the traffic" in outcome.message


def test_canary_split_fails_when_no_canary_was_live() -> None:
    outcome = adv.canary_split(promote(canary=None, canary_error="weight 0"))
    assert outcome.status is Status.FAIL and "no live canary" in outcome.message


def test_header_routing_fails_when_the_header_is_ignored() -> None:
    mixed = Traffic([Sample("iris-canary", 200, 5.0)] * 3 + [Sample("iris-stable", 200, 5.0)] * 17)
    outcome = adv.header_routing(promote(canary=observation(header_always=mixed)))
    assert outcome.status is Status.FAIL
    assert "always → 3/20 canary" in outcome.message
    leaky = adv.header_routing(promote(canary=observation(header_never=mixed)))
    assert leaky.status is Status.FAIL and "never → 3/20 canary" in leaky.message


def test_canary_analysis_fails_when_the_pipeline_disagrees() -> None:
    rollback = Decision(1, 100, 0.80, 20.0, "rollback", "success rate 80.0% < 99%")
    promoted_anyway = promote(canary=observation(decisions=[rollback]))
    outcome = adv.canary_analysis(promoted_anyway)
    assert outcome.status is Status.FAIL and "promoted it anyway" in outcome.message
    stopped = promote(
        act=act(validate=("success", []), **{"deploy-staging": ("failure", [])}),
    )
    outcome = adv.canary_analysis(stopped)
    assert outcome.status is Status.FAIL and "but `deploy-staging` failure" in outcome.message


def test_deploy_prod_fails_when_prod_is_not_only_the_new_version() -> None:
    both = promote(final_images={"prod": {"model": OLD, "model-canary": NEW}})
    outcome = adv.deploy_prod(both)
    assert outcome.status is Status.FAIL and "expected only" in outcome.message


def test_deploy_prod_fails_when_a_rolled_back_version_reaches_prod() -> None:
    rollback = Decision(1, 100, 0.80, 20.0, "rollback", "success rate 80.0% < 99%")
    ctx = promote(canary=observation(decisions=[rollback]))
    outcome = adv.deploy_prod(ctx)
    assert outcome.status is Status.FAIL and "without passing every gate" in outcome.message


def test_rollback_canary_fails_when_the_canary_keeps_traffic() -> None:
    ctx = promote(final_canary={"metadata": {"annotations": {adv.WEIGHT_ANNOTATION: "20"}}})
    outcome = adv.rollback_canary(ctx)
    assert outcome.status is Status.FAIL and "still takes 20% of the traffic" in outcome.message


# --- advanced: Terraform fmt and validate -----------------------------------------------------

needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform is not installed"
)
ADVANCED = ROOT / "solutions" / "advanced"


def advanced_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "advanced"
    shutil.copytree(ADVANCED, dest, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    return dest


@needs_terraform
def test_advanced_terraform_fmt_fails_on_unformatted_code(tmp_path: Path) -> None:
    root = advanced_copy(tmp_path)
    assert adv_static.tf_fmt(StaticContext(root)).status is Status.PASS
    (root / "env" / "dev" / "extra.tf").write_text('locals {\nowner="kata"\n    team =   "ml"\n}\n')
    outcome = adv_static.tf_fmt(StaticContext(root))
    assert outcome.status is Status.FAIL and "dev/extra.tf" in outcome.message


def test_advanced_terraform_validate_fails_without_environment_roots(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    outcome = adv_tf.tf_validate(adv_tf.TfContext(tmp_path, {}))
    assert outcome.status is Status.FAIL
    assert outcome.message == "env/dev is missing | env/staging is missing | env/prod is missing"


@needs_terraform
def test_advanced_terraform_validate_fails_on_bad_hcl(tmp_path: Path) -> None:
    """One root with an unknown argument fails with terraform's own words; the others pass."""
    from harness.services.cloud import terraform_env

    root = advanced_copy(tmp_path)
    (root / "env" / "prod" / "broken.tf").write_text(
        'resource "kubernetes_namespace_v1" "x" {\n  metadata { nmae = "x" }\n}\n'
    )
    env = terraform_env(tmp_path / "tf", "http://127.0.0.1:9", kubernetes=True).full_env()
    outcome = adv_tf.tf_validate(adv_tf.TfContext(root, env))
    assert outcome.status is Status.FAIL, outcome.message
    assert outcome.message.startswith("env/prod: ") and "nmae" in outcome.message
    assert outcome.credit == pytest.approx(2 / 3)
