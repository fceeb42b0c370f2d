"""Progress between runs and hints that go deeper with each attempt (a failure after a change)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from harness.checks import Check, CheckList, CheckResult, Outcome, Status, passed
from harness.learn import state
from harness.learn.attempts import fingerprints
from harness.learn.catalog import checks_for
from harness.learn.hints import (
    POINTER_AFTER,
    HintingConsole,
    block_range,
    hint_for,
    hint_levels,
)
from harness.learn.progress import next_check, render
from harness.manifest import WHOLE_PROJECT, load_manifest
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
    levels = [hint_for("beginner", check, n) for n in (1, 2, 3, 4, 9)]
    # one level deeper per attempt; the pointer only from attempt POINTER_AFTER (4) on
    assert [h.level if h else 0 for h in levels] == [1, 2, 2, 3, 3]
    assert POINTER_AFTER == 4
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


def _non_root_hint(project: Path) -> str:
    done = kata("grade", "beginner", "--path", str(project), "--static-only", env={**os.environ})
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    at = next(i for i, ln in enumerate(lines) if "FAIL  dockerfile.non-root" in ln)
    hint = re.search(r"hint: \(hint (\d)/3\)", lines[at + 1])
    assert hint is not None, lines[at + 1]
    return hint.group(1)


def test_quick_reruns_are_no_attempts_and_edits_deepen_the_hint(tmp_path: Path) -> None:
    """Four runs without touching the Dockerfile are one attempt at its checks: no solution
    pointer for work not yet started. Each run after a Dockerfile edit is one more."""
    project = starter(tmp_path / "mine")
    assert [_non_root_hint(project) for _ in range(4)] == ["1", "1", "1", "1"]
    shown = kata("progress", env={**os.environ})
    assert "beginner: 6/46 points, 4/23 checks passed (4 run(s)" in shown.stdout
    assert "next: workflow.trigger-main" in shown.stdout
    assert "hint 1/3:" in shown.stdout and "reference solution" not in shown.stdout
    seen = []
    for n in range(3):  # still root, but the learner is working on the Dockerfile
        dockerfile = project / "Dockerfile"
        dockerfile.write_text(dockerfile.read_text() + f"# try {n}\n")
        seen.append(_non_root_hint(project))
    assert seen == ["2", "2", "3"]
    progress = state.load()
    check = progress.levels["beginner"].checks["dockerfile.non-root"]
    assert (check.streak, check.attempts) == (7, 4)
    assert progress.levels["beginner"].checks["workflow.trigger-main"].attempts == 1
    assert next_check("beginner", progress) == "workflow.trigger-main"
    assert progress.levels["beginner"].checks["pipeline.act-run"].status == "skip"
    assert render(progress).splitlines()[0].startswith("beginner: 6/46 points")


def test_an_attempt_needs_a_change_to_what_the_check_reads(state_dir: Path) -> None:
    progress = state.Progress()
    fail = _report(_result("deps.pinned", Status.FAIL))
    for reads in ("a", "a", "b", "b", "a"):
        progress.record(fail, {"deps.pinned": reads})
    assert progress.attempts("beginner", "deps.pinned") == 3
    assert progress.attempts("beginner", "deps.pinned", "a") == 3
    assert progress.attempts("beginner", "deps.pinned", "c") == 4
    progress.record(_report(_result("deps.pinned", Status.PASS, 2)), {"deps.pinned": "c"})
    assert progress.attempts("beginner", "deps.pinned", "c") == 1  # a new failure, attempt 1
    progress.record(fail)  # no fingerprints (an older caller): every failure counts
    progress.record(fail)
    assert progress.attempts("beginner", "deps.pinned") == 2


def test_fingerprints_follow_the_manifests_reads(tmp_path: Path) -> None:
    project = starter(tmp_path / "mine")
    before = fingerprints("beginner", project)
    (project / "requirements.txt").write_text("scikit-learn==1.9.1\n")
    after = fingerprints("beginner", project)
    changed = {cid for cid in before if before[cid] != after[cid]}
    whole = {c.id for c in load_manifest("beginner") if c.reads == WHOLE_PROJECT}
    assert changed == {"deps.pinned"} | whole
    (project / "model").mkdir()
    (project / "model" / "model.joblib").write_bytes(b"ignored by .gitignore")
    assert fingerprints("beginner", project) == after


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
