"""`workflow.known-secrets`: every `secrets.NAME` a workflow uses must be one the repository
defines (REGISTRY_USERNAME, REGISTRY_PASSWORD, GITHUB_TOKEN), in both projects."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.checks import CheckResult, Status, run_check
from harness.projects.beginner.static_checks import STATIC, secret_references
from harness.projects.intermediate.static_checks import STATIC as TF_STATIC
from harness.projects.intermediate.static_checks import TfStaticContext
from harness.static.context import StaticContext

from .conftest import IGNORE, ROOT, Project

CHECK = "workflow.known-secrets"
WORKFLOW = ".github/workflows/pipeline.yml"
INTERMEDIATE = ROOT / "solutions" / "intermediate"


def known(root: Path) -> CheckResult:
    return run_check(STATIC.get(CHECK), StaticContext(root))


def test_solution_passes(solution_copy: Project) -> None:
    result = known(solution_copy.root)
    assert result.status is Status.PASS, result.message
    assert "REGISTRY_PASSWORD" in result.message


def test_misspelt_secret_fails_and_names_it(solution_copy: Project) -> None:
    solution_copy.replace(WORKFLOW, "secrets.REGISTRY_PASSWORD", "secrets.REGISTRY_PASSWD")
    result = known(solution_copy.root)
    assert result.status is Status.FAIL
    assert result.points == 0
    assert "secrets.REGISTRY_PASSWD" in result.message
    line = (
        solution_copy.read(WORKFLOW)
        .splitlines()
        .index("          password: ${{ secrets.REGISTRY_PASSWD }}")
    )
    assert f"pipeline.yml:{line + 1}" in result.message
    assert "REGISTRY_PASSWORD" in result.hint


def test_bracket_form_and_case_insensitive_names(solution_copy: Project) -> None:
    solution_copy.replace(WORKFLOW, "secrets.REGISTRY_USERNAME", "secrets['registry_username']")
    assert known(solution_copy.root).status is Status.PASS
    solution_copy.replace(WORKFLOW, "secrets['registry_username']", "secrets['DOCKERHUB_USER']")
    result = known(solution_copy.root)
    assert result.status is Status.FAIL and "DOCKERHUB_USER" in result.message


def test_comments_are_ignored_and_no_secret_passes(solution_copy: Project) -> None:
    text = solution_copy.read(WORKFLOW)
    solution_copy.write(WORKFLOW, "# uses secrets.SOMETHING_ELSE later\n" + text)
    assert known(solution_copy.root).status is Status.PASS
    assert secret_references("  # secrets.X\n  a: ${{ secrets.Y }} ${{ secrets.Z }}\n") == [
        (2, "Y"),
        (2, "Z"),
    ]


def test_every_workflow_file_is_read(solution_copy: Project) -> None:
    solution_copy.write(
        ".github/workflows/extra.yaml",
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ secrets.SLACK_WEBHOOK }}\n",
    )
    result = known(solution_copy.root)
    assert result.status is Status.FAIL
    assert "secrets.SLACK_WEBHOOK" in result.message and "extra.yaml:6" in result.message


def test_intermediate_reuses_the_check(tmp_path: Path) -> None:
    dest = tmp_path / "intermediate"
    shutil.copytree(INTERMEDIATE, dest, ignore=IGNORE)
    check = TF_STATIC.get(CHECK)
    assert run_check(check, TfStaticContext(dest)).status is Status.PASS
    Project(dest).replace(WORKFLOW, "secrets.REGISTRY_USERNAME }}", "secrets.REGISTRY_USER }}")
    result = run_check(check, TfStaticContext(dest))
    assert result.status is Status.FAIL and "REGISTRY_USER`" in result.message
