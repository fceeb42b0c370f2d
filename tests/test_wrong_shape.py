"""A project of the wrong shape gets named, failed or skipped checks, never a traceback: the
pieces a graded run calls on the learner's folders, without Docker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import KataError
from harness.projects.advanced.gates import apply_gates
from harness.projects.advanced.predeploy import predeploy

BEGINNER = Path(__file__).resolve().parent.parent / "solutions" / "beginner"


def test_predeploy_names_the_missing_environment_roots(tmp_path: Path) -> None:
    with pytest.raises(KataError, match=r"env/staging and env/prod not found"):
        predeploy(BEGINNER, tmp_path, {}, registry=None, stable="v1")  # type: ignore[arg-type]


def test_gates_pass_over_a_workflow_that_is_not_yaml(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "broken.yml").write_text("jobs: [unclosed\n")
    assert apply_gates(tmp_path, {}) == {}
    assert (workflows / "broken.yml").read_text() == "jobs: [unclosed\n"


@pytest.mark.docker
@pytest.mark.parametrize("level", ["intermediate", "advanced"])
def test_a_beginner_project_graded_as_a_later_level_gets_a_report(
    level: str, tmp_path: Path
) -> None:
    from harness.cli import main

    report = tmp_path / "report.json"
    code = main(
        [
            "grade",
            level,
            "--path",
            str(BEGINNER),
            "--static-only",
            "--no-record",
            "--quiet",
            "--json",
            str(report),
        ]
    )
    data = json.loads(report.read_text())
    assert code == 1
    assert not data["harness_error"]
    failed = {c["id"]: c["message"] for c in data["checks"] if c["status"] == "fail"}
    missing = "no terraform/ folder" if level == "intermediate" else "env/staging is missing"
    assert any(missing in message for message in failed.values()), failed
