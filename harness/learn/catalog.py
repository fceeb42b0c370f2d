"""The Check objects of a project, found by id (for hints, points and solution pointers)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from harness.checks import Check, CheckList
from harness.projects import PROJECTS


def project_checks(project: ModuleType) -> dict[str, Check[Any]]:
    """Every check of `project`, in the order of `all_check_ids()`, from the CheckLists
    the project module holds (directly, or in a list such as RUNTIME)."""
    found: dict[str, Check[Any]] = {}
    for value in vars(project).values():
        lists = value if isinstance(value, list | tuple) else [value]
        for item in lists:
            if isinstance(item, CheckList):
                for check in item:
                    found.setdefault(check.id, check)
    order = list(project.all_check_ids())
    return {cid: found[cid] for cid in order if cid in found}


def checks_for(level: str) -> dict[str, Check[Any]]:
    project = PROJECTS.get(level)
    return project_checks(project) if project is not None else {}


def max_points(level: str) -> int:
    return sum(c.points for c in checks_for(level).values())
