"""One manifest per project: the metadata of every graded check, as rustlings' `info.toml`.

`harness/projects/<level>/checks.toml` is an ordered list of `[[check]]` tables:

    [[check]]
    id = "deps.pinned"                  # unique in the project
    title = "..."                       # what the report shows
    stage = "static"                    # the stage the report files it under
    points = 2
    task = 2                            # optional: the task of exercises/<level>/README.md
    hints = ["first hint", "deeper"]    # first one on the first failure, then deeper ones
    solution_ref = { file = "requirements.txt", regex = '==' }   # optional
    reads = ["requirements*.txt"]       # optional: the files the check reads (globs, `*`
                                        # crosses folders); absent: the whole project

`reads` decides what counts as an attempt for the hints (harness/learn/attempts.py): a
failure counts only when one of those files changed since the check's last failure.

A backticked snippet in a hint that is a whole line (a Dockerfile instruction, a
`name==version` requirement, a one-line `key: value` of a workflow) is advice the learner
may paste: tests/test_hint_snippets.py applies each to the reference solution and the static
tier must stay green (its docstring gives the rules; write `...` in a mere fragment).

The order of the tables is the order of the checks (report, progress, next check). A check
function registers by id alone (`CheckList.check(id)`); an id the manifest lacks fails at
import, and `Manifest.missing()` names entries that no function registered.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECTS_DIR = Path(__file__).parent / "projects"
FILE_NAME = "checks.toml"
REQUIRED = {"id": str, "title": str, "stage": str, "points": int, "hints": list}
OPTIONAL = {"task": int, "solution_ref": dict, "reads": list}
WHOLE_PROJECT = ("*",)


class ManifestError(ValueError):
    """A manifest that cannot be read, or that disagrees with the registered check functions."""


@dataclass(frozen=True)
class CheckInfo:
    id: str
    title: str
    stage: str
    points: int
    hints: tuple[str, ...]
    task: int | None = None
    solution_ref: tuple[str, str] | None = None  # (file in solutions/<level>/, regex)
    reads: tuple[str, ...] = WHOLE_PROJECT  # globs of the files the check reads

    @property
    def hint(self) -> str:
        return self.hints[0] if self.hints else ""

    @property
    def deeper_hints(self) -> tuple[str, ...]:
        return self.hints[1:]


@dataclass(frozen=True)
class Manifest:
    level: str
    path: Path
    checks: tuple[CheckInfo, ...]
    # check id -> the registered Check (filled by CheckList.check; not part of equality)
    registered: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __iter__(self) -> Iterator[CheckInfo]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    def __contains__(self, id: object) -> bool:
        return any(c.id == id for c in self.checks)

    def ids(self) -> list[str]:
        return [c.id for c in self.checks]

    def get(self, id: str) -> CheckInfo:
        for c in self.checks:
            if c.id == id:
                return c
        raise ManifestError(f"check {id!r} is not in {self.path}: add a [[check]] entry for it")

    def task_ids(self) -> dict[str, int]:
        """check id -> the README task it grades (checks of no task are left out)."""
        return {c.id: c.task for c in self.checks if c.task is not None}

    def missing(self) -> list[str]:
        """Manifest entries that no check function registered."""
        return [c.id for c in self.checks if c.id not in self.registered]

    def verify(self) -> None:
        """Fail loudly when an entry has no check function (call once every check module of
        the project is imported)."""
        if missing := self.missing():
            raise ManifestError(
                f"{self.path} lists check(s) no function registers: {', '.join(missing)}"
            )


def _entry(raw: Any, where: str) -> CheckInfo:
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: a [[check]] must be a table")
    unknown = set(raw) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise ManifestError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key, kind in {**REQUIRED, **OPTIONAL}.items():
        if key not in raw:
            if key in REQUIRED:
                raise ManifestError(f"{where}: missing key {key!r}")
            continue
        value = raw[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ManifestError(f"{where}: {key!r} must be a {kind.__name__}, not {value!r}")
    if raw["points"] < 0:
        raise ManifestError(f"{where}: points must not be negative")
    hints = raw["hints"]
    if not all(isinstance(h, str) for h in hints):
        raise ManifestError(f"{where}: hints must be a list of strings")
    ref = raw.get("solution_ref")
    solution_ref = None
    if ref is not None:
        if set(ref) != {"file", "regex"} or not all(isinstance(v, str) for v in ref.values()):
            raise ManifestError(f"{where}: solution_ref must be {{ file = '...', regex = '...' }}")
        try:
            re.compile(ref["regex"])
        except re.error as exc:
            raise ManifestError(f"{where}: solution_ref regex: {exc}") from None
        solution_ref = (ref["file"], ref["regex"])
    reads = raw.get("reads", list(WHOLE_PROJECT))
    if not reads or not all(isinstance(r, str) and r for r in reads):
        raise ManifestError(f"{where}: reads must be a non-empty list of globs")
    return CheckInfo(
        id=raw["id"],
        title=raw["title"],
        stage=raw["stage"],
        points=raw["points"],
        hints=tuple(hints),
        task=raw.get("task"),
        solution_ref=solution_ref,
        reads=tuple(reads),
    )


def parse_manifest(text: str, level: str, path: Path) -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: {exc}") from None
    if set(data) - {"check"}:
        raise ManifestError(f"{path}: only [[check]] tables belong here")
    raws = data.get("check", [])
    if not isinstance(raws, list):
        raise ManifestError(f"{path}: `check` must be an array of tables ([[check]])")
    checks = []
    for n, raw in enumerate(raws, 1):
        named = isinstance(raw, dict) and isinstance(raw.get("id"), str)
        where = f"{path}, check #{n}" + (f" ({raw['id']})" if named else "")
        checks.append(_entry(raw, where))
    seen: set[str] = set()
    for c in checks:
        if c.id in seen:
            raise ManifestError(f"{path}: check {c.id!r} is listed twice")
        seen.add(c.id)
    return Manifest(level, path, tuple(checks))


def manifest_path(level: str) -> Path:
    return PROJECTS_DIR / level / FILE_NAME


@functools.cache
def load_manifest(level: str) -> Manifest:
    """The manifest of `level` (read once per process)."""
    path = manifest_path(level)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"no check manifest for {level!r}: {exc}") from None
    return parse_manifest(text, level, path)
