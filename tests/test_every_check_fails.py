"""The README's promise: every check has a test that makes it fail on a wrong submission.

FAILED_BY maps each check of the three manifests (`level/id`) to the test that fails it
(`file::function`). This test keeps the map honest: every manifest id has an entry, no entry
names an id that is gone, the test function exists, and its module names the check (its id in
quotes, or a call of its check function) or, for a test driven by a table elsewhere (the drill
catalogue), that table does. A new check without a failing test fails here, by name.

Checks shared by several projects (`harness/projects/common.py`) are one function; their
entries may point at the same test.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from harness.projects import PROJECTS

from .conftest import ROOT

BEGINNER_STATIC = "tests/test_beginner_static.py::test_mutation_fails_its_check"
BEGINNER_RUNTIME = "tests/test_beginner_runtime_checks.py"
INTERMEDIATE_STATIC = "tests/test_intermediate_static.py::test_mutation_fails_its_check"
ADVANCED_STATIC = "tests/test_advanced_static.py"
RUNTIME = "tests/test_runtime_fail_cases.py"
ACT_RUN = f"{BEGINNER_RUNTIME}::test_act_run_reports_the_failed_step"

FAILED_BY: dict[str, str] = {
    # beginner
    "beginner/workflow.valid": BEGINNER_STATIC,
    "beginner/workflow.trigger-main": BEGINNER_STATIC,
    "beginner/workflow.job-needs": BEGINNER_STATIC,
    "beginner/workflow.registry-login": BEGINNER_STATIC,
    "beginner/deps.pinned": BEGINNER_STATIC,
    "beginner/secrets.none-hardcoded": BEGINNER_STATIC,
    "beginner/dockerfile.lint": BEGINNER_STATIC,
    "beginner/dockerfile.base-arg": BEGINNER_STATIC,
    "beginner/dockerfile.non-root": BEGINNER_STATIC,
    "beginner/dockerfile.healthcheck": BEGINNER_STATIC,
    "beginner/workflow.known-secrets": "tests/test_known_secrets.py::"
    "test_misspelt_secret_fails_and_names_it",
    "beginner/pipeline.act-run": ACT_RUN,
    "beginner/model.artifact": f"{BEGINNER_RUNTIME}::test_model_artifact_missing",
    "beginner/model.accuracy": f"{BEGINNER_RUNTIME}::test_model_accuracy_fails_on_a_broken_model",
    "beginner/image.tags": f"{BEGINNER_RUNTIME}::test_image_tags",
    "beginner/image.labels": f"{BEGINNER_RUNTIME}::test_image_labels_user_size_and_model",
    "beginner/image.model-inside": f"{BEGINNER_RUNTIME}::test_image_labels_user_size_and_model",
    "beginner/image.non-root": f"{BEGINNER_RUNTIME}::test_image_labels_user_size_and_model",
    "beginner/image.size": f"{BEGINNER_RUNTIME}::test_image_labels_user_size_and_model",
    "beginner/container.health": f"{BEGINNER_RUNTIME}::"
    "test_container_health_fails_when_docker_never_calls_it_healthy",
    "beginner/container.predictions": f"{BEGINNER_RUNTIME}::test_wrong_predictions_fail",
    "beginner/container.rejects-malformed": f"{BEGINNER_RUNTIME}::"
    "test_lenient_model_that_accepts_strings_and_nan_fails",
    "beginner/container.latency": f"{BEGINNER_RUNTIME}::test_slow_api_fails_latency",
    # intermediate
    "intermediate/workflow.valid": BEGINNER_STATIC,
    "intermediate/workflow.trigger-main": BEGINNER_STATIC,
    "intermediate/terraform.workspace-per-run": INTERMEDIATE_STATIC,
    "intermediate/workflow.destroy-always": INTERMEDIATE_STATIC,
    "intermediate/terraform.no-state-committed": INTERMEDIATE_STATIC,
    "intermediate/terraform.fmt": INTERMEDIATE_STATIC,
    "intermediate/secrets.none-hardcoded": INTERMEDIATE_STATIC,
    "intermediate/workflow.known-secrets": "tests/test_known_secrets.py::"
    "test_intermediate_reuses_the_check",
    "intermediate/terraform.validate": INTERMEDIATE_STATIC,
    "intermediate/terraform.security": INTERMEDIATE_STATIC,
    "intermediate/terraform.plan": INTERMEDIATE_STATIC,
    "intermediate/pipeline.act-run": ACT_RUN,
    "intermediate/terraform.apply": f"{RUNTIME}::"
    "test_terraform_apply_fails_when_the_apply_step_failed",
    "intermediate/deploy.api-answers": f"{RUNTIME}::"
    "test_deploy_api_answers_fails_with_what_each_instance_said",
    "intermediate/deploy.integration-tests": f"{RUNTIME}::"
    "test_integration_tests_fail_without_a_report_artifact",
    "intermediate/teardown.emulator-empty": f"{RUNTIME}::"
    "test_teardown_emulator_empty_fails_on_leftovers",
    "intermediate/teardown.workspace-deleted": f"{RUNTIME}::"
    "test_teardown_workspace_deleted_fails_when_state_stays",
    "intermediate/teardown.no-vm-left": f"{RUNTIME}::"
    "test_teardown_no_vm_left_fails_on_a_running_vm",
    # advanced
    "advanced/workflow.valid": BEGINNER_STATIC,
    "advanced/workflow.trigger-dev": f"{ADVANCED_STATIC}::"
    "test_main_branch_push_does_not_run_the_promotion",
    "advanced/workflow.environments": f"{ADVANCED_STATIC}::test_starter_fails_what_it_teaches",
    "advanced/workflow.gpu-fallback": f"{ADVANCED_STATIC}::test_gpu_job_without_cpu_fallback_fails",
    "advanced/workflow.metric-gate": f"{ADVANCED_STATIC}::test_starter_fails_what_it_teaches",
    "advanced/workflow.rollback": f"{ADVANCED_STATIC}::test_starter_fails_what_it_teaches",
    "advanced/terraform.fmt": f"{RUNTIME}::test_advanced_terraform_fmt_fails_on_unformatted_code",
    "advanced/secrets.none-hardcoded": BEGINNER_STATIC,
    "advanced/terraform.validate": f"{RUNTIME}::test_advanced_terraform_validate_fails_on_bad_hcl",
    "advanced/terraform.canary-config": "tests/drills/test_advanced_drills.py::"
    "test_fault_fails_its_targets_and_the_fix_passes via harness/drills/advanced.py",
    "advanced/pipeline.act-run": ACT_RUN,
    "advanced/gate.metric": f"{RUNTIME}::test_gate_metric_fails_when_a_worse_model_passes",
    "advanced/deploy.dev": "tests/test_advanced_feedback.py::"
    "test_without_warnings_the_message_is_unchanged_and_a_pass_stays_quiet",
    "advanced/gate.approval": f"{RUNTIME}::"
    "test_gate_approval_fails_when_no_job_is_bound_to_an_environment",
    "advanced/canary.split": f"{RUNTIME}::test_canary_split_fails_outside_its_interval",
    "advanced/canary.header-routing": f"{RUNTIME}::"
    "test_header_routing_fails_when_the_header_is_ignored",
    "advanced/canary.analysis": f"{RUNTIME}::"
    "test_canary_analysis_fails_when_the_pipeline_disagrees",
    "advanced/deploy.prod": f"{RUNTIME}::"
    "test_deploy_prod_fails_when_prod_is_not_only_the_new_version",
    "advanced/rollback.canary": f"{RUNTIME}::"
    "test_rollback_canary_fails_when_the_canary_keeps_traffic",
}


def manifest_checks() -> dict[str, str]:
    """`level/id` -> the name of the function registered for it, for the three levels."""
    out = {}
    for level in ("beginner", "intermediate", "advanced"):
        for checks in PROJECTS[level].check_lists():
            for check in checks:
                out[f"{level}/{check.id}"] = check.run.__name__
    return out


@functools.cache
def defined_tests(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text())
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    )


def test_every_check_has_a_test_that_fails_it() -> None:
    checks = manifest_checks()
    assert len(checks) >= 60
    assert sorted(set(checks) - set(FAILED_BY)) == [], "checks without a failing test"
    assert sorted(set(FAILED_BY) - set(checks)) == [], "entries for checks that are gone"


def test_each_named_test_exists_and_names_its_check() -> None:
    checks = manifest_checks()
    problems = []
    for key, target in FAILED_BY.items():
        check_id = key.split("/", 1)[1]
        node, _, via = target.partition(" via ")
        path, _, name = node.partition("::")
        if not (ROOT / path).is_file() or name not in defined_tests(path):
            problems.append(f"{key}: no test {node}")
            continue
        text = (ROOT / (via or path)).read_text()
        calls = re.search(rf"\b{checks[key]}\(", text)
        if f'"{check_id}"' not in text and calls is None:
            problems.append(f"{key}: {via or path} names neither {check_id!r} nor {checks[key]}")
    assert problems == []


def test_the_map_itself_fails_on_a_check_without_a_test() -> None:
    """The guard is real: drop one entry and the first test's comparison names it."""
    checks = manifest_checks()
    partial = dict(FAILED_BY)
    del partial["advanced/rollback.canary"]
    assert sorted(set(checks) - set(partial)) == ["advanced/rollback.canary"]
    assert Path(ROOT / RUNTIME).is_file()
