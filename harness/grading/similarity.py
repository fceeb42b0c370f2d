"""Integrity note, never a score change: which files the learner had to write are
byte-identical to the reference solution.

"Files the learner writes" are the solution's files that differ from (or are missing in) the
starter, minus documentation, the project's tests and data, which do not count.
"""

from __future__ import annotations

from pathlib import Path

from . import KATA_ROOT

NOT_LEARNER_WORK = ("tests/", "data/")
SKIPPED_PARTS = {".git", "__pycache__", ".venv", "model", ".pytest_cache"}


def _files(root: Path) -> dict[str, Path]:
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and not SKIPPED_PARTS & set(rel.parts):
            out[rel.as_posix()] = path
    return out


def learner_files(level: str, kata_root: Path = KATA_ROOT) -> list[str]:
    solution, starter = kata_root / "solutions" / level, kata_root / "exercises" / level
    if not solution.is_dir():
        return []
    starter_files = _files(starter) if starter.is_dir() else {}
    out = []
    for rel, path in sorted(_files(solution).items()):
        if rel.endswith(".md") or rel.startswith(NOT_LEARNER_WORK):
            continue
        twin = starter_files.get(rel)
        if twin is None or twin.read_bytes() != path.read_bytes():
            out.append(rel)
    return out


def identical_files(project: Path, level: str, kata_root: Path = KATA_ROOT) -> list[str]:
    solution = kata_root / "solutions" / level
    same = []
    for rel in learner_files(level, kata_root):
        mine = project / rel
        if mine.is_file() and mine.read_bytes() == (solution / rel).read_bytes():
            same.append(rel)
    return same


def similarity_note(project: Path, level: str, kata_root: Path = KATA_ROOT) -> str | None:
    """e.g. "integrity: 5/5 files the learner writes are byte-identical to the reference
    solution (...)"; None when none is."""
    wanted = learner_files(level, kata_root)
    same = identical_files(project, level, kata_root)
    if not same:
        return None
    scope = "ALL " if len(same) == len(wanted) else ""
    return (
        f"integrity: {scope}{len(same)}/{len(wanted)} files the learner writes are "
        f"byte-identical to the reference solution ({', '.join(same)})"
    )
