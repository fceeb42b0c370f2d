"""Offline actions/upload-artifact@v4: zip the matched files, upload to act's artifact server."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from artifact_client import ArtifactClient
from kata_io import (
    ActionError,
    get_bool,
    get_input,
    get_lines,
    info,
    run,
    set_output,
    warning,
)
from search import find_files

INVALID_NAME_CHARS = '":<>|*?\r\n\\/'


def _check_name(name: str) -> None:
    bad = sorted({c for c in name if c in INVALID_NAME_CHARS})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise ActionError(
            f"The artifact name is not valid: {name}. Contains the following character(s): "
            f"{shown}. Invalid characters include: {INVALID_NAME_CHARS!r}"
        )


def _level() -> int:
    raw = get_input("compression-level", "6")
    if not raw.isdigit() or not 0 <= int(raw) <= 9:
        raise ActionError(f"input 'compression-level': invalid value '{raw}' (expected 0-9)")
    return int(raw)


def _zip(files: list[str], root: str, level: int, target: Path) -> None:
    method = zipfile.ZIP_STORED if level == 0 else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(target, "w", method, compresslevel=level or None) as archive:
        for path in files:
            archive.write(path, os.path.relpath(path, root))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    name = get_input("name", "artifact")
    _check_name(name)
    mode = get_input("if-no-files-found", "warn")
    if mode not in ("warn", "error", "ignore"):
        raise ActionError(f"input 'if-no-files-found': unrecognized value '{mode}'")
    level, overwrite = _level(), get_bool("overwrite")
    retention = get_input("retention-days")
    if retention and not retention.isdigit():
        raise ActionError(f"input 'retention-days': invalid value '{retention}'")
    lines = get_lines("path")
    if not lines:
        raise ActionError("Input required and not supplied: path")

    found = find_files(lines, os.getcwd(), get_bool("include-hidden-files"))
    if not found.files:
        message = (
            f"No files were found with the provided path: {get_input('path')}. "
            "No artifacts will be uploaded."
        )
        if mode == "error":
            raise ActionError(message)
        if mode == "warn":
            warning(message)
        else:
            info(message)
        return
    info(f"With the provided path, there will be {len(found.files)} file(s) uploaded")
    info(f"Root directory of the artifact: {found.root}")

    client = ArtifactClient()
    if client.exists(name):
        if not overwrite:
            raise ActionError(
                "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) "
                "Conflict: an artifact with this name already exists on the workflow run"
            )
        info(f"Deleting the existing artifact '{name}' (overwrite: true)")
        client.delete(name)

    with tempfile.TemporaryDirectory(dir=os.environ.get("RUNNER_TEMP") or None) as tmp:
        archive = Path(tmp) / "artifact.zip"
        _zip(found.files, found.root, level, archive)
        digest = _sha256(archive)
        artifact_id = client.upload(name, archive, f"sha256:{digest}")
        size = archive.stat().st_size
    info(f"Artifact {name}.zip successfully finalized. Artifact ID {artifact_id} ({size} bytes)")
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    url = (
        f"{server}/{os.environ.get('GITHUB_REPOSITORY', '')}/actions/runs/"
        f"{os.environ.get('GITHUB_RUN_ID', '')}/artifacts/{artifact_id}"
    )
    info(f"Artifact download URL (on GitHub it would be): {url}")
    set_output("artifact-id", artifact_id)
    set_output("artifact-url", url)
    set_output("artifact-digest", digest)


if __name__ == "__main__":
    run("actions/upload-artifact", main)
