"""The graded projects, by level name."""

from __future__ import annotations

from types import ModuleType

from harness.errors import UsageError

from . import advanced, beginner, intermediate

PROJECTS: dict[str, ModuleType] = {
    "beginner": beginner,
    "intermediate": intermediate,
    "advanced": advanced,
}


def get_project(level: str) -> ModuleType:
    try:
        return PROJECTS[level]
    except KeyError:
        raise UsageError(
            f"unknown project {level!r}; choose one of {', '.join(PROJECTS)}"
        ) from None
