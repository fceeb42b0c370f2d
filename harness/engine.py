"""Finds the Docker engine, or says why the container stages must be skipped and how to fix it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

from docker.errors import DockerException

import docker

ENGINE_FIX = (
    "start a Docker engine: on Debian/Ubuntu `apt-get install -y docker.io` then "
    "`dockerd &` (or `systemctl start docker`); check with `docker info`"
)


@dataclass(frozen=True)
class EngineStatus:
    available: bool
    reason: str
    version: str = ""
    fix: str = ENGINE_FIX


def engine_status() -> EngineStatus:
    if shutil.which("docker") is None:
        return EngineStatus(False, "the `docker` command is not on PATH")
    try:
        client = docker.DockerClient.from_env(timeout=10)
        version = client.version().get("Version", "?")
        client.close()
    except DockerException as exc:
        return EngineStatus(False, f"no Docker engine answers ({str(exc).splitlines()[0][:160]})")
    return EngineStatus(True, "Docker engine reachable", version=str(version))


def client() -> Any:
    return docker.DockerClient.from_env(timeout=120)
