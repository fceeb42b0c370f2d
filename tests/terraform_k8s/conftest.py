"""Fixtures for the kubernetes stand-in: terraform and Docker guards, the test app image, a
cluster stand-in, and the mirror + CLI config + environment terraform runs with."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.terraform import mirror, runner

APP = Path(__file__).resolve().parent.parent / "cluster" / "app"
BASE = "kata/python-base:3.11-bookworm"
APP_IMAGE = "kata-test/k8s-app"

TERRAFORM_MISSING = (
    f"terraform is not installed: {runner.INSTALL_HINT}"
    if shutil.which("terraform") is None
    else ""
)
needs_terraform = pytest.mark.skipif(bool(TERRAFORM_MISSING), reason=TERRAFORM_MISSING)


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


def terraform_env(workdir: Path, kubeconfig: Path) -> dict[str, str]:
    """The harness's way: both stand-ins in one mirror, the CLI config, KUBE_CONFIG_PATH."""
    mirror.install_stand_in(workdir / "mirror")
    mirror.install_k8s_stand_in(workdir / "mirror")
    rc = mirror.write_cli_config(workdir / "terraform.rc", workdir / "mirror", offline=True)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE", "TF_"))}
    return {
        **inherited,
        "TF_CLI_CONFIG_FILE": str(rc),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        **mirror.kubernetes_env(kubeconfig),
    }


@dataclass
class Terraform:
    """terraform in one directory, with the timings of each command."""

    directory: Path
    env: dict[str, str]
    timings: dict[str, list[float]] = field(default_factory=dict)

    def __call__(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        started = time.monotonic()
        result = runner.run([*args, "-no-color"], self.directory, self.env, timeout=240)
        self.timings.setdefault(args[0], []).append(time.monotonic() - started)
        assert result.returncode in ok, (
            f"terraform {' '.join(args)} exited {result.returncode}:\n"
            f"{runner.readable(result.stderr)}\n{result.stdout[-3000:]}"
        )
        return result.stdout


def new_run_id() -> str:
    return "tk" + uuid.uuid4().hex[:8]
