"""Fixtures for the stand-in tests: a scratch repo for act, Docker, a local registry."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .act_helpers import ActProject, Registry, free_port


@pytest.fixture
def project(tmp_path: Path) -> ActProject:
    return ActProject(tmp_path)


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """Skips the test when no Docker engine answers `docker info`."""
    if shutil.which("docker") is None:
        pytest.skip("docker CLI not installed")
    done = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"no Docker engine: docker info failed: {done.stderr.strip()[:200]}")


@pytest.fixture(scope="session")
def registry(docker_engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """Debian's docker-registry with htpasswd auth on a free loopback port."""
    for tool in ("docker-registry", "htpasswd"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    root = tmp_path_factory.mktemp("registry")
    password = "kata-" + uuid.uuid4().hex[:12]
    htpasswd = subprocess.run(
        ["htpasswd", "-Bbn", "kata-ci-bot", password], capture_output=True, text=True, check=True
    ).stdout
    (root / "htpasswd").write_text(htpasswd)
    port = free_port()
    config = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {
            "filesystem": {"rootdirectory": str(root / "data")},
            "delete": {"enabled": True},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": uuid.uuid4().hex},
        "auth": {"htpasswd": {"realm": "kata", "path": str(root / "htpasswd")}},
    }
    (root / "config.yml").write_text(yaml.safe_dump(config))
    log = open(root / "registry.log", "w")  # noqa: SIM115 - closed in the finalizer
    process = subprocess.Popen(
        ["docker-registry", "serve", str(root / "config.yml")], stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((root / "registry.log").read_text()) from None
                time.sleep(0.05)
        yield Registry(f"127.0.0.1:{port}", "kata-ci-bot", password)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def image_repo(docker_engine: None) -> Iterator[list[str]]:
    """Collects image references a test creates; removes them from the engine afterwards."""
    created: list[str] = []
    yield created
    if created:
        subprocess.run(["docker", "rmi", "--force", *created], capture_output=True, check=False)
