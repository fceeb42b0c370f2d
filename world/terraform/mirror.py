"""Provider installation: the stand-in in a filesystem mirror, the CLI config, the process env.

Offline (no registry): Terraform finds `registry.terraform.io/hashicorp/aws` in a filesystem
mirror holding a launcher for `world.terraform.aws_provider`, and is told never to go to
the registry for it. `install_k8s_stand_in` adds `registry.terraform.io/hashicorp/kubernetes`
(`world.terraform.k8s_provider`) to the same mirror; the CLI config then names both.
Online: no mirror, normal registry installation of the real provider.
Either way the configuration itself is untouched; the emulator endpoints come from the
override file (`harness.terraform.overrides`) and the environment built here.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import harness

PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
STAND_IN_VERSION = "5.99.0"
K8S_PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/kubernetes"
K8S_STAND_IN_VERSION = "2.99.0"  # satisfies "~> 2.30"
REGISTRY_PROBE = "https://registry.terraform.io/.well-known/terraform.json"
PACKAGE_ROOT = Path(harness.__file__).resolve().parent.parent  # the dir that holds `harness`


def terraform_platform() -> str:
    """Terraform's name for this OS/arch, e.g. linux_amd64."""
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
    machine = platform.machine().lower()
    return f"{sys.platform.replace('linux2', 'linux')}_{arch.get(machine, machine)}"


def launcher_path(mirror_dir: Path, version: str = STAND_IN_VERSION) -> Path:
    target = mirror_dir / PROVIDER_ADDRESS / version / terraform_platform()
    return target / f"terraform-provider-aws_v{version}"


def launcher_script(
    python: str = sys.executable,
    root: Path = PACKAGE_ROOT,
    *,
    provider: str = "aws",
    module: str = "world.terraform.aws_provider",
) -> str:
    """A POSIX sh launcher running the stand-in with the harness's own interpreter."""
    return (
        "#!/bin/sh\n"
        f"# Offline stand-in for hashicorp/{provider}, written by world.terraform.mirror.\n"
        f'PYTHONPATH="{root}${{PYTHONPATH:+:$PYTHONPATH}}" '
        f'exec "{python}" -m {module} "$@"\n'
    )


