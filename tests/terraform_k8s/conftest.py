"""Fixtures for the kubernetes stand-in: terraform and Docker guards, the test app image, a
cluster stand-in, and the mirror + CLI config + environment terraform runs with."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.terraform import runner
from world.terraform import mirror

TERRAFORM_MISSING = (
    f"terraform is not installed: {runner.INSTALL_HINT}"
    if shutil.which("terraform") is None
    else ""
)
needs_terraform = pytest.mark.skipif(bool(TERRAFORM_MISSING), reason=TERRAFORM_MISSING)


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
