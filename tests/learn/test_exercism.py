"""results.json in the Exercism test-runner format (version 3), validated against the schema
written down from the interface documentation, plus the rules the schema cannot say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from harness.checks import CheckResult, Status
from harness.learn.exercism import sibling_of, task_ids, to_results
from harness.report.model import Report
from tests.conftest import STARTER
from tests.grading.helpers import kata

SCHEMA = json.loads((Path(__file__).parent / "exercism-results-v3.schema.json").read_text())


def valid(results: dict[str, Any]) -> dict[str, Any]:
    jsonschema.validate(results, SCHEMA)
    statuses = [t["status"] for t in results["tests"]]
    if results["status"] == "pass":
        assert set(statuses) == {"pass"}
    if results["status"] == "fail":
        assert {"fail", "error"} & set(statuses)
    for test in results["tests"]:
        assert (test["message"] is None) == (test["status"] == "pass")
    return results


def _r(cid: str, status: Status) -> CheckResult:
    return CheckResult(cid, f"title of {cid}", "static", status, 0.0, 2, f"why {cid}", "do x", 0.0)


def test_task_ids_come_from_the_manifest() -> None:
    tasks = task_ids("beginner")
    assert tasks["workflow.trigger-main"] == 1 and tasks["deps.pinned"] == 2
    assert tasks["container.rejects-malformed"] == 3 and tasks["dockerfile.non-root"] == 4
    assert tasks["workflow.job-needs"] == 5 and tasks["image.tags"] == 5


def test_starter_run_writes_a_valid_failing_results_file(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "report.json"
    done = kata(
        "grade",
        "beginner",
        "--path",
        str(STARTER),
        "--static-only",
        "--quiet",
        "--no-record",
        "--json",
        str(out),
    )
    assert done.returncode == 1, done.stderr
    results = valid(json.loads((out.parent / "results.json").read_text()))
    assert results["version"] == 3 and results["status"] == "fail"
    by_name = {t["name"].split(":")[0]: t for t in results["tests"]}
    assert by_name["workflow.valid"]["status"] == "pass"
    assert by_name["deps.pinned"]["status"] == "fail" and by_name["deps.pinned"]["task_id"] == 2
    assert "Hint:" in by_name["deps.pinned"]["message"]
    assert by_name["pipeline.act-run"]["message"].startswith("not run: ")
    assert [t["name"].split(":")[0] for t in results["tests"]] == [
        c["id"] for c in json.loads(out.read_text())["checks"]
    ]
    explicit = tmp_path / "elsewhere.json"
    kata(
        "grade",
        "beginner",
        "--path",
        str(STARTER),
        "--static-only",
        "--quiet",
        "--no-record",
        "--exercism",
        str(explicit),
    )
    assert valid(json.loads(explicit.read_text()))["status"] == "fail"


@pytest.mark.parametrize(
    ("results", "status"),
    [
        ([Status.PASS, Status.PASS], "pass"),
        ([Status.PASS, Status.ERROR], "fail"),
        ([Status.SKIP, Status.ERROR], "error"),
    ],
)
def test_overall_status(results: list[Status], status: str) -> None:
    report = Report("beginner", "p", "r", results=[_r(f"c.{i}", s) for i, s in enumerate(results)])
    data = valid(to_results(report))
    assert data["status"] == status
    assert (data["message"] is None) == (status != "error")


def test_a_harness_error_is_an_error_with_its_message() -> None:
    report = Report(
        "beginner",
        "p",
        "r",
        results=[_r("deps.pinned", Status.PASS)],
        harness_error="the engine went away",
    )
    data = valid(to_results(report))
    assert data["status"] == "error" and data["message"] == "the engine went away"


def test_sibling_name() -> None:
    assert sibling_of(Path("out/report.json")) == Path("out/results.json")
    assert sibling_of(Path("out/results.json")) == Path("out/results.exercism.json")
