"""Progress between runs and hints that go deeper on each consecutive failure."""

from __future__ import annotations

import os
import re
from pathlib import Path

from harness.checks import Check, CheckList, CheckResult, Outcome, Status, passed
from harness.learn import state
from harness.learn.catalog import checks_for
from harness.learn.hints import HintingConsole, block_range, hint_for, hint_levels
from harness.learn.progress import next_check, render
from harness.report.model import Report
from tests.conftest import SOLUTION
from tests.grading.helpers import kata, starter


def _result(cid: str, status: Status, points: float = 0.0) -> CheckResult:
    return CheckResult(cid, cid, "static", status, points, 2, "msg", "hint", 0.0)


def _report(*results: CheckResult) -> Report:
    return Report(project="beginner", path="p", run_id="r", results=list(results))


def test_check_framework_stays_backwards_compatible() -> None:
    plain: Check[object] = Check("a", "A", "static", 1, "hint", lambda ctx: passed("ok"))
    assert plain.hints == () and plain.solution_ref is None
    checks = CheckList[object]()

    @checks.add(
        "b",
        "B",
        stage="static",
        points=1,
        hint="h1",
        deeper_hints=("h2", "h3"),
        solution_ref=("Dockerfile", r"^USER "),
    )
    def b(ctx: object) -> Outcome:
        return passed("ok")

    assert checks.get("b").hints == ("h2", "h3")
    assert checks.get("b").solution_ref == ("Dockerfile", r"^USER ")


def test_streaks_count_consecutive_failures_and_skips_do_not_reset(state_dir: Path) -> None:
    progress = state.Progress()
    for status in (Status.FAIL, Status.FAIL, Status.SKIP, Status.ERROR):
        progress.record(_report(_result("deps.pinned", status)))
    assert progress.streak("beginner", "deps.pinned") == 3
    progress.record(_report(_result("deps.pinned", Status.PASS, 2)))
    assert progress.streak("beginner", "deps.pinned") == 0
    path = state.save(progress)
    assert path == state_dir / "progress.json"
    again = state.load()
    assert again.levels["beginner"].checks["deps.pinned"].failures == 3
    assert again.levels["beginner"].score == 2


def test_hint_levels_go_deeper_then_point_into_the_solution() -> None:
    check = checks_for("beginner")["dockerfile.non-root"]
    texts = hint_levels("beginner", check)
    assert texts[0] == check.hint and texts[1] == check.hints[0]
    user_line = next(
        i
        for i, ln in enumerate((SOLUTION / "Dockerfile").read_text().splitlines(), 1)
        if ln.startswith("USER ")
    )
    assert texts[2].endswith(f"solutions/beginner/Dockerfile, line {user_line} (only those lines)")
    levels = [hint_for("beginner", check, n) for n in (1, 2, 3, 9)]
    assert [h.level if h else 0 for h in levels] == [1, 2, 3, 3]
    # the pointer names lines, never the solution's text
    assert "10001" not in texts[2] and "useradd" not in texts[2]


def test_block_ranges() -> None:
    yaml = [
        "steps:",
        "      - name: Log in",
        "        uses: docker/login-action@v3",
        "        with:",
        "          password: x",
        "",
        "      - name: next",
    ]
    assert block_range(yaml, 2) == (2, 4)
    docker = ["HEALTHCHECK --interval=1s \\", "    CMD true", "CMD run"]
    assert block_range(docker, 0) == (0, 1)
    top = ["on:", "  push:", "    branches: [main]", "", "# comment", "jobs:"]
    assert block_range(top, 0) == (0, 2)


def test_console_shows_the_current_level(tmp_path: Path) -> None:
    import io

    check = checks_for("beginner")["deps.pinned"]
    out = io.StringIO()
    hint = hint_for("beginner", check, 2)
    assert hint is not None
    console = HintingConsole({"deps.pinned": hint}, out)
    r = _result("deps.pinned", Status.FAIL)
    console.result(r)
    assert f"hint: (hint 2/3) {check.hints[0]}" in out.getvalue()
    assert r.hint.startswith("(hint 2/3)")


def test_grading_three_times_deepens_the_hint_and_progress_shows_it(tmp_path: Path) -> None:
    project = starter(tmp_path / "mine")
    seen = []
    for _ in range(3):
        done = kata(
            "grade", "beginner", "--path", str(project), "--static-only", env={**os.environ}
        )
        assert done.returncode == 1
        lines = done.stderr.splitlines()
        at = next(i for i, ln in enumerate(lines) if "FAIL  dockerfile.non-root" in ln)
        hint = re.search(r"hint: \(hint (\d)/3\)", lines[at + 1])
        assert hint is not None, lines[at + 1]
        seen.append(hint.group(1))
    assert seen == ["1", "2", "3"]
    shown = kata("progress", env={**os.environ})
    assert shown.returncode == 0
    assert "beginner: 6/46 points, 4/23 checks passed (3 run(s)" in shown.stdout
    assert "next: workflow.trigger-main" in shown.stdout
    assert (
        "hint 3/3: compare your work with the reference solution at solutions/beginner/"
        in shown.stdout
    )
    progress = state.load()
    assert next_check("beginner", progress) == "workflow.trigger-main"
    assert progress.levels["beginner"].checks["pipeline.act-run"].status == "skip"
    assert render(progress).splitlines()[0].startswith("beginner: 6/46 points")


def test_solution_and_no_record_runs_leave_progress_alone(state_dir: Path) -> None:
    assert (
        kata(
            "grade", "beginner", "--solution", "--static-only", "--quiet", env={**os.environ}
        ).returncode
        == 1
    )
    assert (
        kata(
            "grade", "beginner", "--static-only", "--quiet", "--no-record", env={**os.environ}
        ).returncode
        == 1
    )
    assert not (state_dir / "progress.json").exists()
    assert "beginner: not started" in kata("progress", env={**os.environ}).stdout
