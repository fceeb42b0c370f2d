"""The report in the Exercism test-runner format (results.json, version 3).

Top level: version 3, status pass | fail | error, message (only for error), tests[]. Each test:
name, status pass | fail | error, message (why it failed, with the hint), test_code (what the
check verifies) and task_id, the README task the check grades as the project's manifest
(checks.toml, `task`) says. A skipped check counts as a fail ("not run: ..."), since Exercism
has no skip. Interface:
https://exercism.org/docs/building/tooling/test-runners/interface
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.checks import CheckResult, Status
from harness.manifest import load_manifest, manifest_path
from harness.report.model import Report

VERSION = 3


def task_ids(level: str) -> dict[str, int]:
    """check id -> task number, from the level's manifest ({} for a level that is no project)."""
    if not manifest_path(level).is_file():
        return {}
    return load_manifest(level).task_ids()


def _test(r: CheckResult, tasks: dict[str, int]) -> dict[str, Any]:
    status = {Status.PASS: "pass", Status.ERROR: "error"}.get(r.status, "fail")
    message: str | None = None
    if r.status is not Status.PASS:
        prefix = "not run: " if r.status is Status.SKIP else ""
        message = prefix + r.message + (f"\nHint: {r.hint}" if r.hint else "")
    test: dict[str, Any] = {
        "name": f"{r.id}: {r.title}",
        "status": status,
        "message": message,
        "test_code": f"kata check {r.id} (stage {r.stage}, {r.max_points} points): {r.title}",
    }
    if r.id in tasks:
        test["task_id"] = tasks[r.id]
    return test


def to_results(report: Report) -> dict[str, Any]:
    tasks = task_ids(report.project)
    tests = [_test(r, tasks) for r in report.results]
    ran = [r for r in report.results if r.status in (Status.PASS, Status.FAIL)]
    if report.harness_error or not ran:
        message = report.harness_error or "no check could run"
        return {"version": VERSION, "status": "error", "message": message, "tests": tests}
    status = "pass" if report.passed else "fail"
    return {"version": VERSION, "status": status, "message": None, "tests": tests}


def write_results(report: Report, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_results(report), indent=2) + "\n", encoding="utf-8")
    return path


def sibling_of(json_path: Path) -> Path:
    """Where results.json goes when only --json FILE is given: beside FILE."""
    target = json_path.with_name("results.json")
    return target if target != json_path else json_path.with_name("results.exercism.json")
