"""Hints that go deeper with each attempt at a check (harness/learn/attempts.py: a failure
after a change to a file the check reads).

Level 1 is the check's hint, the next levels its `hints` (deeper, more specific), and the
last level a pointer into the reference solution: a file and a line range, found by the
regex of the check's `solution_ref` in the project's manifest (checks.toml), never the
solution's text itself, and only from the POINTER_AFTER-th attempt on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from harness.checks import Check, CheckResult, Status
from harness.grading import KATA_ROOT
from harness.report.terminal import Console

MAX_POINTER_LINES = 15
POINTER_AFTER = 4  # attempts before the solution pointer shows


@dataclass(frozen=True)
class Hint:
    level: int  # 1-based
    levels: int
    text: str

    def render(self) -> str:
        return f"(hint {self.level}/{self.levels}) {self.text}" if self.levels > 1 else self.text


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _in_list_item(lines: list[str], index: int, base: int) -> bool:
    """Is line `index` a key of a YAML list item (`- name: ...` just above, 2 less indented)?"""
    for prev in reversed(lines[:index]):
        if prev.strip() and _indent(prev) < base:
            return prev.lstrip().startswith("- ") and _indent(prev) == base - 2
    return False


def block_range(lines: list[str], index: int) -> tuple[int, int]:
    """0-based [start, end] of the block starting at line `index`: backslash continuations,
    deeper-indented lines and, inside a YAML list item, its other keys."""
    base = _indent(lines[index])
    same_indent_ok = base > 0 and _in_list_item(lines, index, base)
    end = index
    for i in range(index + 1, min(len(lines), index + MAX_POINTER_LINES)):
        line = lines[i]
        continued = lines[i - 1].rstrip().endswith("\\")
        if continued or (line.strip() and _indent(line) > base):
            end = i
        elif line.strip() and _indent(line) == base and same_indent_ok:
            if line.lstrip().startswith("- "):
                break
            end = i
        elif line.strip():
            break
    return index, end


def solution_pointer(level: str, ref: tuple[str, str], kata_root: Path = KATA_ROOT) -> str | None:
    """ "solutions/<level>/<file>, lines A-B" for the first line matching the regex."""
    rel, pattern = ref
    path = kata_root / "solutions" / level / rel
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    regex = re.compile(pattern)
    for i, line in enumerate(lines):
        if regex.search(line):
            start, end = block_range(lines, i)
            where = f"line {start + 1}" if start == end else f"lines {start + 1}-{end + 1}"
            return f"solutions/{level}/{rel}, {where}"
    return None


def pointer_hint(level: str, check: Check[Any], kata_root: Path = KATA_ROOT) -> str | None:
    ref = check.solution_ref
    pointer = solution_pointer(level, ref, kata_root) if ref else None
    if pointer is None:
        return None
    return f"compare your work with the reference solution at {pointer} (only those lines)"


def hint_levels(level: str, check: Check[Any], kata_root: Path = KATA_ROOT) -> list[str]:
    """Every level's text, the solution pointer (when the check has one) last."""
    texts = [t for t in (check.hint, *check.hints) if t]
    pointer = pointer_hint(level, check, kata_root)
    return [*texts, pointer] if pointer else texts


def hint_for(level: str, check: Check[Any], attempts: int) -> Hint | None:
    """The hint at `attempts` attempts (1 = first failure): one level deeper per attempt,
    the solution pointer only from attempt POINTER_AFTER on."""
    texts = [t for t in (check.hint, *check.hints) if t]
    pointer = pointer_hint(level, check)
    levels = len(texts) + (1 if pointer else 0)
    if pointer and (attempts >= POINTER_AFTER or not texts):
        if attempts < POINTER_AFTER:
            return None
        return Hint(levels, levels, pointer)
    if not texts:
        return None
    index = min(max(attempts, 1), len(texts))
    return Hint(index, levels, texts[index - 1])


class HintingConsole(Console):
    """The terminal console, showing for each failed check the hint of its current level
    (and putting that hint into the report)."""

    def __init__(
        self, hints: dict[str, Hint], stream: TextIO | None = None, *, quiet: bool = False
    ) -> None:
        super().__init__(stream, quiet=quiet)
        self.hints = hints

    def result(self, r: CheckResult) -> None:
        hint = self.hints.get(r.id)
        if hint is not None and r.status in (Status.FAIL, Status.ERROR):
            r.hint = hint.render()
        super().result(r)
