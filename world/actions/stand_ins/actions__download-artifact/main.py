"""Offline actions/download-artifact: fetch this run's artifacts from act's artifact server."""

from __future__ import annotations

import fnmatch
import os
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from artifact_client import NOT_FOUND_HINT, ArtifactClient
from kata_io import (
    ActionError,
    action_major,
    get_bool,
    get_input,
    info,
    run,
    set_output,
    workspace,
)


def _extract(client: ArtifactClient, name: str, dest: Path) -> None:
    with tempfile.TemporaryFile() as buffer:
        if client.download(name, buffer) == 0:
            raise ActionError(f"Artifact not found for name: {name}\n{NOT_FOUND_HINT}")
        buffer.seek(0)
        with zipfile.ZipFile(buffer) as archive:
            root = dest.resolve()
            for member in archive.infolist():
                target = (root / member.filename).resolve()
                if target != root and root not in target.parents:
                    raise ActionError(f"artifact '{name}' has an unsafe path: {member.filename}")
            dest.mkdir(parents=True, exist_ok=True)
            archive.extractall(dest)
    info(f"Artifact '{name}' was downloaded to {dest}")


def _check_source() -> None:
    if not get_input("github-token"):
        return  # like the real action: repository/run-id only matter with a token
    repository, run_id = get_input("repository"), get_input("run-id")
    if repository and repository.lower() != os.environ.get("GITHUB_REPOSITORY", "").lower():
        raise ActionError(
            f"input 'repository': artifacts of '{repository}' cannot be downloaded offline"
        )
    if run_id and run_id != os.environ.get("GITHUB_RUN_ID", ""):
        raise ActionError(f"input 'run-id': artifacts of run {run_id} cannot be downloaded offline")


def _resolved_path() -> Path:
    raw = get_input("path")
    if not raw:
        return workspace()
    if raw.startswith("~"):
        raw = os.path.expanduser(raw)
    return Path(os.path.abspath(raw))


def _selected(client: ArtifactClient) -> list[str]:
    artifacts = client.list()
    ids = [i.strip() for i in get_input("artifact-ids").split(",") if i.strip()]
    if ids:
        artifacts = [a for a in artifacts if str(a.get("databaseId")) in ids]
        if not artifacts:
            raise ActionError(f"No artifacts found for IDs: {', '.join(ids)}")
    pattern = get_input("pattern")
    if pattern:
        artifacts = [a for a in artifacts if fnmatch.fnmatchcase(a["name"], pattern)]
    return sorted(str(a["name"]) for a in artifacts)


def main() -> None:
    _check_source()
    name = get_input("name")
    if name and get_input("artifact-ids"):
        raise ActionError(
            "Inputs `name` and `artifact-ids` cannot be used together. Please specify only one."
        )
    dest, merge = _resolved_path(), get_bool("merge-multiple")
    client = ArtifactClient()
    if name:
        _extract(client, name, dest)
    else:
        names = _selected(client)
        major = action_major()
        flat = merge or (len(names) == 1 and major is not None and major >= 5)
        for each in names:
            _extract(client, each, dest if flat else dest / each)
        info(f"Total of {len(names)} artifact(s) downloaded")
    set_output("download-path", str(dest))


if __name__ == "__main__":
    run("actions/download-artifact", main)
