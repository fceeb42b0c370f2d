"""Drill fixtures: a private learner state for each test, and solution copies to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.drills.model import Drill
from harness.drills.workspace import COPY_IGNORE, solution_dir


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state"
    monkeypatch.setenv("KATA_STATE_DIR", str(path))
    return path


def solution_copy(level: str, dest: Path) -> Path:
    shutil.copytree(solution_dir(level), dest, ignore=COPY_IGNORE)
    return dest


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` (but .git), by relative path, with its bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def three_states(drill: Drill, tmp: Path) -> tuple[Path, Path, Path]:
    """(solution, broken, fixed) copies for `drill`."""
    solution = solution_copy(drill.level, tmp / "solution")
    broken = solution_copy(drill.level, tmp / "broken")
    drill.inject(broken)
    fixed = tmp / "fixed"
    shutil.copytree(broken, fixed)
    drill.reference_fix(fixed)
    return solution, broken, fixed
