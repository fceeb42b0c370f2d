"""Reads requirements files and tells which requirements are not pinned to one version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")
PINNED = re.compile(r"^(===?)\s*[A-Za-z0-9.*+!_-]+\s*(;.*)?$")


@dataclass(frozen=True)
class Requirement:
    line: int
    text: str
    name: str
    pinned: bool


def parse_requirements(path: Path) -> list[Requirement]:
    reqs: list[Requirement] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.split(" #", 1)[0].strip()
        if not text or text.startswith("#") or text.startswith("-"):
            continue  # options such as -r, --index-url, --hash continuation lines
        text = text.rstrip("\\").strip()
        if "://" in text or text.startswith(("git+", "file:")):
            commit = re.search(r"@([0-9a-f]{40})\b", text)
            reqs.append(Requirement(number, text, text, bool(commit)))
            continue
        match = NAME.match(text)
        if not match:
            continue
        spec = match.group(3).split("--hash", 1)[0].strip()
        reqs.append(
            Requirement(number, text, match.group(1), bool(PINNED.match(spec)) and "*" not in spec)
        )
    return reqs
