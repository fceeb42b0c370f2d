"""The VM stand-in for real: an emulated instance gets a VM that answers ssh on the instance's
address, runs containers on the host engine published on that address, and disappears with
everything it started when the instance is terminated."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from world.vm.addressing import vm_address
from world.vm.image import VM_IMAGE
from world.vm.manager import VmInfo, VmManager, ssh_ready, wait_for_ssh

from .conftest import (
    CREDENTIALS,
    KeyPair,
    ec2_client,
    launch,
    make_key,
    new_run_id,
    remove_run,
    run_containers,
    ssh,
)

pytestmark = pytest.mark.docker
BASE = "kata/python-base:3.11-bookworm"


def http_status(url: str, timeout: float = 10.0) -> int:
    """The status of GET url, retried until it answers or `timeout` passes (0: never)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except OSError:
            if time.monotonic() >= deadline:
                return 0
            time.sleep(0.2)


def labelled(client: Any, *labels: str) -> list[str]:
    return [c.name for c in client.containers.list(all=True, filters={"label": list(labels)})]


def make_manager(
    client: Any, run_id: str, endpoint: str, region: str, image: str = VM_IMAGE
) -> VmManager:
    return VmManager(
        run_id,
        endpoint_url=endpoint,
        region=region,
        aws_access_key_id=CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
        image=image,
    )


@dataclass(frozen=True)
class Vm:
    manager: VmManager
    instance_id: str
    address: str
    key: KeyPair


@pytest.fixture
def run_id(docker_client: Any) -> Iterator[str]:
    run = new_run_id()
    yield run
    remove_run(docker_client, run)


@pytest.fixture(scope="module")
def vm(docker_client: Any, vm_image: str, moto_endpoint: str, ssh_key: KeyPair) -> Iterator[Vm]:
    """One VM for the tests that only look at it (region us-east-1)."""
    run = new_run_id()
    manager = make_manager(docker_client, run, moto_endpoint, "us-east-1")
    try:
        instance_id = launch(ec2_client(moto_endpoint, "us-east-1"), ssh_key)
        manager.sync()
        yield Vm(manager, instance_id, vm_address(instance_id), ssh_key)
    finally:
        manager.stop()
        remove_run(docker_client, run)


def test_vm_is_listed_and_answers_ssh(vm: Vm) -> None:
    assert vm.manager.vms() == [
        VmInfo(
            vm.instance_id, vm.address, f"kata-vm-{vm.manager.run_id}-{vm.instance_id}", "running"
        )
    ]
    assert ssh_ready(vm.address)
    done = ssh(vm.key, vm.address, "hostname")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ip-" + vm.address.replace(".", "-")


def test_ssh_session_is_an_ubuntu_user_with_sudo_and_docker(vm: Vm) -> None:
    done = ssh(
        vm.key,
        vm.address,
        'echo "$PATH"; command -v docker; id -un; sudo -n id -u; echo "$VM_ADDRESS"; '
        "docker version --format '{{.Server.Version}}'",
    )
    assert done.returncode == 0, done.stderr
    path, docker, user, root, address, server = done.stdout.split("\n")[:6]
    assert path.split(":")[0] == "/usr/local/bin"
    assert (docker, user, root, address) == ("/usr/local/bin/docker", "ubuntu", "0", vm.address)
    assert server  # the host's engine answered, without sudo


