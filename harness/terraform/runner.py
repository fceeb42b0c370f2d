"""A thin wrapper around the terraform CLI for the harness's own checks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TERRAFORM_VERSION = "1.11.4"
INSTALL_HINT = (
    "install Terraform: on Debian/Ubuntu add the HashiCorp apt repository "
    "(curl -fsSL https://apt.releases.hashicorp.com/gpg | gpg --dearmor -o "
    '/usr/share/keyrings/hashicorp.gpg; echo "deb [signed-by=/usr/share/keyrings/hashicorp.gpg] '
    'https://apt.releases.hashicorp.com $(lsb_release -cs) main" > '
    "/etc/apt/sources.list.d/hashicorp.list; apt-get update && apt-get install -y terraform), "
    f"or unzip https://releases.hashicorp.com/terraform/{TERRAFORM_VERSION}/"
    f"terraform_{TERRAFORM_VERSION}_linux_amd64.zip into a directory on PATH"
)
BOX_CHARS = re.compile(r"^[\s]*[╷│╵]\s?", re.MULTILINE)


class TerraformError(RuntimeError):
    """terraform is missing, or a command it ran failed in a way the caller cannot use."""


def find_terraform() -> str:
    """The terraform executable ($KATA_TERRAFORM, else PATH), or a TerraformError saying how
    to install it."""
    explicit = os.environ.get("KATA_TERRAFORM")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise TerraformError(f"KATA_TERRAFORM={explicit} is not executable")
        return explicit
    found = shutil.which("terraform")
    if found is None:
        raise TerraformError(f"the `terraform` command is not on PATH; {INSTALL_HINT}")
    return found


def run(
    args: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `terraform ARGS` in `cwd`; a timeout returns exit status 124 instead of raising."""
    command = [find_terraform(), *args]
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        return subprocess.CompletedProcess(
            command, 124, out, f"terraform {' '.join(args)} timed out after {timeout:.0f}s"
        )


def readable(text: str) -> str:
    """Terraform's boxed diagnostics as plain lines."""
    lines = BOX_CHARS.sub("", text).splitlines()
    return "\n".join(line.rstrip() for line in lines if line.strip())


def terraform_version() -> str:
    try:
        result = run(["version", "-json"], Path.cwd(), timeout=30)
        return str(json.loads(result.stdout)["terraform_version"])
    except (TerraformError, ValueError, KeyError):
        return "?"


def fmt_check(directory: Path) -> list[str]:
    """Files (relative to `directory`) that `terraform fmt` would rewrite."""
    result = run(["fmt", "-check", "-list=true", "-recursive", "-no-color"], directory, timeout=60)
    if result.returncode not in (0, 3) or (result.returncode == 3 and not result.stdout.strip()):
        raise TerraformError(f"terraform fmt failed:\n{readable(result.stderr)}")
    return sorted(line.strip() for line in result.stdout.splitlines() if line.strip())


