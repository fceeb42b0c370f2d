"""Copies a project into a fresh git repository, with what `git add -A && git commit` in the
learner's own repository would carry: a push of that commit is what the pipeline sees."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".nox"
)
GIT_IDENTITY = ["-c", "user.name=Kata Learner", "-c", "user.email=learner@kata.invalid"]


@dataclass(frozen=True)
class Sandbox:
    run_id: str
    repo: Path
    branch: str
    sha: str
    repository: str  # owner/name, as GITHUB_REPOSITORY

    @property
    def short_sha(self) -> str:
        return self.sha[:7]


def new_run_id() -> str:
    return uuid.uuid4().hex[:10]


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise UsageError(f"git {' '.join(args)} failed in {repo}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def carried_files(project: Path) -> list[str]:
    """Paths (relative, with /) that `git add -A && git commit` would carry from `project`.
    In a repository of its own: its tracked files (as they are in the working tree, so no
    commit is needed to be graded; a tracked file stays even when .gitignore now matches it)
    and its untracked files that no ignore rule (.gitignore, .git/info/exclude) matches.
    Otherwise the working tree minus what its .gitignore ignores."""
    if (project / ".git").exists():
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0:
            return sorted({line for line in proc.stdout.split("\0") if line})
    with tempfile.TemporaryDirectory(prefix="kata-tracked-") as tmp:
        copy = Path(tmp) / "p"
        shutil.copytree(project, copy, ignore=IGNORED, symlinks=True)
        subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--others", "--exclude-standard"],
            cwd=copy,
            capture_output=True,
            text=True,
            check=True,
        )
        return sorted(line for line in proc.stdout.split("\0") if line)


def _copy_listed(project: Path, repo: Path, files: list[str]) -> None:
    """Copy the listed files (a tracked file deleted from the working tree is gone)."""
    repo.mkdir(parents=True)
    for rel in files:
        source = project / rel
        if not (source.is_file() or source.is_symlink()):
            continue
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)


def make_sandbox(
    project: Path, workdir: Path, run_id: str, *, branch: str = "main", level: str = "project"
) -> Sandbox:
    """Copy what a commit of `project` would carry (`carried_files`) into `workdir/repo`,
    commit it on `branch` and give it a GitHub-style origin, so the pipeline sees exactly
    what a push would carry: no ignored file (e.g. a locally trained model under an ignored
    model/) comes along."""
    if not project.is_dir():
        raise UsageError(f"project directory {project} does not exist")
    repo = workdir / "repo"
    own_repo = (project / ".git").exists()
    if own_repo:
        _copy_listed(project, repo, carried_files(project))
    else:
        shutil.copytree(project, repo, ignore=IGNORED, symlinks=True)
    _git(repo, "init", "-q", "-b", branch)
    repository = f"kata-learner/{level}"
    _git(repo, "remote", "add", "origin", f"https://github.com/{repository}.git")
    # in a repository of its own, exactly what was listed (tracked files even if ignored)
    _git(repo, "add", "-A", *(["-f"] if own_repo else []))
    _git(repo, "commit", "-q", "--allow-empty", "-m", f"kata run {run_id}")
    _git(repo, "clean", "-fdxq")
    sha = _git(repo, "rev-parse", "HEAD")
    return Sandbox(run_id=run_id, repo=repo, branch=branch, sha=sha, repository=repository)