def test_scp_copies_files_to_the_vm(vm: Vm, tmp_path: Path) -> None:
    (tmp_path / "deploy.sh").write_text("echo deployed\n")
    options = ["-oStrictHostKeyChecking=no", "-oUserKnownHostsFile=/dev/null", "-oBatchMode=yes"]
    source, target = str(tmp_path / "deploy.sh"), f"ubuntu@{vm.address}:deploy.sh"
    done = subprocess.run(
        ["scp", "-q", "-i", str(vm.key.private), *options, source, target],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert ssh(vm.key, vm.address, "bash deploy.sh").stdout == "deployed\n"


def test_root_login_is_refused(vm: Vm) -> None:
    done = ssh(vm.key, vm.address, "true", user="root")
    assert done.returncode == 255
    assert "Permission denied" in done.stderr


def test_password_login_is_refused(vm: Vm) -> None:
    done = ssh(
        vm.key,
        vm.address,
        "true",
        extra=(
            "-oPubkeyAuthentication=no",
            "-oPreferredAuthentications=password,keyboard-interactive",
        ),
    )
    assert done.returncode == 255
    assert "Permission denied (publickey)" in done.stderr  # the only method offered


def test_another_key_is_refused(vm: Vm, tmp_path: Path) -> None:
    done = ssh(make_key(tmp_path, "other"), vm.address, "true")
    assert done.returncode == 255
    assert "Permission denied" in done.stderr


def tiny_image(client: Any, name: str) -> None:
    """A one-file image (nothing to run), so that pushing and pulling it takes no time."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
    repository, _, tag = name.rpartition(":")
    client.api.import_image_from_data(data.getvalue(), repository=repository, tag=tag)


def test_docker_login_to_the_host_registry_works_from_the_vm(vm: Vm, docker_client: Any) -> None:
    if shutil.which("docker-registry") is None:
        pytest.skip("no docker-registry: `apt-get install -y docker-registry`")
    from world.registry import LocalRegistry

    with tempfile.TemporaryDirectory(prefix="kata-vm-test-") as workdir:
        registry = LocalRegistry(Path(workdir)).start()
        image = f"{registry.address}/vm-test:1"
        user, password = registry.credentials.username, registry.credentials.password
        try:
            tiny_image(docker_client, image)
            done = ssh(vm.key, vm.address, f"docker push {image}")
            assert done.returncode != 0 and "no basic auth credentials" in done.stderr
            done = ssh(
                vm.key,
                vm.address,
                f"set -e; echo '{password}' | docker login {registry.address} -u {user} "
                f"--password-stdin; docker push -q {image}; docker rmi -f {image}; "
                f"docker pull -q {image}",
            )
            assert done.returncode == 0, done.stderr
            assert "Login Succeeded" in done.stdout and done.stdout.strip().endswith(image)
            assert docker_client.images.get(image)  # pulled by the host engine
        finally:
            for tag in [t for i in docker_client.images.list() for t in i.tags]:
                if tag.startswith(registry.address + "/"):
                    docker_client.images.remove(tag, force=True)
            registry.stop()


def test_instance_lifecycle(
    docker_client: Any, vm_image: str, moto_endpoint: str, ssh_key: KeyPair, run_id: str
) -> None:
    ec2 = ec2_client(moto_endpoint, "eu-west-1")
    manager = make_manager(docker_client, run_id, moto_endpoint, "eu-west-1")
    try:
        first = launch(ec2, ssh_key)
        manager.sync()
        address = vm_address(first)
        web = f"web-{run_id}"
        done = ssh(
            ssh_key,
            address,
            f"docker run -d -p 8000:8000 --name {web} {BASE} python3 -m http.server 8000",
        )
        assert done.returncode == 0, done.stderr
        assert http_status(f"http://{address}:8000/") == 200
        container = docker_client.containers.get(web)
        assert container.labels["kata.run"] == run_id and container.labels["kata.vm"] == first
        bindings = container.attrs["HostConfig"]["PortBindings"]["8000/tcp"]
        assert bindings == [{"HostIp": address, "HostPort": "8000"}]
        assert http_status("http://127.0.0.1:8000/", timeout=0) != 200 or pytest.skip(
            "something else serves 127.0.0.1:8000 here"
        )

        second = launch(ec2, ssh_key)  # stays up until stop()
        manager.sync()
        done = ssh(ssh_key, vm_address(second), f"docker run -d --name {web}-2 {BASE} sleep 600")
        assert done.returncode == 0, done.stderr
        assert len(manager.vms()) == 2
        adopted = make_manager(docker_client, run_id, moto_endpoint, "eu-west-1")
        adopted.sync()  # a second manager of the run (a restarted harness) adopts the VMs
        assert adopted.vms() == manager.vms()
        assert {vm.state for vm in adopted.vms()} == {"running"}

        ec2.terminate_instances(InstanceIds=[first])
        manager.sync()
        assert labelled(docker_client, f"kata.vm={first}") == []
        assert [vm.instance_id for vm in manager.vms()] == [second]
        assert http_status(f"http://{address}:8000/", timeout=0) == 0
    finally:
        problems = manager.stop()
    assert problems == []
    assert run_containers(docker_client, run_id) == []


def test_watcher_brings_vms_up_and_down(
    docker_client: Any, vm_image: str, moto_endpoint: str, ssh_key: KeyPair, run_id: str
) -> None:
    ec2 = ec2_client(moto_endpoint, "us-west-2")
    with make_manager(docker_client, run_id, moto_endpoint, "us-west-2") as manager:
        instance_id = launch(ec2, ssh_key)
        started = time.monotonic()
        assert wait_for_ssh(vm_address(instance_id), timeout=10)
        up = time.monotonic() - started
        assert ssh(ssh_key, vm_address(instance_id), "true").returncode == 0
        assert up < 2.5, f"the VM took {up:.1f} s to answer ssh"

        ec2.terminate_instances(InstanceIds=[instance_id])
        deadline = time.monotonic() + 5
        while labelled(docker_client, f"kata.run={run_id}") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert labelled(docker_client, f"kata.run={run_id}") == []
        assert manager.last_error is None
    assert run_containers(docker_client, run_id) == []


def test_a_vm_that_cannot_start_is_reported_once(
    docker_client: Any, moto_endpoint: str, ssh_key: KeyPair, run_id: str
) -> None:
    ec2 = ec2_client(moto_endpoint, "ap-south-1")
    manager = make_manager(
        docker_client, run_id, moto_endpoint, "ap-south-1", "kata/vm:no-such-image"
    )
    try:
        instance_id = launch(ec2, ssh_key)
        manager.sync()
        manager.sync()
        assert [vm.state for vm in manager.vms()] == ["failed"]
        assert "did not start" in manager.failures()[instance_id]
    finally:
        assert manager.stop() == []


def test_watcher_survives_an_unreachable_emulator(docker_client: Any, run_id: str) -> None:
    from .conftest import free_port

    manager = VmManager(run_id, endpoint_url=f"http://127.0.0.1:{free_port()}", interval=0.05)
    with manager:
        deadline = time.monotonic() + 10
        while manager.last_error is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert manager.last_error is not None
        assert manager._watcher is not None and manager._watcher.is_alive()
    assert manager._watcher is None


def test_only_loopback_endpoints_are_accepted() -> None:
    with pytest.raises(ValueError, match="loopback"):
        VmManager("x", endpoint_url="http://10.0.0.1:5000")
    with pytest.raises(ValueError, match="loopback"):
        wait_for_ssh("192.0.2.1", timeout=0)
