"""The graded projects, by level name: each a `harness.pipeline.Project` declaration."""

from __future__ import annotations

from harness.errors import UsageError
from harness.pipeline import Project

from . import advanced, beginner, intermediate, workflows

PROJECTS: dict[str, Project] = {
    "beginner": beginner.PROJECT,
    "intermediate": intermediate.PROJECT,
    "advanced": advanced.PROJECT,
}


TOOLS: dict[str, Project] = {"workflows": workflows.PROJECT}
"""Runs that use the grader's machinery on any repository but are not graded projects."""


def get_project(level: str) -> Project:
    try:
        return PROJECTS.get(level) or TOOLS[level]
    except KeyError:
        raise UsageError(
            f"unknown project {level!r}; choose one of {', '.join(PROJECTS)}"
        ) from None
