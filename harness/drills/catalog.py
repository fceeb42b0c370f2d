"""The drill catalogue: every drill of every level, by name.

A level's drills live in `harness/drills/<level>.py` as a `DRILLS` tuple; adding a drill is
one `Drill(...)` entry there, adding a level is one import in `LEVEL_MODULES` below. A drill's
level must be a graded project, and its targets that project's static or Terraform checks.
"""

from __future__ import annotations

import random

from harness.errors import UsageError

from . import advanced, beginner, intermediate
from .model import Drill

LEVEL_MODULES = (beginner, intermediate, advanced)
DRILLS: tuple[Drill, ...] = tuple(d for module in LEVEL_MODULES for d in module.DRILLS)


def _by_name() -> dict[str, Drill]:
    names: dict[str, Drill] = {}
    for drill in DRILLS:
        if drill.name in names:
            raise ValueError(f"duplicate drill name {drill.name}")
        names[drill.name] = drill
    return names


BY_NAME = _by_name()


def get_drill(name: str) -> Drill:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UsageError(
            f"unknown drill {name!r}; `python -m harness drill --list` shows them"
        ) from None


def drills_for(level: str | None = None) -> list[Drill]:
    return [d for d in DRILLS if level is None or d.level == level]


def pick(rng: random.Random, level: str | None = None) -> Drill:
    """A drill chosen by `rng` (seed it for a repeatable choice), optionally of one level."""
    choices = drills_for(level)
    if not choices:
        raise UsageError(f"no drill for level {level!r}")
    return rng.choice(choices)
