"""A drill's folder: a copy of the reference solution with the fault applied, committed once
so that `git diff` later shows exactly the learner's fix; and the reference fix as a diff."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.errors import UsageError
from harness.grading import KATA_ROOT
from harness.sandbox import GIT_IDENTITY

from .model import Drill

DRILLS_DIR = KATA_ROOT / ".kata" / "drills"
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    "model",
    "reports",
    ".terraform",
    "*.tfstate",
    "*.tfstate.*",
    "tfplan",
    "deploy_key*",
)
COMMIT_MESSAGE = "State of main after the incident (drill start)"


def solution_dir(level: str, kata_root: Path = KATA_ROOT) -> Path:
    path = kata_root / "solutions" / level
    if not path.is_dir():
        raise UsageError(f"no reference solution for level {level!r} at {path}")
    return path


def broken_copy(drill: Drill, dest: Path, kata_root: Path = KATA_ROOT) -> Path:
    """Copy the solution of the drill's level to `dest` and inject the fault."""
    shutil.copytree(solution_dir(drill.level, kata_root), dest, ignore=COPY_IGNORE)
    drill.inject(dest)
    return dest


def _git(folder: Path, *args: str) -> None:
    done = subprocess.run(
        ["git", *GIT_IDENTITY, "-c", "commit.gpgsign=false", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(f"git {args[0]} failed in {folder}: {done.stderr.strip()[-300:]}")


def create(drill: Drill, folder: Path, kata_root: Path = KATA_ROOT) -> Path:
    """Make the drill folder (a git repository on `main` with one commit)."""
    if folder.exists():
        raise UsageError(f"{folder} already exists")
    folder.parent.mkdir(parents=True, exist_ok=True)
    broken_copy(drill, folder, kata_root)
    _git(folder, "init", "-q", "-b", "main")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", COMMIT_MESSAGE)
    return folder


def _text(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True) if path.is_file() else []


def diff(before: Path, after: Path, files: list[str]) -> str:
    """A unified diff (git style paths, /dev/null for a created or deleted file)."""
    out: list[str] = []
    for rel in files:
        old, new = before / rel, after / rel
        lines = difflib.unified_diff(
            _text(old),
            _text(new),
            fromfile=f"a/{rel}" if old.exists() else "/dev/null",
            tofile=f"b/{rel}" if new.exists() else "/dev/null",
        )
        out.extend(line if line.endswith("\n") else line + "\n" for line in lines)
    return "".join(out)


def reference_diff(drill: Drill, kata_root: Path = KATA_ROOT) -> str:
    """The reference fix, as the diff from the broken state to the fixed one."""
    with tempfile.TemporaryDirectory(prefix="kata-drill-") as tmp:
        broken = broken_copy(drill, Path(tmp) / "broken", kata_root)
        fixed = Path(tmp) / "fixed"
        shutil.copytree(broken, fixed)
        drill.reference_fix(fixed)
        return diff(broken, fixed, drill.files)
