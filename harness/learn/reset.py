"""`python -m harness reset LEVEL`: put exercises/<level> back to its starter state, from the
kata's git HEAD (`git archive HEAD exercises/<level>`), after backing the learner's work up to
`.kata/backups/<level>-<timestamp>/`. The learner's own `.git` (and virtualenv) are kept.
The level's progress forgets its verdicts: they were about the work that is now backed up.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from harness.errors import UsageError
from harness.grading import KATA_ROOT

from . import state

KEEP = {".git", ".venv", "venv"}
BACKUP_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", ".pytest_cache")


def starter_tree(level: str, kata_root: Path, dest: Path) -> Path:
    """Extract exercises/<level> as committed at HEAD into `dest`; returns its folder."""
    done = subprocess.run(
        ["git", "-C", str(kata_root), "archive", "--format=tar", "HEAD", f"exercises/{level}"],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip()
        raise UsageError(f"cannot read the starter of {level} from git HEAD: {why}")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "exercises" / level


def backup(target: Path, backups: Path, level: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = backups / f"{level}-{stamp}"
    shutil.copytree(target, dest, ignore=BACKUP_IGNORE, symlinks=True)
    return dest


def reset(
    level: str,
    target: Path | None = None,
    *,
    kata_root: Path = KATA_ROOT,
    backups: Path | None = None,
) -> Path | None:
    """Reset `target` (default exercises/<level>); returns the backup folder (None when
    there was nothing to back up)."""
    target = target or kata_root / "exercises" / level
    backups = backups or kata_root / ".kata" / "backups"
    with tempfile.TemporaryDirectory(prefix="kata-reset-") as tmp:
        starter = starter_tree(level, kata_root, Path(tmp))
        saved = backup(target, backups, level) if target.is_dir() else None
        target.mkdir(parents=True, exist_ok=True)
        for child in target.iterdir():
            if child.name in KEEP:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        shutil.copytree(starter, target, dirs_exist_ok=True, symlinks=True)
    forget_progress(level)
    return saved


def forget_progress(level: str) -> None:
    progress = state.load()
    if level in progress.levels:
        progress.forget(level)
        state.save(progress)
