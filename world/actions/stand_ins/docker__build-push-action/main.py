"""Offline docker/build-push-action@v6: `docker build` on the local engine, `docker push` tags.

The legacy builder is used (DOCKER_BUILDKIT=0) unless the buildx plugin is installed.
The image always lands in the local engine; with push it also goes to its registries.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from docker_cli import has_buildx, host_platform, normalize_platform, stream
from kata_io import (
    ActionError,
    get_bool,
    get_input,
    get_lines,
    get_list,
    info,
    run,
    set_output,
    warning,
)

UNSUPPORTED = (
    "allow",
    "build-contexts",
    "call",
    "no-cache-filters",
    "secrets",
    "secret-envs",
    "secret-files",
    "ssh",
)
IGNORED = ("cache-from", "cache-to", "annotations", "attests")
DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")


def _context() -> str:
    context = get_input("context") or "."
    if context.startswith("{{defaultContext}}"):
        return context.removeprefix("{{defaultContext}}").lstrip(":") or "."
    if "://" in context or context.startswith("git@") or context.endswith(".git"):
        raise ActionError(
            f"input 'context': '{context}' is a remote (Git/URL) context, "
            "which cannot be fetched offline; use a local path such as '.'"
        )
    if not Path(context).is_dir():
        raise ActionError(f"input 'context': '{context}' is not a directory")
    return context


def _wants_push() -> bool:
    push = get_bool("push")
    for output in get_lines("outputs"):
        kind = dict(p.split("=", 1) for p in output.split(",") if "=" in p)
        if kind.get("type") == "registry" or (
            kind.get("type") == "image" and kind.get("push") == "true"
        ):
            push = True
        elif kind.get("type") not in ("docker", "image") or set(kind) - {"type", "push"}:
            raise ActionError(
                f"input 'outputs': '{output}' is not supported offline "
                "(type=docker, type=image[,push=true] or type=registry)"
            )
    return push


def _check_inputs() -> None:
    for name in UNSUPPORTED:
        if get_input(name):
            raise ActionError(f"input '{name}' is not supported by the offline stand-in")
    for name in IGNORED:
        if get_input(name):
            warning(
                f"input '{name}' is ignored offline (the local engine's builder has no "
                "cache export/import, annotations or attestations)"
            )
    for name in ("provenance", "sbom"):
        if get_input(name) not in ("", "false"):
            warning(f"input '{name}' is ignored offline (no attestations are made)")
    if get_bool("pull"):
        warning("input 'pull' is ignored offline: nothing can be pulled, local images are used")
    get_bool("load")
    platforms = get_list("platforms")
    if platforms:
        host = host_platform()
        for platform in platforms:
            if normalize_platform(platform) != host:
                raise ActionError(
                    f"input 'platforms': '{platform}' cannot be built offline "
                    f"(only the host platform {host}; no QEMU or remote builders)"
                )


def _build_args(context: str, iidfile: str, legacy: bool) -> list[str]:
    args = ["build", "--file", get_input("file") or os.path.join(context, "Dockerfile")]
    for tag in get_list("tags"):
        args += ["--tag", tag]
    for label in get_lines("labels"):
        args += ["--label", label]
    for build_arg in get_lines("build-args"):
        args += ["--build-arg", build_arg]
    for host in get_list("add-hosts"):
        args += ["--add-host", host]
    for limit in get_lines("ulimit"):
        args += ["--ulimit", limit]
    for flag in ("target", "network", "shm-size", "cgroup-parent"):
        if get_input(flag):
            args += [f"--{flag}", get_input(flag)]
    if get_bool("no-cache"):
        args.append("--no-cache")
    if legacy:
        args.append("--force-rm")  # the legacy builder keeps failed containers otherwise
    return [*args, "--iidfile", iidfile, context]


def main() -> None:
    _check_inputs()
    context, push, tags = _context(), _wants_push(), get_list("tags")
    if push and not tags:
        raise ActionError("input 'tags': tag is needed when pushing to registry")
    env = dict(os.environ)
    legacy = not has_buildx()
    env["DOCKER_BUILDKIT"] = "0" if legacy else "1"
    with tempfile.TemporaryDirectory() as tmp:
        iidfile = os.path.join(tmp, "iid")
        stream(_build_args(context, iidfile, legacy), env=env)
        imageid = Path(iidfile).read_text().strip()
    info(f"Built {imageid}")
    digest = ""
    for tag in tags if push else []:
        for line in stream(["push", tag]):
            found = DIGEST.search(line)
            if found:
                digest = digest or found.group(1)
    metadata = {"containerimage.config.digest": imageid, "image.name": ",".join(tags)}
    if digest:
        metadata["containerimage.digest"] = digest
    set_output("imageid", imageid)
    set_output("digest", digest or imageid)
    set_output("metadata", json.dumps(metadata, indent=2))


if __name__ == "__main__":
    run("docker/build-push-action", main)
