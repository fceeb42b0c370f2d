"""Shared fixtures: copies of the reference solution to mutate, the Docker engine (skips
with what to do where none answers) and the small test app the cluster tests deploy."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "beginner"
STARTER = ROOT / "exercises" / "beginner"
IGNORE = shutil.ignore_patterns("model", "__pycache__", ".pytest_cache", ".venv")
APP = Path(__file__).resolve().parent / "cluster" / "app"  # the cluster tests' app
BASE = "kata/python-base:3.11-bookworm"
APP_IMAGE = "kata-test/k8s-app"


class Project:
    """A throwaway copy of a project, with small editing helpers for mutation tests."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def write(self, rel: str, text: str) -> None:
        (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (self.root / rel).write_text(text)

    def replace(self, rel: str, old: str, new: str) -> None:
        text = self.read(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new))


@pytest.fixture
def solution_copy(tmp_path: Path) -> Project:
    dest = tmp_path / "project"
    shutil.copytree(SOLUTION, dest, ignore=IGNORE)
    return Project(dest)


@pytest.fixture
def copy_project(tmp_path: Path) -> Callable[[Path], Project]:
    def make(source: Path) -> Project:
        dest = tmp_path / source.name
        shutil.copytree(source, dest, ignore=IGNORE)
        return Project(dest)

    return make


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:  # depends on the machine
        pytest.skip(f"no Docker engine answers ({str(exc)[:120]}); run scripts/bootstrap.sh")
    yield client
    client.close()


@pytest.fixture(scope="session")
def app_images(docker_client: Any) -> dict[str, str]:
    """kata-test/k8s-app:v1 and :v2 (VERSION baked in), built FROM the local base (~1 s)."""
    try:
        docker_client.images.get(BASE)
    except Exception:
        pytest.skip(f"no {BASE} to build the test app on; run `python -m harness seed-base`")
    images = {}
    for version in ("v1", "v2"):
        tag = f"{APP_IMAGE}:{version}"
        docker_client.images.build(
            path=str(APP), tag=tag, buildargs={"VERSION": version}, rm=True, forcerm=True
        )
        images[version] = tag
    return images
