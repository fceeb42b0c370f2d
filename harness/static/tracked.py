"""Which files of a project a push would carry: what `git add -A` in the learner's own
repository commits (one rule for the checks and for the run's sandbox)."""

from __future__ import annotations

from pathlib import Path

from harness.sandbox import carried_files


def tracked_files(project: Path) -> list[str]:
    """Paths (relative, with /) that would be committed from `project`."""
    return carried_files(project)
