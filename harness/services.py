"""The backends a graded run starts, behind one small lifecycle.

Every backend (Docker engine, seeded base image, registry, AWS emulator, VM stand-in,
cluster, act) is a `Service`: `start()`, `stop() -> problems`, `describe()` for the banner and
the report, and `exposes()`: what the learner's workflow gets from it (repository variables,
step environment), what must never be printed, and which processes the teardown proof must
find gone. A `ServiceSet` owns the started services: it stops them in reverse order, whatever
happened, and collects what they could not remove, so teardown has exactly one owner.

A `Requirement` is what must be on the machine before any service starts (an engine that
answers, the registry binary, terraform); a missing one skips the stages that need it with
one message naming what is missing and how to get it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from harness import engine
from harness.errors import KataError
from harness.terraform import runner as tf
from harness.terraform.overrides import backend_config_args
from world import base_image
from world.aws.moto_process import MotoProcessEmulator
from world.cluster import ClusterBackend, open_cluster
from world.registry import REGISTRY_FIX, LocalRegistry
from world.terraform.k8s_provider.client import Connection
from world.terraform.k8s_provider.config import resolve
from world.terraform.mirror import TerraformEnv, install_k8s_stand_in, write_cli_config
from world.vm.image import ensure_vm_image
from world.vm.manager import VmManager


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


# --- the services ----------------------------------------------------------------------


class EngineService:
    """The Docker engine every container stage talks to (the host's; a later step gives a
    graded submission its own)."""

    name = "engine"

    def __init__(self) -> None:
        self.client: Any = None
        self.version = ""

    def start(self) -> None:
        status = engine.engine_status()
        if not status.available:
            raise KataError(f"needs a Docker engine: {status.reason}; fix: {status.fix}")
        self.version = status.version
        self.client = engine.client()

    def stop(self) -> list[str]:
        if self.client is not None:
            self.client.close()
        return []

    def describe(self) -> Description:
        return Description({"engine": f"Docker {self.version}"})

    def exposes(self) -> Exposure:
        return Exposure()


class BaseImageService:
    """The Python base image the learner's Dockerfile gets as `BASE_IMAGE`: pulled, or
    seeded from Debian packages where nothing can be pulled (a stand-in, said so)."""

    name = "base image"

    def __init__(self, docker: EngineService) -> None:
        self.docker = docker
        self.image: base_image.BaseImage | None = None

    def start(self) -> None:
        self.image = base_image.ensure_base_image(self.docker.client)

    def stop(self) -> list[str]:
        return []  # kept: it is the machine's base image, not the run's

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


class AwsService:
    """The AWS emulator (moto in its own process: state per run), with the S3 bucket (and
    optionally DynamoDB lock table) the Terraform backend needs. `role` says what it stands
    in for in this project."""

    name = "AWS emulator"

    def __init__(
        self,
        *,
        bucket: str = "",
        lock_table: str = "",
        stack: dict[str, str] | None = None,
        stand_in: str = "",
    ) -> None:
        self.emulator = MotoProcessEmulator()
        self.bucket = bucket
        self.lock_table = lock_table
        self._stack = stack or {}
        self._stand_in = stand_in
        self._pid: int | None = None

    def start(self) -> None:
        self.emulator.start()
        self._pid = self.emulator.pid
        if self.bucket:
            self.emulator.ensure_bucket(self.bucket)
        if self.lock_table:
            self.emulator.ensure_lock_table(self.lock_table)

    def stop(self) -> list[str]:
        self.emulator.stop()
        return []

    def describe(self) -> Description:
        endpoint = self.emulator.endpoint
        stack = {part: text.format(endpoint=endpoint) for part, text in self._stack.items()}
        return Description(stack, [self._stand_in] if self._stand_in else [])

    def exposes(self) -> Exposure:
        return Exposure(pids=[self._pid] if self._pid else [])


class VmService:
    """EC2 instances as local containers with sshd at each instance's loopback public_ip,
    created and removed as the emulator's instances come and go."""

    name = "VM stand-in"

    def __init__(
        self,
        docker: EngineService,
        base: BaseImageService,
        aws: AwsService,
        run_id: str,
        progress: Callable[[str], None],
    ) -> None:
        self.docker, self.base, self.aws = docker, base, aws
        self.run_id = run_id
        self.progress = progress
        self.image = ""
        self.manager: VmManager | None = None

    def start(self) -> None:
        self.image = ensure_vm_image(
            self.docker.client, base=self.base.name_or_empty, report=self.progress
        )
        emulator = self.aws.emulator
        creds = emulator.credentials()
        self.manager = VmManager(
            self.docker.client,
            self.run_id,
            endpoint_url=emulator.endpoint,
            region=emulator.region,
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            image=self.image,
        )
        self.manager.watch()

    def stop(self) -> list[str]:
        return self.manager.stop() if self.manager is not None else []

    def describe(self) -> Description:
        return Description(
            {"VMs": f"{self.image} containers with sshd at each instance's public_ip"},
            ["each EC2 instance is a local container with sshd at its loopback public_ip"],
        )

    def exposes(self) -> Exposure:
        return Exposure()


