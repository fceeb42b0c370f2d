"""The run's sandbox carries what `git add -A && git commit` in the learner's repository would
carry, the rule the README states: ignored files never (unless tracked), untracked files that
nothing ignores, tracked files as they are in the working tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.sandbox import GIT_IDENTITY, make_sandbox


def _files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
    }


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=root, check=True, capture_output=True)


def _project(root: Path) -> Path:
    (root / "model").mkdir(parents=True)
    (root / ".gitignore").write_text("model/\n*.tfstate\n")
    (root / "app.py").write_text("print('committed')\n")
    (root / "model" / "model.joblib").write_bytes(b"trained locally")
    return root


def test_a_repository_of_its_own_carries_what_a_commit_would(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    (project / "terraform.tfstate").write_text("{}")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "add", "-f", "terraform.tfstate")  # committed before .gitignore caught it
    _git(project, "commit", "-q", "-m", "start")
    (project / "app.py").write_text("print('edited, not committed')\n")
    (project / "notes.txt").write_text("untracked, not ignored\n")
    (project / ".git" / "info" / "exclude").write_text("scratch.txt\n")
    (project / "scratch.txt").write_text("excluded locally\n")
    box = make_sandbox(project, tmp_path / "w", "run1")
    assert _files(box.repo) == {".gitignore", "app.py", "notes.txt", "terraform.tfstate"}
    assert (box.repo / "app.py").read_text() == "print('edited, not committed')\n"
    committed = subprocess.run(
        ["git", "ls-files"], cwd=box.repo, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(committed) == sorted(_files(box.repo))


def test_a_plain_folder_carries_the_working_tree_minus_ignored_files(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    box = make_sandbox(project, tmp_path / "w", "run1")
    assert _files(box.repo) == {".gitignore", "app.py"}
