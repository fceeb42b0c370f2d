"""Offline docker/metadata-action@v5: tags, labels, annotations, JSON and bake files.

Context comes from GITHUB_* and the event payload. Repository data the real action asks
the GitHub API for comes from the payload's `repository` when present, else from
GITHUB_SERVER_URL/GITHUB_REPOSITORY (default branch: $KATA_DEFAULT_BRANCH or main).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import (
    ActionError,
    export_env,
    get_input,
    get_lines,
    get_raw_input,
    info,
    run,
    set_output,
    warning,
    workspace,
)
from meta import Context, Meta, MetaError, Repo


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(workspace()), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def _parse_date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _commit_date(sha: str, payload: dict[str, Any]) -> datetime:
    for commit in payload.get("commits") or []:
        if commit.get("id") == sha and _parse_date(str(commit.get("timestamp", ""))):
            return _parse_date(str(commit["timestamp"])) or datetime.now(UTC)
    head = payload.get("head_commit") or {}
    if head.get("id") == sha and _parse_date(str(head.get("timestamp", ""))):
        return _parse_date(str(head["timestamp"])) or datetime.now(UTC)
    return _parse_date(_git("log", "-1", "--format=%cI", sha)) or datetime.now(UTC)


def _payload() -> dict[str, Any]:
    path = os.environ.get("GITHUB_EVENT_PATH", "")
    try:
        data = json.loads(Path(path).read_text()) if path else {}
    except (OSError, ValueError):
        data = {}
    return data if isinstance(data, dict) else {}


def _context(source: str, payload: dict[str, Any]) -> Context:
    if source == "git":
        sha = _git("rev-parse", "HEAD")
        branch = _git("symbolic-ref", "-q", "HEAD")
        tags = _git("tag", "--points-at", "HEAD").splitlines()
        ref = branch or (f"refs/tags/{tags[0]}" if tags else "")
        event = os.environ.get("GITHUB_EVENT_NAME", "")
        return Context(event, sha, ref, payload, _commit_date(sha, payload))
    if source != "workflow":
        raise ActionError(f"input 'context': Invalid context source: {source}")
    event = os.environ.get("GITHUB_EVENT_NAME", "")
    sha, ref = os.environ.get("GITHUB_SHA", ""), os.environ.get("GITHUB_REF", "")
    if "pull_request_target" in event:
        ref = f"refs/pull/{payload.get('number')}/merge"
    head_sha = ((payload.get("pull_request") or {}).get("head") or {}).get("sha")
    pr_head = os.environ.get("DOCKER_METADATA_PR_HEAD_SHA", "").lower() == "true"
    if pr_head and "pull_request" in event and head_sha:
        sha = str(head_sha)
    return Context(event, sha, ref, payload, _commit_date(sha, payload))


def _repo(payload: dict[str, Any]) -> Repo:
    data = payload.get("repository") or {}
    full = os.environ.get("GITHUB_REPOSITORY", "")
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return Repo(
        name=str(data.get("name") or full.split("/")[-1]),
        html_url=str(data.get("html_url") or f"{server}/{full}"),
        default_branch=str(
            data.get("default_branch") or os.environ.get("KATA_DEFAULT_BRANCH") or "main"
        ),
        description=str(data.get("description") or ""),
        license=str((data.get("license") or {}).get("spdx_id") or ""),
    )


def _short_sha_length() -> int:
    raw = os.environ.get("DOCKER_METADATA_SHORT_SHA_LENGTH", "")
    if raw and not raw.isdigit():
        raise ActionError(f"DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: {raw}")
    return int(raw) if raw else 7


def _bake_file(directory: Path, kind: str, target: str, data: dict[str, Any]) -> str:
    path = directory / f"docker-metadata-action-bake{'-' + kind if kind else ''}.json"
    path.write_text(json.dumps({"target": {target: data}}, indent=2))
    return str(path)


def main() -> None:
    payload = _payload()
    inputs = {
        name: get_lines(name, comment="#")
        for name in ("images", "tags", "flavor", "labels", "annotations")
    }
    try:
        meta = Meta(
            inputs,
            _context(get_input("context", "workflow"), payload),
            _repo(payload),
            datetime.now(UTC),
            _short_sha_length(),
        )
        tags, labels = meta.get_tags(), meta.get_labels()
        levels = (os.environ.get("DOCKER_METADATA_ANNOTATIONS_LEVELS") or "manifest").split(",")
        annotations = [f"{lvl}:{a}" for lvl in levels for a in meta.get_annotations()]
        as_json = meta.get_json(levels)
    except (MetaError, ValueError) as exc:
        raise ActionError(str(exc)) from None

    env_too = os.environ.get("DOCKER_METADATA_SET_OUTPUT_ENV", "true").lower() != "false"

    def output(name: str, value: str) -> None:
        set_output(name, value)
        if env_too:
            export_env("DOCKER_METADATA_OUTPUT_" + name.replace("-", "_").upper(), value)

    version = meta.version.main or ""
    if not version:
        warning("No Docker image version has been generated. Check tags input.")
    if not tags:
        warning("No Docker tag has been generated. Check tags input.")
    info("Docker tags:\n  " + "\n  ".join(tags))
    info("Docker labels:\n  " + "\n  ".join(labels))
    output("version", version)
    output("tags", (get_raw_input("sep-tags") or "\n").join(tags))
    output("labels", (get_raw_input("sep-labels") or "\n").join(labels))
    output("annotations", (get_raw_input("sep-annotations") or "\n").join(annotations))
    output("json", json.dumps(as_json, separators=(",", ":")))

    temp = Path(
        tempfile.mkdtemp(
            prefix="docker-actions-toolkit-", dir=os.environ.get("RUNNER_TEMP") or None
        )
    )
    target = get_input("bake-target", "docker-metadata-action")
    args = {"DOCKER_META_IMAGES": ",".join(meta.images), "DOCKER_META_VERSION": version}
    output("bake-file-tags", _bake_file(temp, "tags", target, {"tags": tags, "args": args}))
    output("bake-file-labels", _bake_file(temp, "labels", target, {"labels": as_json["labels"]}))
    output(
        "bake-file-annotations",
        _bake_file(temp, "annotations", target, {"annotations": annotations}),
    )
    output(
        "bake-file",
        _bake_file(temp, "", target, {"tags": tags, "labels": as_json["labels"], "args": args}),
    )


if __name__ == "__main__":
    run("docker/metadata-action", main)
