"""Which files of a project a push would carry: what `git add -A` keeps after its .gitignore."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.sandbox import IGNORED


def tracked_files(project: Path) -> list[str]:
    """Paths (relative, with /) that would be committed from `project`."""
    if (project / ".git").exists():
        proc = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0:
            return sorted(line for line in proc.stdout.splitlines() if line)
    with tempfile.TemporaryDirectory(prefix="kata-tracked-") as tmp:
        copy = Path(tmp) / "p"
        shutil.copytree(project, copy, ignore=IGNORED, symlinks=True)
        subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
        proc = subprocess.run(
            ["git", "ls-files", "--others", "--exclude-standard"],
            cwd=copy,
            capture_output=True,
            text=True,
            check=True,
        )
        return sorted(line for line in proc.stdout.splitlines() if line)