def init(
    directory: Path, env: Mapping[str, str], *, backend: bool = False, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    args = ["init", "-input=false", "-no-color"]
    if not backend:
        args.append("-backend=false")
    return run(args, directory, env, timeout)


def offline_cli_config(env: Mapping[str, str]) -> bool:
    """Whether `env`'s CLI config installs hashicorp/aws from a filesystem mirror."""
    path = env.get("TF_CLI_CONFIG_FILE")
    try:
        return path is not None and "filesystem_mirror" in Path(path).read_text()
    except OSError:
        return False


def format_diagnostic(diag: Mapping[str, Any], *, offline: bool = False) -> str:
    """`error: Summary: detail (main.tf:12)` from a `-json` diagnostic.

    Offline, "does not support resource type" is about the stand-in, not the learner's code,
    so the message says which types the stand-in serves.
    """
    text = f"{diag.get('severity', 'error')}: {diag.get('summary', '')}"
    if diag.get("detail"):
        text += f": {diag['detail']}"
    if offline and "provider hashicorp/aws does not support" in str(diag.get("detail")):
        from world.terraform.aws_provider.catalog import DATA_SOURCE_TYPES, RESOURCE_TYPES

        text += (
            " (the offline stand-in for hashicorp/aws serves only resources "
            f"{', '.join(RESOURCE_TYPES)} and data sources {', '.join(DATA_SOURCE_TYPES)})"
        )
    rng = diag.get("range") or {}
    if rng.get("filename"):
        text += f" ({rng['filename']}:{(rng.get('start') or {}).get('line', '?')})"
    return text


def _with_data_dir(env: Mapping[str, str], data_dir: str) -> dict[str, str]:
    """The env plus a private TF_DATA_DIR, so checks never touch the project's .terraform."""
    return {**env, "TF_DATA_DIR": data_dir}


def validate(directory: Path, env: Mapping[str, str]) -> tuple[bool, list[str]]:
    """`init -backend=false` then `validate -json`: (valid, readable diagnostics)."""
    with tempfile.TemporaryDirectory(prefix="kata-tf-data-") as data_dir:
        return _validate(directory, _with_data_dir(env, data_dir))


def _validate(directory: Path, env: Mapping[str, str]) -> tuple[bool, list[str]]:
    initialised = init(directory, env)
    if initialised.returncode != 0:
        return False, [readable(initialised.stderr) or readable(initialised.stdout)]
    result = run(["validate", "-json", "-no-color"], directory, env, timeout=120)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return False, [readable(result.stderr) or "terraform validate produced no JSON"]
    offline = offline_cli_config(env)
    diagnostics = [format_diagnostic(d, offline=offline) for d in report.get("diagnostics", [])]
    return bool(report.get("valid")), diagnostics


def plan_json(
    directory: Path,
    env: Mapping[str, str],
    var_args: Sequence[str] = (),
    *,
    timeout: float = 300,
) -> dict[str, Any]:
    """init (providers from `env`'s CLI config), `plan -out`, `show -json`: the plan as a dict.

    The plan is made against empty local state in a private TF_DATA_DIR: a backend the
    project (or kata_override.tf) declares is replaced while planning by a lexically-last
    override file, so the plan shows what a first apply would create and no backend is
    touched. The override file is removed afterwards.
    """
    override = directory / "zz_kata_plan_override.tf"
    with tempfile.TemporaryDirectory(prefix="kata-tf-plan-") as tmp:
        state = json.dumps(str(Path(tmp) / "plan.tfstate"))
        override.write_text(f'terraform {{\n  backend "local" {{\n    path = {state}\n  }}\n}}\n')
        env = _with_data_dir(env, str(Path(tmp) / "data"))
        plan_file = str(Path(tmp) / "kata.tfplan")
        try:
            initialised = init(directory, env, backend=True, timeout=timeout)
            if initialised.returncode != 0:
                raise TerraformError(f"terraform init failed:\n{readable(initialised.stderr)}")
            plan = run(
                [
                    "plan",
                    "-input=false",
                    "-no-color",
                    "-lock=false",
                    f"-out={plan_file}",
                    *var_args,
                ],
                directory,
                env,
                timeout,
            )
            if plan.returncode != 0:
                raise TerraformError(f"terraform plan failed:\n{readable(plan.stderr)}")
            shown = run(["show", "-json", "-no-color", plan_file], directory, env, 120)
            if shown.returncode != 0:
                raise TerraformError(f"terraform show failed:\n{readable(shown.stderr)}")
            result: dict[str, Any] = json.loads(shown.stdout)
            return result
        finally:
            override.unlink(missing_ok=True)


@dataclass(frozen=True)
class PlannedResource:
    """One resource in a plan: where it is, what it is, its planned values and actions."""

    address: str
    type: str
    name: str
    values: dict[str, Any]
    mode: str = "managed"
    actions: tuple[str, ...] = field(default_factory=tuple)


def _modules(module: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = [module]
    for child in module.get("child_modules") or []:
        found += _modules(child)
    return found


def planned_resources(plan: Mapping[str, Any]) -> list[PlannedResource]:
    """Every resource in `planned_values`, in every module, plus the data sources that were
    read while planning (those appear only in `prior_state`)."""
    actions = {
        rc["address"]: tuple(rc.get("change", {}).get("actions") or [])
        for rc in plan.get("resource_changes") or []
    }
    found: dict[str, PlannedResource] = {}
    for section in ("prior_state", "planned_values"):
        values = plan.get(section) or {}
        root = (values.get("values") if section == "prior_state" else values) or {}
        for module in _modules(root.get("root_module") or {}):
            for r in module.get("resources") or []:
                if section == "prior_state" and r.get("mode") != "data":
                    continue
                found[r["address"]] = PlannedResource(
                    address=r["address"],
                    type=r["type"],
                    name=r["name"],
                    values=dict(r.get("values") or {}),
                    mode=r.get("mode", "managed"),
                    actions=actions.get(r["address"], ()),
                )
    return list(found.values())
