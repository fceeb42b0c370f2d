"""The container side of a run: the Docker engine, the Python base image, the run's own
registry, and act."""

from __future__ import annotations

from pathlib import Path

from harness import engine
from harness.errors import KataError
from world import base_image
from world.registry import LocalRegistry

from .base import Description, Exposure, QuietService


class EngineService(QuietService):
    """The Docker engine every container stage talks to (the host's; a later step gives a
    graded submission its own)."""

    name = "engine"

    def __init__(self) -> None:
        self.version = ""

    def start(self) -> None:
        status = engine.engine_status()
        if not status.available:
            raise KataError(f"needs a Docker engine: {status.reason}; fix: {status.fix}")
        self.version = status.version

    def describe(self) -> Description:
        return Description({"engine": f"Docker {self.version}"})


class BaseImageService(QuietService):
    """The Python base image the learner's Dockerfile gets as `BASE_IMAGE`: pulled, or
    seeded from Debian packages where nothing can be pulled (a stand-in, said so)."""

    name = "base image"

    def __init__(self) -> None:
        self.image: base_image.BaseImage | None = None

    def start(self) -> None:
        self.image = base_image.ensure_base_image()

    @property
    def name_or_empty(self) -> str:
        return self.image.name if self.image else ""

    def describe(self) -> Description:
        assert self.image is not None
        notes = [self.image.note] if self.image.stand_in else []
        return Description({"base image": self.image.name}, notes)

    def exposes(self) -> Exposure:
        return Exposure(variables={"BASE_IMAGE": self.name_or_empty})


class RegistryService:
    """A CNCF distribution registry on loopback, fresh port, storage and password per run."""

    name = "registry"

    def __init__(self, workdir: Path) -> None:
        self.registry = LocalRegistry(workdir)

    def start(self) -> None:
        self.registry.start()

    def stop(self) -> list[str]:
        self.registry.stop()
        return []

    def describe(self) -> Description:
        address = self.registry.address
        return Description(
            {"registry": f"{address} (CNCF distribution, basic auth)"},
            [f"local registry {address} stands in for Docker Hub"],
        )

    def exposes(self) -> Exposure:
        pid = self.registry.pid
        return Exposure(redact=[self.registry.credentials.password], pids=[pid] if pid else [])


class ActService(QuietService):
    """act in host mode: every runs-on label mapped to the host, remote actions swapped for
    offline stand-ins. It holds no process between runs; `describe` is what the banner
    says of the runner."""

    name = "act"

    def __init__(self, runner: str = "act, host mode") -> None:
        self.runner = runner

    def describe(self) -> Description:
        return Description(
            {"runner": self.runner},
            ["offline stand-ins for remote actions (world/actions/stand_ins)"],
        )


def image_services(workdir: Path) -> tuple[EngineService, BaseImageService, RegistryService]:
    """What every project that builds an image starts first: the engine, the base image and
    the run's registry (its storage under `workdir`)."""
    return EngineService(), BaseImageService(), RegistryService(workdir / "registry")
