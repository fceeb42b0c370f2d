"""Shared fixtures: copies of the reference solution to mutate, the Docker engine (skips
with what to do where none answers) and the small test app the cluster tests deploy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "beginner"
STARTER = ROOT / "exercises" / "beginner"
IGNORE = shutil.ignore_patterns("model", "__pycache__", ".pytest_cache", ".venv")
APP = Path(__file__).resolve().parent / "cluster" / "app"  # the cluster tests' app
BASE = "kata/python-base:3.11-bookworm"
APP_IMAGE = "kata-test/k8s-app"

collect_ignore = ["corpus"]  # a learner-shaped repository the corpus test runs, not kata tests


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
def bad_model_solution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The advanced bad-model variant: solutions/advanced plus its one marked, invertible edit
    (harness.projects.advanced.variants.BAD_MODEL_EDITS), made once per session."""
    from harness.projects.advanced.variants import materialize_bad_model

    return materialize_bad_model(tmp_path_factory.mktemp("variants") / "advanced-bad-model")


@pytest.fixture(scope="session")
def docker_engine() -> Engine:
    """The harness's engine (`engine.current()`); skips with what to do where none answers."""
    from harness import engine

    status = engine.engine_status()
    if not status.available:  # depends on the machine
        pytest.skip(f"{status.reason[:160]}; run scripts/bootstrap.sh")
    return engine.current()


@pytest.fixture(scope="session")
def docker_client(docker_engine: Engine) -> Any:
    """The raw docker SDK client of that engine (for tests not converted to `docker_engine`)."""
    return docker_engine.docker


@pytest.fixture(scope="session")
def app_images(docker_engine: Engine) -> dict[str, str]:
    """kata-test/k8s-app:v1 and :v2 (VERSION baked in), built FROM the local base (~1 s)."""
    if not docker_engine.has_image(BASE):
        pytest.skip(f"no {BASE} to build the test app on; run `python -m harness seed-base`")
    images = {}
    for version in ("v1", "v2"):
        tag = f"{APP_IMAGE}:{version}"
        docker_engine.build(
            path=str(APP), tag=tag, buildargs={"VERSION": version}, rm=True, forcerm=True
        )
        images[version] = tag
    return images
