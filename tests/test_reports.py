"""The report formats carry every field graders rely on, and never a secret."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

from harness.checks import CheckList, Outcome, Status, failed, passed, run_check, skipped
from harness.report.model import Report
from harness.report.terminal import Console
from harness.report.writers import to_json, to_junit, to_markdown

CHECKS = CheckList[dict[str, str]]()


@CHECKS.add("a.pass", "A passes", stage="static", points=2, hint="no hint needed")
def _a(ctx: dict[str, str]) -> Outcome:
    return passed("fine")


@CHECKS.add("b.fail", "B fails", stage="static", points=3, hint="do the thing")
def _b(ctx: dict[str, str]) -> Outcome:
    return failed("wrong | pipe\nsecond line", credit=1 / 3)


@CHECKS.add("c.skip", "C skips", stage="image", points=1, hint="start docker")
def _c(ctx: dict[str, str]) -> Outcome:
    return skipped("no engine")


@CHECKS.add("d.error", "D raises", stage="image", points=1, hint="")
def _d(ctx: dict[str, str]) -> Outcome:
    raise RuntimeError("boom")


def make_report() -> Report:
    report = Report(project="beginner", path="/x", run_id="r1", stack={"engine": "Docker"})
    report.results = [run_check(c, {}) for c in CHECKS]
    report.duration_s = 1.5
    return report


def test_statuses_points_and_errors() -> None:
    report = make_report()
    assert [r.status for r in report.results] == [
        Status.PASS,
        Status.FAIL,
        Status.SKIP,
        Status.ERROR,
    ]
    assert report.score == 3.0 and report.max_score == 7
    assert not report.passed
    assert "harness bug" in report.results[3].message


def test_json_fields() -> None:
    data = json.loads(to_json(make_report()))
    for key in ("project", "stack", "score", "max_score", "passed", "duration_s", "checks"):
        assert key in data
    check = data["checks"][1]
    assert set(check) >= {"id", "title", "status", "points", "max_points", "message", "hint"}
    assert check["status"] == "fail" and check["hint"] == "do the thing"
    assert data["checks"][0]["hint"] == ""  # no hint on a pass


def test_junit_counts() -> None:
    suite = ET.fromstring(to_junit(make_report())).find("testsuite")
    assert suite is not None
    assert (
        suite.get("tests"),
        suite.get("failures"),
        suite.get("errors"),
        suite.get("skipped"),
    ) == ("4", "1", "1", "1")


def test_markdown_escapes_table_cells() -> None:
    md = to_markdown(make_report())
    assert "3/7" in md and "wrong \\| pipe" in md and "*Hint:* do the thing" in md


def _summary(report: Report) -> str:
    out = io.StringIO()
    Console(out).summary(report)
    return out.getvalue()


def test_console_summary_shows_isolation_and_the_teardown_verdict() -> None:
    report = make_report()
    report.stack["isolation"] = "OFF (--isolate off): the workflow ran with the harness's access"
    report.teardown = {"clean": True, "leftovers": ""}
    text = _summary(report)
    assert "isolation: OFF (--isolate off)" in text
    assert "teardown: clean, nothing of the run is left" in text
    report.teardown = {
        "clean": False,
        "leftovers": "containers: kata-r1-api",
        "problems": ["vm i-123 still running"],
    }
    text = _summary(report)
    assert "teardown left behind: containers: kata-r1-api" in text
    assert "teardown problem: vm i-123 still running" in text and "teardown: clean" not in text


def test_a_static_only_summary_claims_nothing_about_teardown() -> None:
    text = _summary(make_report())
    assert "teardown" not in text and "isolation" not in text
