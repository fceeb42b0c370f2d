"""The Check objects of a project, found by id (for hints, points and solution pointers), in
the order of the project's manifest (harness/projects/<level>/checks.toml)."""

from __future__ import annotations

from typing import Any

from harness.checks import Check, manifest_checks
from harness.manifest import load_manifest
from harness.projects import PROJECTS


def checks_for(level: str) -> dict[str, Check[Any]]:
    """Every check of `level` in manifest order ({} for a level that is no project); a
    manifest entry that no check function registered fails loudly (ManifestError)."""
    if level not in PROJECTS:  # importing the project registered its check functions
        return {}
    return manifest_checks(load_manifest(level))


def max_points(level: str) -> int:
    return sum(c.points for c in checks_for(level).values())
