"""`reset` puts an exercise back to its committed starter and backs the learner's work up."""

from __future__ import annotations

import filecmp
import subprocess
from pathlib import Path

from harness.learn import state
from harness.learn.catalog import checks_for
from harness.learn.progress import render
from harness.learn.reset import reset
from harness.report.model import Report
from tests.conftest import ROOT
from tests.grading.helpers import kata, starter


def _committed_starter(tmp_path: Path) -> Path:
    dest = tmp_path / "committed"
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD", "exercises/beginner"],
        capture_output=True,
        check=True,
    ).stdout
    dest.mkdir()
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "exercises" / "beginner"


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b, ignore=[".git", ".venv"])

    def clean(c: filecmp.dircmp[str]) -> bool:
        if c.left_only or c.right_only or c.diff_files or c.funny_files:
            return False
        return all(clean(sub) for sub in c.subdirs.values())

    return clean(cmp)


def test_reset_restores_the_starter_and_keeps_a_backup(tmp_path: Path) -> None:
    mine = starter(tmp_path / "mine")
    (mine / "Dockerfile").write_text("FROM my-own-work\n")
    (mine / "notes.txt").write_text("my notes\n")
    (mine / "src" / "app.py").unlink()
    (mine / ".git").mkdir()
    (mine / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    backups = tmp_path / "backups"
    saved = reset("beginner", mine, backups=backups)
    assert saved is not None and saved.parent == backups and saved.name.startswith("beginner-")
    assert (saved / "Dockerfile").read_text() == "FROM my-own-work\n"
    assert (saved / "notes.txt").is_file() and not (saved / ".git").exists()
    assert _same_tree(mine, _committed_starter(tmp_path))
    assert (mine / ".git" / "HEAD").is_file()  # the learner's own repository is kept


def test_reset_cli_says_where_the_backup_is(tmp_path: Path) -> None:
    mine = starter(tmp_path / "mine")
    (mine / "requirements.txt").write_text("scikit-learn==1.9.1\n")
    done = kata("reset", "beginner", "--path", str(mine), "--backup-dir", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    assert f"backed up in {tmp_path / 'b'}" in done.stdout
    backup = next((tmp_path / "b").iterdir())
    assert (backup / "requirements.txt").read_text() == "scikit-learn==1.9.1\n"
    assert (mine / "requirements.txt").read_text() != "scikit-learn==1.9.1\n"


def test_progress_after_reset_no_longer_claims_the_old_verdicts(tmp_path: Path) -> None:
    """Every check passed before the reset; the starter passes few: progress must not say
    "every check passes" about work that is now only in the backup."""
    progress = state.Progress()
    level = progress.level("beginner")
    level.runs = 3
    for cid in checks_for("beginner"):
        level.checks[cid] = state.CheckState("pass", 1.0, 1)
    state.save(progress)
    assert "every check passes" in render(state.load())
    mine = starter(tmp_path / "mine")
    reset("beginner", mine, backups=tmp_path / "b")
    shown = render(state.load())
    assert "every check passes" not in shown
    assert "beginner: reset to the starter at " in shown and "not graded since" in shown
    again = state.load()
    assert again.levels["beginner"].checks == {} and again.levels["beginner"].runs == 3
    again.record(Report(project="beginner", path="p", run_id="r"))
    assert again.levels["beginner"].reset_at == ""  # a run after the reset counts again
