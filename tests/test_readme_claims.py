"""README claims read against the code (issue 11, part 5): the false ones are gone, and the
ones that replaced them hold (the behaviour itself is tested beside its code: sandbox in
test_sandbox.py, console summary in test_reports.py, shard merging in
grading/test_class_workflow.py)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT
from tests.grading.helpers import kata, starter

README = (ROOT / "README.md").read_text(encoding="utf-8")
FLAT = " ".join(README.split())


def test_claims_the_code_does_not_keep_are_gone() -> None:
    for claim in (
        "nothing uncommitted, e.g. a locally trained model, comes along",  # untracked files come
        "Merging shards gives byte-for-byte the gradebook",  # rows carry their durations
        "the run stops at once and says so",  # static and Terraform tiers run first
        "fast static tests + one end-to-end run per project",  # about a dozen full runs
        "| `--json F` (or `--exercism F`) | also writes `results.json` beside `F`",
        "name, level, difficulty, target checks, title",  # --list withholds the targets
    ):
        assert claim not in FLAT, claim


def test_exercism_writes_the_file_it_is_given(tmp_path: Path) -> None:
    target = tmp_path / "out" / "mine.json"
    target.parent.mkdir()
    done = kata(
        "grade", "beginner", "--path", str(starter(tmp_path / "p")), "--static-only",
        "--no-record", "--exercism", str(target),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert target.is_file() and not (target.parent / "results.json").exists()
    assert "| `--exercism F` | writes that Exercism `results.json` to `F` itself |" in README
