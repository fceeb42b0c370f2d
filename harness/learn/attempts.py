"""What counts as an attempt at a check: a failed run in which a file the check reads (its
manifest `reads` globs) changed since the check's last failure. Four quick runs without
touching the Dockerfile are one attempt at the Dockerfile checks, not four.

A fingerprint is a hash of the names and bytes of the files a check reads, among the files
a commit of the project would carry (so an ignored, locally trained model never counts)."""

from __future__ import annotations

import hashlib
from fnmatch import fnmatch
from pathlib import Path

from harness.manifest import load_manifest
from harness.projects import PROJECTS
from harness.sandbox import carried_files


def fingerprint(project: Path, files: list[str], globs: tuple[str, ...]) -> str:
    """sha256 over the matching files' paths and contents (missing files count as absent)."""
    digest = hashlib.sha256()
    for rel in files:
        if not any(fnmatch(rel, g) for g in globs):
            continue
        try:
            data = (project / rel).read_bytes()
        except OSError:
            continue
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def fingerprints(level: str, project: Path) -> dict[str, str]:
    """check id -> the fingerprint of what it reads in `project` now ({} for no project)."""
    if level not in PROJECTS or not project.is_dir():
        return {}
    files = carried_files(project)
    return {c.id: fingerprint(project, files, c.reads) for c in load_manifest(level)}
