"""The service protocol, the set that owns started services, and the requirements checked
before anything starts (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from harness import engine
from harness.terraform import runner as tf
from world.registry import REGISTRY_FIX, LocalRegistry


@dataclass
class Description:
    """Lines for the banner and the report: `stack` (part -> what runs), `stand_ins`
    (what stands in for what, said wherever a user sees results)."""

    stack: dict[str, str] = field(default_factory=dict)
    stand_ins: list[str] = field(default_factory=list)


@dataclass
class Exposure:
    """What a service hands the run: workflow `vars`, step environment, values to mask in
    every log, and processes that must be gone after teardown."""

    variables: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    redact: list[str] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)

    def merge(self, other: Exposure) -> None:
        self.variables.update(other.variables)
        self.env.update(other.env)
        self.redact += other.redact
        self.pids += other.pids


class Service(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> list[str]: ...

    def describe(self) -> Description: ...

    def exposes(self) -> Exposure: ...


S = TypeVar("S", bound=Service)


class QuietService:
    """Defaults for a service that holds nothing to remove, shows nothing in the banner and
    hands the workflow nothing; subclasses override what they have."""

    name = "service"

    def start(self) -> None:
        return None

    def stop(self) -> list[str]:
        return []

    def describe(self) -> Description:
        return Description()

    def exposes(self) -> Exposure:
        return Exposure()


class ServiceSet:
    """The run's started services, stopped in reverse order by one owner. `stop_all` never
    raises: a service that fails to stop is a teardown problem in the report."""

    def __init__(self) -> None:
        self.started: list[Service] = []

    def start(self, service: S) -> S:
        service.start()
        self.started.append(service)
        return service

    def stop_all(self) -> list[str]:
        problems: list[str] = []
        while self.started:
            service = self.started.pop()
            try:
                problems += service.stop()
            except Exception as exc:  # teardown goes on; the report says what was left
                problems.append(f"{service.name} did not stop cleanly: {exc}")
        return problems

    def describe(self) -> Description:
        out = Description()
        for service in self.started:
            d = service.describe()
            out.stack.update(d.stack)
            out.stand_ins += d.stand_ins
        return out

    def exposure(self) -> Exposure:
        out = Exposure()
        for service in self.started:
            out.merge(service.exposes())
        return out


# --- requirements: checked before anything starts --------------------------------------


@dataclass(frozen=True)
class Requirement:
    """`missing()` returns why the stages that need this cannot run, with the fix."""

    name: str
    missing: Callable[[], str | None]


def _engine_missing() -> str | None:
    status = engine.engine_status()
    if status.available:
        return None
    return f"needs a Docker engine: {status.reason}; fix: {status.fix}"


def _registry_missing() -> str | None:
    if LocalRegistry.available():
        return None
    return f"needs the local registry binary; fix: {REGISTRY_FIX}"


def _terraform_missing() -> str | None:
    try:
        tf.find_terraform()
    except tf.TerraformError as exc:
        return str(exc)
    return None


ENGINE = Requirement("Docker engine", _engine_missing)
REGISTRY_BINARY = Requirement("registry binary", _registry_missing)
TERRAFORM = Requirement("terraform", _terraform_missing)


def first_missing(requirements: tuple[Requirement, ...]) -> str | None:
    for requirement in requirements:
        if (reason := requirement.missing()) is not None:
            return reason
    return None
