"""Copies a project into a fresh git repository, exactly what a learner's own repo would be."""

from __future__ import annotations

import shutil
import subprocess
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


def make_sandbox(
    project: Path, workdir: Path, run_id: str, *, branch: str = "main", level: str = "project"
) -> Sandbox:
    """Copy `project` into `workdir/repo`, commit it on `branch` (honouring its .gitignore),
    give it a GitHub-style origin, and drop everything not committed, so the pipeline sees
    exactly what a push would carry (no model left over from a local training run)."""
    if not project.is_dir():
        raise UsageError(f"project directory {project} does not exist")
    repo = workdir / "repo"
    shutil.copytree(project, repo, ignore=IGNORED, symlinks=True)
    _git(repo, "init", "-q", "-b", branch)
    repository = f"kata-learner/{level}"
    _git(repo, "remote", "add", "origin", f"https://github.com/{repository}.git")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--allow-empty", "-m", f"kata run {run_id}")
    _git(repo, "clean", "-fdxq")
    sha = _git(repo, "rev-parse", "HEAD")
    return Sandbox(run_id=run_id, repo=repo, branch=branch, sha=sha, repository=repository)
