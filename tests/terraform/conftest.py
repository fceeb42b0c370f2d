"""Fixtures for the offline Terraform side: terraform itself, moto in process, the mirror env."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.terraform import runner
from world.aws.emulator import MotoEmulator
from world.terraform.mirror import TerraformEnv

TERRAFORM_MISSING = (
    f"terraform is not installed: {runner.INSTALL_HINT}"
    if shutil.which("terraform") is None
    else ""
)
needs_terraform = pytest.mark.skipif(bool(TERRAFORM_MISSING), reason=TERRAFORM_MISSING)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoEmulator]:
    with MotoEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def tf_env(tmp_path_factory: pytest.TempPathFactory, moto: MotoEmulator) -> TerraformEnv:
    if TERRAFORM_MISSING:
        pytest.skip(TERRAFORM_MISSING)
    return TerraformEnv.prepare(tmp_path_factory.mktemp("tf"), moto.endpoint, offline=True)


@pytest.fixture(scope="session")
def env(tf_env: TerraformEnv) -> dict[str, str]:
    return tf_env.full_env()


def terraform(args: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    """Run terraform and return stdout; fail with its readable stderr otherwise."""
    result = runner.run([*args, "-no-color"], cwd, env, timeout=180)
    assert result.returncode in ok, (
        f"terraform {' '.join(args)} exited {result.returncode}:\n"
        f"{runner.readable(result.stderr)}\n{result.stdout[-2000:]}"
    )
    return result.stdout


def ed25519_public_key() -> str:
    """A fresh OpenSSH ed25519 public key (what the pipeline generates per run)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.generate().public_key()
    raw = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return raw.decode() + " kata@test"