class ClusterService:
    """The Kubernetes cluster (the local stand-in, or kind) with its kubeconfig for
    Terraform's kubernetes provider and the ingress address the workflow reaches."""

    name = "cluster"

    def __init__(
        self,
        docker: EngineService,
        backend: str,
        run_id: str,
        workdir: Path,
        registry: RegistryService,
    ) -> None:
        self.docker, self.backend, self.run_id, self.workdir = docker, backend, run_id, workdir
        self.registry = registry
        self.cluster: ClusterBackend | None = None
        self.connection: Connection | None = None

    def start(self) -> None:
        self.cluster = open_cluster(
            self.backend,
            self.docker.client,
            self.run_id,
            self.workdir,
            registry=self.registry.registry.address,
        )
        try:
            self.cluster.start()
        except BaseException:
            self.cluster.stop()
            raise
        # server, token and cluster CA, read the way the hashicorp/kubernetes stand-in reads
        # them (both backends write a token kubeconfig)
        config = {"config_path": str(self.cluster.kubeconfig_path)}
        self.connection = resolve(config, env={}).connection

    def stop(self) -> list[str]:
        if self.cluster is None:
            return []
        self.cluster.stop()
        return [f"cluster: {item}" for item in self.cluster.leftovers()]

    def describe(self) -> Description:
        assert self.cluster is not None
        notes = (
            [
                "a local Kubernetes stand-in (Deployments as containers, real nginx "
                "Ingress with ingress-nginx canary annotations) stands in for the cluster"
            ]
            if self.cluster.is_stand_in
            else []
        )
        return Description({"cluster": self.cluster.describe()}, notes)

    def exposes(self) -> Exposure:
        assert self.cluster is not None
        return Exposure(
            env={"KUBE_CONFIG_PATH": str(self.cluster.kubeconfig_path)},
            redact=[self.connection.token or ""] if self.connection else [],
        )


class ActService:
    """act in host mode: every runs-on label mapped to the host, remote actions swapped for
    offline stand-ins. It holds no process between runs; `describe` is what the banner
    says of the runner."""

    name = "act"

    def __init__(self, runner: str = "act, host mode") -> None:
        self.runner = runner

    def start(self) -> None:
        return None

    def stop(self) -> list[str]:
        return []

    def describe(self) -> Description:
        return Description({"runner": self.runner})

    def exposes(self) -> Exposure:
        return Exposure()


def cuda_note() -> str:
    return "(CUDA present)" if shutil.which("nvidia-smi") else "(no CUDA: CPU fallback)"


class TerraformService:
    """Terraform wired to the run's emulator: the offline provider stand-ins in a filesystem
    mirror, the CLI config, the S3 backend given through `TF_CLI_ARGS_init`. With
    `kubernetes`, the hashicorp/kubernetes stand-in is mirrored too."""

    name = "terraform"

    def __init__(
        self,
        workdir: Path,
        aws: AwsService,
        *,
        state_key: str = "",
        kubernetes: bool = False,
    ) -> None:
        self.workdir, self.aws = workdir, aws
        self.state_key = state_key
        self.kubernetes = kubernetes
        self.tfenv: TerraformEnv | None = None

    def start(self) -> None:
        emulator = self.aws.emulator
        self.tfenv = terraform_env(self.workdir, emulator.endpoint, kubernetes=self.kubernetes)
        args = backend_config_args(
            self.aws.bucket,
            self.state_key or "unused",
            emulator.region,
            emulator.endpoint,
            self.aws.lock_table or None,
        )
        if not self.state_key:  # one state per environment root: each root names its key
            args = [a for a in args if not a.startswith("-backend-config=key=")]
        self.tfenv.init_args = tuple(args)

    def stop(self) -> list[str]:
        return []

    def describe(self) -> Description:
        assert self.tfenv is not None
        text = self.tfenv.describe()
        notes = []
        if self.kubernetes:
            text = text.split(" against")[0]
            notes.append("hashicorp/kubernetes: offline stand-in provider")
        return Description({"terraform": text}, notes)

    def exposes(self) -> Exposure:
        assert self.tfenv is not None
        return Exposure(env=self.tfenv.env())


def terraform_env(
    workdir: Path, endpoint: str, *, kubernetes: bool = False, offline: bool = True
) -> TerraformEnv:
    """A TerraformEnv under `workdir`; with `kubernetes`, the kubernetes stand-in mirrored
    beside the aws one and the CLI config naming both."""
    tfenv = TerraformEnv.prepare(workdir, endpoint, offline=offline)
    if kubernetes:
        install_k8s_stand_in(workdir / "mirror")
        tfenv.cli_config = write_cli_config(
            workdir / "terraform.rc", workdir / "mirror", offline=True
        )
    return tfenv
