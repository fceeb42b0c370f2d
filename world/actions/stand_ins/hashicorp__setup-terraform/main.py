"""Offline hashicorp/setup-terraform (v1-v3 interface): uses the terraform installed here.

Nothing is downloaded: `terraform_version` is checked against the installed binary and a
mismatch fails with what is installed. With `terraform_wrapper` (default true) a wrapper
named `terraform` goes first on PATH; like the real Node wrapper it runs the binary, echoes
its streams and sets the calling step's `stdout`, `stderr` and `exitcode` outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import ActionError, add_path, get_bool, get_input, info, mask, run
from semver_range import parse, satisfies

INSTALL = "install it (https://developer.hashicorp.com/terraform/install) or set KATA_TERRAFORM"
HERE = Path(__file__).resolve().parent


def _binary() -> Path:
    explicit = os.environ.get("KATA_TERRAFORM")
    found = explicit or shutil.which("terraform")
    if not found or not os.access(found, os.X_OK):
        raise ActionError(
            "terraform is not installed on this machine and nothing can be downloaded "
            f"offline: {INSTALL}"
        )
    path = Path(found).resolve()
    if path.name == "terraform" and (path.parent / "terraform-bin").is_file():
        path = path.parent / "terraform-bin"  # a wrapper of an earlier setup-terraform step
    return path


def _installed_version(binary: Path) -> str:
    done = subprocess.run(
        [str(binary), "version", "-json"], capture_output=True, text=True, check=False
    )
    try:
        return str(json.loads(done.stdout)["terraform_version"])
    except (ValueError, KeyError):
        raise ActionError(f"{binary} version -json failed: {done.stderr.strip()[:300]}") from None


def _check_version(binary: Path) -> str:
    installed = _installed_version(binary)
    wanted = get_input("terraform_version", "latest")
    if wanted == "latest":
        return installed
    try:
        ok = satisfies(parse(installed), wanted)
    except ValueError:
        raise ActionError(
            f"Input terraform_version: '{wanted}' is not a version or range"
        ) from None
    if not ok:
        raise ActionError(
            f"Terraform version {wanted} not available offline: this machine has terraform "
            f"{installed} ({binary}) and the stand-in downloads nothing. Use a range it "
            f"satisfies (e.g. '~{installed.rsplit('.', 1)[0]}' or 'latest'), or {INSTALL}"
        )
    return installed


def _credentials() -> None:
    token = get_input("cli_config_credentials_token")
    if not token:
        return
    mask(token)
    host = get_input("cli_config_credentials_hostname", "app.terraform.io")
    rc = Path.home() / ".terraformrc"
    with rc.open("a", encoding="utf-8") as handle:
        handle.write(f'credentials "{host}" {{\n  token = "{token}"\n}}\n')
    info(f"Wrote credentials for {host} to {rc}")


def _install_wrapper(binary: Path) -> Path:
    base = os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()
    folder = Path(tempfile.mkdtemp(prefix="setup-terraform-", dir=base))
    (folder / "terraform-bin").symlink_to(binary)
    source = (HERE / "wrapper.py").read_text(encoding="utf-8")
    script = folder / "terraform"
    script.write_text(f"#!{sys.executable}\n" + source, encoding="utf-8")
    script.chmod(0o755)
    return folder


def main() -> None:
    binary = _binary()
    version = _check_version(binary)
    _credentials()
    if get_bool("terraform_wrapper", True):
        folder = _install_wrapper(binary)
        add_path(str(folder))
        info(f"terraform {version} ({binary}) with the output wrapper at {folder}/terraform")
    else:
        add_path(str(binary.parent))
        info(f"terraform {version} ({binary}), no wrapper")


if __name__ == "__main__":
    run("hashicorp/setup-terraform", main)
