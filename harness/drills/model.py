"""What a drill is: a fault made of small, exactly invertible file edits.

Every edit can be applied to the reference solution (`inject`) and undone (`reference_fix`),
so fix(inject(solution)) gives the solution back byte for byte. An edit that no longer matches
the solution (the solution changed under it) raises `DrillError` instead of guessing.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from harness.errors import HarnessError

Difficulty = Literal["easy", "medium", "hard"]


class DrillError(HarnessError):
    """A drill's edit does not fit the files it is applied to."""


class Edit(Protocol):
    @property
    def path(self) -> str: ...

    def apply(self, root: Path) -> None: ...

    def revert(self, root: Path) -> None: ...


def _read(root: Path, rel: str) -> str:
    path = root / rel
    if not path.is_file():
        raise DrillError(f"{rel} is missing in {root}")
    return path.read_bytes().decode("utf-8")


def _swap(root: Path, rel: str, old: str, new: str) -> None:
    text = _read(root, rel)
    if text.count(old) != 1:
        found = text.count(old)
        raise DrillError(f"{rel}: expected the text {old[:60]!r} once, found it {found} time(s)")
    (root / rel).write_bytes(text.replace(old, new).encode("utf-8"))


@dataclass(frozen=True)
class Replace:
    """Replace `old` (exactly one occurrence) by `new`; undone by the reverse replacement."""

    path: str
    old: str
    new: str

    def __post_init__(self) -> None:
        if not self.old or not self.new or self.old == self.new:
            raise ValueError(f"{self.path}: a Replace needs two different, non-empty texts")

    def apply(self, root: Path) -> None:
        _swap(root, self.path, self.old, self.new)

    def revert(self, root: Path) -> None:
        _swap(root, self.path, self.new, self.old)


@dataclass(frozen=True)
class AddFile:
    """Create a file the solution does not have; undone by deleting it (and, in a git
    repository, removing it from the index: a committed file stays committed otherwise)."""

    path: str
    content: str

    def apply(self, root: Path) -> None:
        target = root / self.path
        if target.exists():
            raise DrillError(f"{self.path} already exists in {root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.content.encode("utf-8"))

    def revert(self, root: Path) -> None:
        (root / self.path).unlink(missing_ok=True)
        if (root / ".git").exists():
            subprocess.run(
                ["git", "rm", "-q", "--cached", "--ignore-unmatch", "--", self.path],
                cwd=root,
                capture_output=True,
                check=False,
            )


@dataclass(frozen=True)
class Drill:
    """One fault. `scenario` is what the on-call engineer would see (symptoms, never the
    cause); `targets` are the check ids that judge the fix. `must_ignore`: paths the fix
    must make git ignore, when the incident asks that a file can never be committed again
    (no check of the project grades that). `unchanged`: globs of the files the incident
    says did not change; a test keeps them apart from the files the fault touches."""

    name: str
    level: str
    title: str
    scenario: str
    targets: tuple[str, ...]
    edits: tuple[Edit, ...]
    difficulty: Difficulty = "medium"
    must_ignore: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    def inject(self, root: Path) -> None:
        for edit in self.edits:
            edit.apply(root)

    def reference_fix(self, root: Path) -> None:
        for edit in reversed(self.edits):
            edit.revert(root)

    @property
    def files(self) -> list[str]:
        """The files the fault touches, in edit order, without repeats."""
        return list(dict.fromkeys(edit.path for edit in self.edits))
