"""Reads artifacts the upload-artifact stand-in left in act's artifact server directory.

Layout (act's v4 protocol): ARTIFACT_DIR/<run id>/<name>/<name>.zip, one zip per artifact,
entries relative to the artifact root. act numbers every run 1 unless told otherwise.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

UNZIPPED_SUFFIX = ".unzipped"


def _zips(artifact_dir: Path, name: str, run_id: str | None) -> list[Path]:
    runs = [artifact_dir / run_id] if run_id else sorted(artifact_dir.iterdir())
    found = [run / name / f"{name}.zip" for run in runs if (run / name / f"{name}.zip").is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def artifact_names(artifact_dir: Path, run_id: str | None = None) -> list[str]:
    """Names of the artifacts uploaded (in `run_id`, or any run)."""
    if not artifact_dir.is_dir():
        return []
    runs = [artifact_dir / run_id] if run_id else list(artifact_dir.iterdir())
    return sorted(
        {
            zip_.parent.name
            for run in runs
            if run.is_dir()
            for zip_ in run.glob("*/*.zip")
            if zip_.stem == zip_.parent.name
        }
    )


def _unzip(zip_path: Path) -> Path:
    target = zip_path.with_name(zip_path.name + UNZIPPED_SUFFIX)
    stamp = zip_path.with_name(zip_path.name + UNZIPPED_SUFFIX + "-mtime")
    mtime = str(zip_path.stat().st_mtime_ns)
    if stamp.is_file() and stamp.read_text() == mtime:
        return target
    shutil.rmtree(target, ignore_errors=True)
    root = target.resolve()
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.infolist():
            dest = (root / member.filename).resolve()
            if root not in dest.parents:
                raise ValueError(f"{zip_path}: unsafe entry {member.filename!r}")
        archive.extractall(target)
    stamp.write_text(mtime)
    return target


def artifact_files(artifact_dir: Path, name: str, run_id: str | None = None) -> dict[str, Path]:
    """relpath -> extracted file of artifact `name` (latest run when several); {} if absent.

    The zip is unpacked once next to itself (`<name>.zip.unzipped/`), so the paths stay valid.
    """
    if not artifact_dir.is_dir():
        return {}
    zips = _zips(artifact_dir, name, run_id)
    if not zips:
        return {}
    root = _unzip(zips[-1])
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
