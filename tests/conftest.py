"""Shared fixtures: copies of the reference solution to mutate, and the engine guard."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "beginner"
STARTER = ROOT / "exercises" / "beginner"
IGNORE = shutil.ignore_patterns("model", "__pycache__", ".pytest_cache", ".venv")


class Project:
    """A throwaway copy of a project, with small editing helpers for mutation tests."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def write(self, rel: str, text: str) -> None:
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.root / rel).write_text(text)

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new))


@pytest.fixture
def solution_copy(tmp_path: Path) -> Project:
    dest = tmp_path / "project"
    shutil.copytree(SOLUTION, dest, ignore=IGNORE)
    return Project(dest)


@pytest.fixture
def copy_project(tmp_path: Path) -> Callable[[Path], Project]:
    def make(source: Path) -> Project:
        dest = tmp_path / source.name
        shutil.copytree(source, dest, ignore=IGNORE)
        return Project(dest)

    return make
