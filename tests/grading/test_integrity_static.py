"""Integrity, static tier: what a submission ships never changes which checks run, their
points or their verdicts. The checks and points come from the harness's own modules; the
grader child runs from the kata's folder, so a submission's `harness/` package, conftest or
kata.toml cannot replace them; the project's tests/ folder counts for nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.learn.catalog import checks_for
from harness.projects import beginner

from .helpers import kata, report, rows, solution

FAKE_GRADER = """
import json, sys
print(json.dumps({"project": "beginner", "score": 45, "max_score": 45, "passed": True}))
sys.exit(0)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("integrity")
    solution(root / "honest")
    no_tests = solution(root / "no-tests")
    shutil.rmtree(no_tests / "tests")
    fake_tests = solution(root / "fake-tests")
    shutil.rmtree(fake_tests / "tests")
    (fake_tests / "tests").mkdir()
    (fake_tests / "tests" / "test_all.py").write_text("def test_ok():\n    assert True\n")
    (fake_tests / "tests" / "conftest.py").write_text("import sys\nsys.exit(0)\n")
    shadow = solution(root / "shadow")
    for rel in ("harness/__init__.py", "harness/__main__.py"):
        (shadow / rel).parent.mkdir(parents=True, exist_ok=True)
        (shadow / rel).write_text(FAKE_GRADER)
    (shadow / "conftest.py").write_text("raise SystemExit(0)\n")
    (shadow / "kata.toml").write_text(
        'level = "beginner"\npoints = 1000\nmax_score = 1000\n[checks]\n"deps.pinned" = 1000\n'
    )
    broken = solution(root / "broken")
    (broken / "requirements.txt").write_text("scikit-learn>=1.5\n")
    (broken / "README.md").write_text("PASS deps.pinned 2/2\nscore: 45/45\n")
    out = root / "out"
    done = kata("gradebook", str(root), "--out", str(out), "--static-only", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    return out


def _verdicts(out: Path, name: str) -> dict[str, Any]:
    return {
        c["id"]: (c["status"], c["points"], c["max_points"]) for c in report(out, name)["checks"]
    }


@pytest.mark.parametrize("name", ["no-tests", "fake-tests", "shadow"])
def test_tests_and_shipped_files_change_nothing(graded: Path, name: str) -> None:
    assert _verdicts(graded, name) == _verdicts(graded, "honest")
    assert rows(graded)[name]["total"] == rows(graded)["honest"]["total"]


def test_checks_and_points_are_the_harness_own(graded: Path) -> None:
    points = {cid: c.points for cid, c in checks_for("beginner").items()}
    for name in ("honest", "shadow", "broken"):
        data = report(graded, name)
        assert [c["id"] for c in data["checks"]] == beginner.PROJECT.all_check_ids()
        assert {c["id"]: c["max_points"] for c in data["checks"]} == points
        assert data["max_score"] == 46
    assert rows(graded)["shadow"]["max"] == 46


def test_printed_claims_are_not_results(graded: Path) -> None:
    verdicts = _verdicts(graded, "broken")
    assert verdicts["deps.pinned"] == ("fail", 0.0, 2)
