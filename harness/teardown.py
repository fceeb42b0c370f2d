"""Removes what a run created and proves nothing of it is left.

Everything the harness starts carries the label `kata.run=<run id>`; images the pipeline
built carry the run's registry address (a port only this run used) in their tags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from docker.errors import APIError, NotFound

from harness.engine import Engine

RUN_LABEL = "kata.run"
CACHE_REPOSITORY = "kata-cache"


@dataclass
class Leftovers:
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    processes: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.containers or self.networks or self.images or self.processes)

    def describe(self) -> str:
        parts = []
        for name, items in vars(self).items():
            if items:
                parts.append(f"{name}: {', '.join(map(str, items))}")
        return "; ".join(parts)


def _run_images(docker: Engine, registry_address: str) -> list[str]:
    if not registry_address:
        return []
    tags = []
    for image in docker.images():
        tags += [t for t in image.tags if t.startswith(registry_address + "/")]
    return tags


def cleanup(
    docker: Engine | None, run_id: str, registry_address: str, cache_as: str | None = None
) -> list[str]:
    """Remove the run's containers, networks and image tags; return what could not be removed.

    `cache_as` keeps the built image's layers under one stable tag (e.g. kata-cache/beginner)
    so the next run's `docker build` reuses them; it holds no registry address or secret.
    `docker` None: the run used no engine, nothing to remove.
    """
    problems: list[str] = []
    if docker is None:
        return problems
    for container in docker.containers(labels={RUN_LABEL: run_id}):
        try:
            container.remove(force=True, v=True)
        except (APIError, NotFound) as exc:
            problems.append(f"container {container.name}: {exc}")
    for network in docker.networks(labels={RUN_LABEL: run_id}):
        try:
            network.remove()
        except (APIError, NotFound) as exc:
            problems.append(f"network {network.name}: {exc}")
    tags = _run_images(docker, registry_address)
    if tags and cache_as:
        _move_cache_tag(docker, tags[0], f"{CACHE_REPOSITORY}/{cache_as}:last")
    for tag in tags:
        try:
            docker.remove_image(tag, noprune=False)
        except NotFound:
            pass
        except APIError as exc:
            problems.append(f"image {tag}: {exc}")
    return problems


def _move_cache_tag(docker: Engine, source: str, cache_ref: str) -> None:
    """Point the cache tag at the new build and drop the build it replaces (else it would
    linger as an untagged image after every run)."""
    try:
        previous = docker.image_attrs(cache_ref)["Id"]
    except (APIError, NotFound):
        previous = None
    try:
        docker.tag(source, cache_ref)
        new = docker.image_attrs(source)["Id"]
    except (APIError, NotFound):
        return
    if previous and previous != new:
        try:
            docker.remove_image(previous)
        except (APIError, NotFound):
            pass  # still used by a container or another tag: not ours to force


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return True


def find_leftovers(
    docker: Engine | None, run_id: str, registry_address: str, pids: list[int]
) -> Leftovers:
    """What of the run is still there (`docker` None: no engine, processes only)."""
    left = Leftovers(processes=[p for p in pids if _alive(p)])
    if docker is not None:
        left.containers = [c.name for c in docker.containers(labels={RUN_LABEL: run_id})]
        left.networks = [n.name for n in docker.networks(labels={RUN_LABEL: run_id})]
        left.images = _run_images(docker, registry_address)
    return left


def tear_down_run(
    docker: Engine | None,
    run_id: str,
    registry_address: str,
    pids: list[int],
    *,
    cache_as: str,
    problems: list[str] | None = None,
) -> dict[str, Any]:
    """Every project's last step: clean up, then prove nothing is left. Returns the report's
    `teardown` entry; `problems` are what earlier steps (VMs, cluster) could not remove.
    `docker` None: the run used no engine (Docker skipped)."""
    found = [*(problems or []), *cleanup(docker, run_id, registry_address, cache_as=cache_as)]
    left = find_leftovers(docker, run_id, registry_address, pids)
    entry: dict[str, Any] = {"clean": not left and not found, "leftovers": left.describe()}
    if found:
        entry["problems"] = found
    return entry
