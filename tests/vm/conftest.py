"""Fixtures for the VM stand-in: the engine guard, the VM image, an EC2 emulator, SSH keys."""

from __future__ import annotations

import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from world.vm.image import DEFAULT_BASE, ensure_vm_image

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="session")
def vm_image(docker_client: Any) -> str:
    """kata/vm:bookworm, built once (about 15 s) and kept in the engine for later runs."""
    if shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.skip("the VM tests need the OpenSSH client (`apt-get install openssh-client`)")
    try:
        docker_client.images.get(DEFAULT_BASE)
    except Exception:
        pytest.skip(
            f"no {DEFAULT_BASE} to build the VM image on; run `python -m harness seed-base`"
        )
    return ensure_vm_image(DEFAULT_BASE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """An EC2 emulator on loopback. Tests keep apart by using a region each."""
    server_module = pytest.importorskip("moto.server")
    port = free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: str


def make_key(directory: Path, name: str = "id_ed25519") -> KeyPair:
    path = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kata-test", "-f", str(path)],
        check=True,
    )
    return KeyPair(path, path.with_suffix(".pub").read_text().strip())


@pytest.fixture(scope="module")
def ssh_key(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return make_key(tmp_path_factory.mktemp("ssh"))


def ec2_client(endpoint: str, region: str) -> Any:
    import boto3  # type: ignore[import-untyped, unused-ignore]

    return boto3.client("ec2", endpoint_url=endpoint, region_name=region, **CREDENTIALS)


def launch(ec2: Any, key: KeyPair) -> str:
    """Import the key pair (once per region) and run one instance with it."""
    name = "kata-test-key"
    if not ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": [name]}])["KeyPairs"]:
        ec2.import_key_pair(KeyName=name, PublicKeyMaterial=key.public.encode())
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    reservation = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, KeyName=name, InstanceType="t3.micro"
    )
    return str(reservation["Instances"][0]["InstanceId"])


def ssh(
    key: KeyPair, address: str, command: str, *, user: str = "ubuntu", extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    options = [
        *("StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "BatchMode=yes"),
        *("LogLevel=ERROR", "ConnectTimeout=5", "IdentitiesOnly=yes"),
    ]
    target = f"{user}@{address}"
    return subprocess.run(
        ["ssh", "-i", str(key.private), *(f"-o{o}" for o in options), *extra, target, command],
        capture_output=True,
        text=True,
        timeout=60,
    )


def new_run_id() -> str:
    return "t" + uuid.uuid4().hex[:9]


def run_containers(client: Any, run_id: str) -> list[str]:
    return [
        c.name for c in client.containers.list(all=True, filters={"label": f"kata.run={run_id}"})
    ]


def remove_run(client: Any, run_id: str) -> None:
    """Last-resort cleanup for a test run: everything with its run label."""
    for container in client.containers.list(all=True, filters={"label": f"kata.run={run_id}"}):
        container.remove(force=True)
