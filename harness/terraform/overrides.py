"""tflocal-style override files that point an unmodified project at the AWS emulator.

Terraform merges any `*_override.tf` file into the configuration after the rest, so writing
`kata_override.tf` next to a learner's `*.tf` files redirects the `aws` provider and the
state backend without touching what they wrote. A backend override works both when the
project declares `backend "s3" {}` (partial configuration) and when it declares no backend.
"""

from __future__ import annotations

import json
import os

OVERRIDE_FILE = "kata_override.tf"
ENDPOINT_SERVICES = ("ec2", "s3", "sts", "iam", "dynamodb")


class Raw(str):
    """An HCL expression written as is (not quoted)."""


def _hcl(value: str | bool) -> str:
    if isinstance(value, Raw):
        return str(value)
    return json.dumps(value)  # JSON strings and booleans are valid HCL literals


def _assignments(pairs: dict[str, str | bool], indent: str) -> list[str]:
    """`key = value` lines aligned the way `terraform fmt` aligns them."""
    width = max(len(k) for k in pairs)
    return [f"{indent}{k.ljust(width)} = {_hcl(v)}" for k, v in pairs.items()]


def provider_override(endpoint: str, region: str) -> str:
    """A `provider "aws"` block with every endpoint on the emulator and the checks skipped."""
    settings: dict[str, str | bool] = {
        "region": region,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_requesting_account_id": True,
        "skip_region_validation": True,
        "s3_use_path_style": True,
    }
    endpoints = {service: endpoint for service in ENDPOINT_SERVICES}
    lines = ['provider "aws" {', *_assignments(settings, "  "), "", "  endpoints {"]
    lines += [*_assignments(dict(endpoints), "    "), "  }", "}"]
    return "\n".join(lines) + "\n"


def backend_override(
    bucket: str,
    key: str,
    region: str,
    endpoint: str,
    dynamodb_table: str | None = None,
    *,
    workspace_key_prefix: str = "env:",
    use_lockfile: bool = False,
) -> str:
    """A `terraform { backend "s3" { ... } }` block storing state in the emulator's S3.

    Workspace `W` keeps its state at `<workspace_key_prefix>/W/<key>`; `dynamodb_table` (which
    the caller creates) or `use_lockfile` (S3 conditional writes) turn on state locking.
    """
    settings: dict[str, str | bool] = {
        "bucket": bucket,
        "key": key,
        "region": region,
        "workspace_key_prefix": workspace_key_prefix,
        "use_path_style": True,
        "skip_credentials_validation": True,
        "skip_requesting_account_id": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    }
    if dynamodb_table:
        settings["dynamodb_table"] = dynamodb_table
    if use_lockfile:
        settings["use_lockfile"] = True
    endpoints = {"s3": endpoint, "sts": endpoint, "iam": endpoint}
    if dynamodb_table:
        endpoints["dynamodb"] = endpoint
    settings["endpoints"] = Raw(
        "{ " + ", ".join(f"{k} = {_hcl(v)}" for k, v in endpoints.items()) + " }"
    )
    lines = ["terraform {", '  backend "s3" {', *_assignments(settings, "    "), "  }", "}"]
    return "\n".join(lines) + "\n"


def backend_config_args(
    bucket: str,
    key: str,
    region: str,
    endpoint: str,
    dynamodb_table: str | None = None,
    *,
    workspace_key_prefix: str = "env:",
    use_lockfile: bool = False,
) -> list[str]:
    """The same S3 backend as `-backend-config=...` arguments, for a project that declares
    `backend "s3" {}` (partial configuration) and gets the rest at init time, e.g. through
    `TerraformEnv(init_args=...)`, which puts them in TF_CLI_ARGS_init."""
    settings: dict[str, str] = {
        "bucket": bucket,
        "key": key,
        "region": region,
        "workspace_key_prefix": workspace_key_prefix,
        "use_path_style": "true",
        "skip_credentials_validation": "true",
        "skip_requesting_account_id": "true",
        "skip_metadata_api_check": "true",
        "skip_region_validation": "true",
    }
    endpoints = {"s3": endpoint, "sts": endpoint, "iam": endpoint}
    if dynamodb_table:
        settings["dynamodb_table"] = dynamodb_table
        endpoints["dynamodb"] = endpoint
    if use_lockfile:
        settings["use_lockfile"] = "true"
    settings["endpoints"] = "{" + ",".join(f"{k}={_hcl(v)}" for k, v in endpoints.items()) + "}"
    return [f"-backend-config={k}={v}" for k, v in settings.items()]


def kata_override(endpoint: str, region: str, backend: dict[str, str | None] | None = None) -> str:
    """The whole `kata_override.tf`: provider override, plus a backend override if asked.

    `backend` takes the keyword arguments of `backend_override` other than region/endpoint.
    """
    text = provider_override(endpoint, region)
    if backend is not None:
        bucket, key = backend.get("bucket"), backend.get("key")
        if not bucket or not key:
            raise ValueError("a backend override needs a bucket and a key")
        text += "\n" + backend_override(
            bucket, key, region, endpoint, backend.get("dynamodb_table")
        )
    return text