def install_stand_in(mirror_dir: Path, version: str = STAND_IN_VERSION) -> None:
    """Write the launcher into `mirror_dir` in Terraform's unpacked filesystem-mirror layout."""
    path = launcher_path(mirror_dir, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(launcher_script())
    path.chmod(0o755)


def k8s_launcher_path(mirror_dir: Path, version: str = K8S_STAND_IN_VERSION) -> Path:
    target = mirror_dir / K8S_PROVIDER_ADDRESS / version / terraform_platform()
    return target / f"terraform-provider-kubernetes_v{version}"


def install_k8s_stand_in(mirror_dir: Path, version: str = K8S_STAND_IN_VERSION) -> None:
    """Add the hashicorp/kubernetes stand-in to the mirror (beside the aws one); a CLI config
    written afterwards for this mirror includes it."""
    path = k8s_launcher_path(mirror_dir, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(launcher_script(provider="kubernetes", module="world.terraform.k8s_provider"))
    path.chmod(0o755)


def k8s_stand_in_installed(mirror_dir: Path) -> bool:
    """Whether `mirror_dir` holds a hashicorp/kubernetes stand-in (any version)."""
    return any((mirror_dir / K8S_PROVIDER_ADDRESS).glob("*/*/terraform-provider-kubernetes_v*"))


def mirrored_providers(mirror_dir: Path) -> list[str]:
    """The provider addresses an offline CLI config takes from `mirror_dir`."""
    found = [PROVIDER_ADDRESS]
    if k8s_stand_in_installed(mirror_dir):
        found.append(K8S_PROVIDER_ADDRESS)
    return found


def kubernetes_env(kubeconfig: Path) -> dict[str, str]:
    """What the kubernetes provider (real or stand-in) reads to find the cluster."""
    return {"KUBE_CONFIG_PATH": str(kubeconfig)}


def write_cli_config(
    path: Path, mirror_dir: Path, *, offline: bool, plugin_cache_dir: Path | None = None
) -> Path:
    """Write a Terraform CLI config: the mirror for hashicorp/aws when offline (and for
    hashicorp/kubernetes when its stand-in is installed there)."""
    lines = [
        "# Terraform CLI config written by world.terraform.mirror",
        "disable_checkpoint = true",
    ]
    if plugin_cache_dir is not None:
        lines.append(f"plugin_cache_dir = {json.dumps(str(plugin_cache_dir))}")
    if offline:
        addresses = ", ".join(json.dumps(a) for a in mirrored_providers(mirror_dir))
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f"    path    = {json.dumps(str(mirror_dir.resolve()))}",
            f"    include = [{addresses}]",
            "  }",
            "  direct {",
            f"    exclude = [{addresses}]",
            "  }",
            "}",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def registry_reachable(timeout: float = 3) -> bool:
    """Whether the public Terraform registry answers its service discovery document."""
    try:
        with urllib.request.urlopen(REGISTRY_PROBE, timeout=timeout) as response:
            return response.status == 200 and "providers.v1" in json.loads(response.read())
    except (OSError, ValueError):
        return False


@dataclass
class TerraformEnv:
    """Everything a terraform process needs to run a kata project against the emulator."""

    cli_config: Path
    endpoint: str
    region: str = "us-east-1"
    access_key: str = "test"
    secret_key: str = "test"
    offline: bool = True
    stand_in_version: str = STAND_IN_VERSION
    plugin_cache_dir: Path | None = None
    terraform_version: str = "?"
    emulator_name: str = "moto"
    upgrade_on_init: bool = True
    init_args: tuple[str, ...] = ()

    @classmethod
    def prepare(
        cls,
        workdir: Path,
        endpoint: str,
        region: str = "us-east-1",
        *,
        offline: bool | None = None,
        emulator_name: str = "moto",
        credentials: dict[str, str] | None = None,
    ) -> TerraformEnv:
        """Mirror + CLI config under `workdir`; `offline=None` means "offline unless the
        registry answers"."""
        from harness.terraform.runner import terraform_version

        if offline is None:
            offline = not registry_reachable()
        mirror = workdir / "mirror"
        if offline:
            install_stand_in(mirror)
        creds = credentials or {}
        return cls(
            cli_config=write_cli_config(workdir / "terraform.rc", mirror, offline=offline),
            endpoint=endpoint,
            region=region,
            access_key=creds.get("AWS_ACCESS_KEY_ID", "test"),
            secret_key=creds.get("AWS_SECRET_ACCESS_KEY", "test"),
            offline=offline,
            terraform_version=terraform_version(),
            emulator_name=emulator_name,
        )

    def env(self) -> dict[str, str]:
        """The variables to add to a terraform process's environment."""
        env = {
            "TF_CLI_CONFIG_FILE": str(self.cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if self.plugin_cache_dir is not None:
            env["TF_PLUGIN_CACHE_DIR"] = str(self.plugin_cache_dir)
        init_args = list(self.init_args)
        if self.offline and self.upgrade_on_init:
            # A committed .terraform.lock.hcl pins the real provider's version and hashes,
            # which the stand-in cannot match; -upgrade lets every `terraform init` (the
            # learner's workflow included) re-select and re-record the stand-in instead.
            init_args.insert(0, "-upgrade")
        if init_args:
            env["TF_CLI_ARGS_init"] = shlex.join(init_args)
        return env

    def full_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with `env()` on top."""
        merged = dict(os.environ if base is None else base)
        merged.pop("AWS_PROFILE", None)
        merged.update(self.env())
        return merged

    def describe(self) -> str:
        """One-line banner for reports."""
        if self.offline:
            provider = f"offline stand-in {self.stand_in_version} (harness)"
        else:
            provider = "real provider from registry.terraform.io"
        return (
            f"terraform {self.terraform_version}; hashicorp/aws: {provider} "
            f"against {self.emulator_name} at {self.endpoint}"
        )
