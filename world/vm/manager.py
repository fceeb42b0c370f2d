"""Keeps one "VM" container running for each running instance in the EC2 emulator.

A VM is a `kata/vm:bookworm` container: sshd published on the instance's own loopback
address (`vm_address(instance_id)`, the `public_ip` Terraform reports), a user `ubuntu` who
holds the instance key pair's public key, and the Docker CLI on the host's engine. What the
VM starts runs as sibling containers on the host, labelled `kata.run` and `kata.vm`.

    with VmManager(None, run_id, endpoint_url="http://127.0.0.1:5000") as vms:  # engine.current()
        ...  # terraform apply; the workflow's ssh finds each VM within about a second

Every `sync()` compares the emulator with the engine: it starts a VM for each running
instance that has none, and removes the VM and everything labelled with its instance id once
the instance is no longer pending or running. The context runs `sync()` every `interval`
seconds in a background thread (`watch()`); leaving it (or `stop()`) removes everything the
run's VMs started.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3  # type: ignore[import-untyped, unused-ignore]
from botocore.config import Config  # type: ignore[import-untyped, unused-ignore]
from docker.errors import DockerException, NotFound

from harness import engine, waits
from world.lifecycle import Managed

from .addressing import vm_address
from .image import VM_IMAGE

RUN_LABEL = "kata.run"
VM_LABEL = "kata.vm"
ROLE_LABEL = "kata.role"
DOCKER_SOCKET = "/var/run/docker.sock"
LIVE_STATES = ("pending", "running")  # an instance in any other state (or none) has no VM

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VmInfo:
    instance_id: str
    address: str
    container_name: str
    state: str  # "starting", "running" (sshd answered), "failed", or the container's status


def _require_loopback(host: str, what: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"{what} must be a loopback address, not {host!r}")


def ssh_ready(address: str, port: int = 22, timeout: float = 1.0) -> bool:
    """True when an SSH server greets on address:port (an accepted connection is not enough:
    the engine's port proxy accepts before sshd in the container listens)."""
    _require_loopback(address, "a VM address")
    try:
        with socket.create_connection((address, port), timeout=timeout) as conn:
            return conn.recv(4) == b"SSH-"
    except OSError:
        return False


def wait_for_ssh(address: str, timeout: float = 10.0, port: int = 22) -> bool:
    """Wait until sshd greets on address:port; False if it has not within `timeout` s."""
    _require_loopback(address, "a VM address")
    greeting = waits.greets(address, port, b"SSH-", connect_timeout_s=min(1.0, max(0.1, timeout)))
    return waits.succeeds_within(greeting, timeout_s=timeout, interval_s=0.05)


class VmManager(Managed):
    """The VMs of one run. Thread-safe; the watcher logs errors and never raises."""

    def __init__(
        self,
        run_id: str,
        *,
        endpoint_url: str,
        region: str = "us-east-1",
        aws_access_key_id: str = "testing",
        aws_secret_access_key: str = "testing",
        image: str = VM_IMAGE,
        docker_socket: str = DOCKER_SOCKET,
        interval: float = 0.5,
        ssh_timeout: float = 15.0,
    ) -> None:
        _require_loopback(urlsplit(endpoint_url).hostname or "", "the EC2 endpoint")
        self.run_id = run_id
        self.image = image
        self.docker_socket = docker_socket
        self.interval = interval
        self.ssh_timeout = ssh_timeout
        self.last_error: str | None = None
        self._ec2: Any = boto3.session.Session().client(
            "ec2",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            config=Config(retries={"max_attempts": 2}, connect_timeout=2, read_timeout=10),
        )
        self._sync_lock = threading.Lock()  # one sync (or stop) at a time
        self._state_lock = threading.Lock()  # guards the two dicts below
        self._ready: set[str] = set()  # instance ids whose sshd has answered
        self._failed: dict[str, str] = {}  # instance id -> why its VM did not start
        self._closed = False
        self._stop_watch = threading.Event()
        self._watcher: threading.Thread | None = None

    # -- naming ----------------------------------------------------------------------------

    def container_name(self, instance_id: str) -> str:
        return re.sub(r"[^a-zA-Z0-9_.-]", "-", f"kata-vm-{self.run_id}-{instance_id}")

    def _labelled(self, *labels: str) -> list[Any]:
        return engine.current().containers(labels=[f"{RUN_LABEL}={self.run_id}", *labels])

    # -- the emulator ----------------------------------------------------------------------

    def _live_instances(self) -> dict[str, tuple[str, str]]:
        """instance id -> (state, key pair name) of every pending or running instance."""
        found: dict[str, tuple[str, str]] = {}
        pages = self._ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-state-name", "Values": list(LIVE_STATES)}]
        )
        for page in pages:
            for reservation in page.get("Reservations", []):
                for instance in reservation.get("Instances", []):
                    state = instance.get("State", {}).get("Name", "")
                    found[instance["InstanceId"]] = (state, instance.get("KeyName", ""))
        return found

    def _public_key(self, key_name: str) -> str:
        if not key_name:
            return ""
        try:
            pairs = self._ec2.describe_key_pairs(KeyNames=[key_name], IncludePublicKey=True)
        except Exception as exc:  # a key pair deleted after launch: nobody can log in
            log.warning("no public key for key pair %s: %s", key_name, exc)
            return ""
        return str((pairs.get("KeyPairs") or [{}])[0].get("PublicKey", "")).strip()

    # -- VMs -------------------------------------------------------------------------------

    def _start_vm(self, instance_id: str, key_name: str) -> str:
        address = vm_address(instance_id)
        name = self.container_name(instance_id)
        labels = {RUN_LABEL: self.run_id, VM_LABEL: instance_id, ROLE_LABEL: "vm"}
        docker = engine.current()
        for stale in docker.containers(name=f"^{name}$"):
            stale.remove(force=True)
        container = docker.create(  # create, not run: never pull
            self.image,
            name=name,
            hostname="ip-" + address.replace(".", "-"),
            init=True,
            labels=labels,
            environment={
                "SSH_PUBLIC_KEY": self._public_key(key_name),
                "VM_ADDRESS": address,
                "KATA_RUN_ID": self.run_id,
                "INSTANCE_ID": instance_id,
            },
            volumes={self.docker_socket: {"bind": "/var/run/docker.sock", "mode": "rw"}},
            ports={"22/tcp": (address, 22)},
        )
        container.start()
        log.info("VM for %s started at %s (%s)", instance_id, address, name)
        return address

    def _remove(self, containers: list[Any], problems: list[str] | None = None) -> None:
        for container in containers:
            try:
                container.remove(force=True, v=True)
            except NotFound:
                pass
            except DockerException as exc:
                if problems is None:
                    raise
                problems.append(f"container {container.name}: {exc}")

    def _remove_vm(self, instance_id: str, containers: list[Any]) -> None:
        """The VM container first (nothing new can start through it), then what it started."""
        vm_first = sorted(containers, key=lambda c: c.labels.get(ROLE_LABEL) != "vm")
        self._remove(vm_first)
        self._remove(self._labelled(f"{VM_LABEL}={instance_id}"))
        with self._state_lock:
            self._ready.discard(instance_id)
        log.info("VM for %s removed", instance_id)

    def sync(self) -> None:
        """Bring the VMs in line with the emulator once; raises what goes wrong."""
        with self._sync_lock:
            if self._closed:
                return
            instances = self._live_instances()
            by_vm: dict[str, list[Any]] = {}
            for container in self._labelled(VM_LABEL):
                by_vm.setdefault(container.labels.get(VM_LABEL, ""), []).append(container)
            for instance_id, containers in by_vm.items():
                if instance_id not in instances:
                    self._remove_vm(instance_id, containers)
            with self._state_lock:
                for gone in set(self._failed) - set(instances):
                    del self._failed[gone]
                skip = set(self._failed)
                unconfirmed = set(by_vm) - self._ready
            has_vm = {
                instance_id
                for instance_id, containers in by_vm.items()
                if any(c.labels.get(ROLE_LABEL) == "vm" for c in containers)
            }
            for instance_id in (has_vm & unconfirmed) & set(instances):  # e.g. a restarted run
                if ssh_ready(vm_address(instance_id), timeout=0.2):
                    self._confirm(instance_id)
            self._start_new(
                [(i, key) for i, (state, key) in instances.items() if state == "running"],
                has_vm | skip,
            )

    def _start_new(self, running: list[tuple[str, str]], skip: set[str]) -> None:
        started = []
        for instance_id, key_name in running:
            if instance_id in skip:
                continue
            try:
                started.append((instance_id, self._start_vm(instance_id, key_name)))
            except DockerException as exc:
                self._fail(instance_id, f"the VM container did not start: {exc}")
        for instance_id, address in started:  # started all first: they boot side by side
            if wait_for_ssh(address, self.ssh_timeout):
                self._confirm(instance_id)
            else:
                self._fail(instance_id, f"sshd did not answer on {address}:22")

    def _confirm(self, instance_id: str) -> None:
        with self._state_lock:
            self._ready.add(instance_id)

    def _fail(self, instance_id: str, why: str) -> None:
        """Record a VM that cannot start and remove its container; it is not retried until
        its instance is gone."""
        try:
            container = engine.current().container(self.container_name(instance_id))
            if container is not None:
                logs = container.logs(tail=20).decode(errors="replace").strip()
                why += f"; its log:\n{logs}" if logs else ""
                container.remove(force=True)
        except DockerException:
            pass
        log.error("VM for %s: %s", instance_id, why)
        with self._state_lock:
            self._failed[instance_id] = why

    def vms(self) -> list[VmInfo]:
        """The run's VMs as the engine has them (and the ones that failed to start)."""
        with self._state_lock:
            ready, failed = set(self._ready), dict(self._failed)
        found: dict[str, VmInfo] = {}
        for container in self._labelled(VM_LABEL, f"{ROLE_LABEL}=vm"):
            instance_id = container.labels.get(VM_LABEL, "")
            status = str(container.status)
            if status == "running":
                status = "running" if instance_id in ready else "starting"
            found[instance_id] = VmInfo(
                instance_id, vm_address(instance_id), container.name, status
            )
        for instance_id in failed:
            found.setdefault(
                instance_id,
                VmInfo(
                    instance_id,
                    vm_address(instance_id),
                    self.container_name(instance_id),
                    "failed",
                ),
            )
        return sorted(found.values(), key=lambda vm: vm.instance_id)

    def failures(self) -> dict[str, str]:
        """instance id -> why its VM did not start."""
        with self._state_lock:
            return dict(self._failed)

    def wait_for_vm(self, instance_id: str, timeout: float = 15.0) -> VmInfo | None:
        """Wait until the instance's VM answers ssh (syncing if no watcher runs)."""

        def settled() -> VmInfo | None:
            if self._watcher is None:
                self.sync()
            for vm in self.vms():
                if vm.instance_id == instance_id and vm.state in ("running", "failed"):
                    return vm
            return None

        try:
            vm = waits.wait_until(
                settled, timeout_s=timeout, interval_s=0.1, what="the VM", retry_on=()
            )
        except waits.WaitTimeout:
            return None
        return vm if vm.state == "running" else None

    # -- the watcher -----------------------------------------------------------------------

    def start(self) -> VmManager:
        self.watch()
        return self

    def watch(self) -> None:
        """Run sync() every `interval` seconds in a background thread until stop()."""
        with self._state_lock:
            if self._watcher is not None or self._closed:
                return
            self._stop_watch.clear()
            self._watcher = threading.Thread(
                target=self._watch_loop, name=f"kata-vm-watch-{self.run_id}", daemon=True
            )
            self._watcher.start()

    def _watch_loop(self) -> None:
        while not self._stop_watch.is_set():
            try:
                self.sync()
                if self.last_error is not None:
                    log.info("VM watcher recovered")
                self.last_error = None
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"
                if message != self.last_error:  # log each new error once, not every tick
                    log.warning("VM watcher: %s", message, exc_info=True)
                self.last_error = message
            self._stop_watch.wait(self.interval)

    def stop(self) -> list[str]:
        """Stop watching and remove every VM of the run and every container they started.

        Returns what could not be removed (empty when all is gone); never raises.
        """
        self._stop_watch.set()
        watcher = self._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout=30)
        problems: list[str] = []
        with self._sync_lock:
            self._closed = True
            try:
                # VMs first, so that nothing new starts through them; then the rest.
                self._remove(self._labelled(f"{ROLE_LABEL}=vm"), problems)
                self._remove(self._labelled(VM_LABEL), problems)
            except DockerException as exc:
                problems.append(f"listing the run's containers: {exc}")
        with self._state_lock:
            self._ready.clear()
            self._watcher = None
        for problem in problems:
            log.warning("VM teardown: %s", problem)
        return problems
