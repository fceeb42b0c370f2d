"""The cloud side of a run: the AWS emulator, Terraform wired to it (offline provider
stand-ins, S3 backend), and EC2 instances as VM stand-in containers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.terraform.overrides import backend_config_args
from world.aws.moto_process import MotoProcessEmulator
from world.terraform.mirror import TerraformEnv, install_k8s_stand_in, write_cli_config
from world.vm.image import ensure_vm_image
from world.vm.manager import VmManager

from .base import Description, Exposure
from .containers import BaseImageService


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
        base: BaseImageService,
        aws: AwsService,
        run_id: str,
        progress: Callable[[str], None],
    ) -> None:
        self.base, self.aws = base, aws
        self.run_id = run_id
        self.progress = progress
        self.image = ""
        self.manager: VmManager | None = None

    def start(self) -> None:
        self.image = ensure_vm_image(base=self.base.name_or_empty, report=self.progress)
        emulator = self.aws.emulator
        creds = emulator.credentials()
        self.manager = VmManager(
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
