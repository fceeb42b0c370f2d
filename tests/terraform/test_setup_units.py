"""Mirror layout, CLI config, env, overrides, the runner's parsers and emulator selection."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.terraform import overrides, runner
from world.aws.emulator import LocalStackEmulator, MotoEmulator, emulator_from_name
from world.terraform import mirror
from world.terraform.mirror import TerraformEnv


def test_stand_in_is_installed_in_the_filesystem_mirror_layout(tmp_path: Path) -> None:
    mirror.install_stand_in(tmp_path, "5.99.0")
    launcher = (
        tmp_path
        / "registry.terraform.io/hashicorp/aws/5.99.0"
        / mirror.terraform_platform()
        / "terraform-provider-aws_v5.99.0"
    )
    assert launcher.is_file() and os.access(launcher, os.X_OK)
    text = launcher.read_text()
    assert text.startswith("#!/bin/sh\n")
    assert f'exec "{sys.executable}" -m world.terraform.aws_provider "$@"' in text


def test_launcher_starts_the_plugin_handshake(tmp_path: Path) -> None:
    mirror.install_stand_in(tmp_path)
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(mirror.launcher_path(tmp_path))],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the provider printed no go-plugin handshake within 15 s"
        line = proc.stdout.readline()
        assert re.match(r"1\|6\|unix\|[^|]+\|grpc\|", line), line
        assert time.monotonic() - started < 5, "provider start-up is too slow"
    finally:
        proc.kill()
        proc.wait()


def test_cli_config_offline_uses_only_the_mirror_for_aws(tmp_path: Path) -> None:
    path = mirror.write_cli_config(tmp_path / "tf.rc", tmp_path / "m", offline=True)
    text = path.read_text()
    assert "filesystem_mirror" in text and f'path    = "{tmp_path / "m"}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text
    assert "disable_checkpoint = true" in text
    online = mirror.write_cli_config(tmp_path / "on.rc", tmp_path / "m", offline=False).read_text()
    assert "provider_installation" not in online


def test_registry_probe_fails_fast_when_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mirror, "REGISTRY_PROBE", "http://127.0.0.1:9/.well-known/terraform.json")
    started = time.monotonic()
    assert mirror.registry_reachable(timeout=1) is False
    assert time.monotonic() - started < 3


def test_terraform_env_and_banner(tmp_path: Path) -> None:
    env = TerraformEnv(
        cli_config=tmp_path / "tf.rc",
        endpoint="http://127.0.0.1:4566",
        terraform_version="1.11.4",
        plugin_cache_dir=tmp_path / "cache",
    )
    values = env.env()
    assert values["TF_CLI_CONFIG_FILE"] == str(tmp_path / "tf.rc")
    assert (values["TF_IN_AUTOMATION"], values["TF_INPUT"]) == ("1", "0")
    assert values["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert values["AWS_REGION"] == values["AWS_DEFAULT_REGION"] == "us-east-1"
    assert values["AWS_ACCESS_KEY_ID"] == values["AWS_SECRET_ACCESS_KEY"] == "test"
    assert values["TF_PLUGIN_CACHE_DIR"] == str(tmp_path / "cache")
    assert values["TF_CLI_ARGS_init"] == "-upgrade"
    full = env.full_env({"PATH": "/bin", "AWS_PROFILE": "prod"})
    assert full["PATH"] == "/bin" and "AWS_PROFILE" not in full
    assert env.describe() == (
        "terraform 1.11.4; hashicorp/aws: offline stand-in 5.99.0 (harness) "
        "against moto at http://127.0.0.1:4566"
    )


def test_provider_override_points_every_service_at_the_emulator() -> None:
    text = overrides.provider_override("http://127.0.0.1:5000", "eu-west-1")
    assert text.startswith('provider "aws" {')
    for service in ("ec2", "s3", "sts", "iam", "dynamodb"):
        assert re.search(rf'\n    {service}\s+= "http://127.0.0.1:5000"', text)
    for flag in ("skip_credentials_validation", "skip_requesting_account_id", "s3_use_path_style"):
        assert re.search(rf"{flag}\s+= true", text)
    assert 'region                      = "eu-west-1"' in text


def test_backend_override_is_an_s3_backend_in_the_emulator() -> None:
    text = overrides.backend_override(
        "b", "k/terraform.tfstate", "us-east-1", "http://e:1", "locks"
    )
    assert 'backend "s3" {' in text
    assert re.search(r'workspace_key_prefix\s+= "env:"', text)
    assert re.search(r"use_path_style\s+= true", text)
    assert re.search(r'dynamodb_table\s+= "locks"', text)
    assert 'endpoints                   = { s3 = "http://e:1"' in text
    assert "dynamodb" not in overrides.backend_override("b", "k", "us-east-1", "http://e:1")
    lockfile = overrides.backend_override("b", "k", "us-east-1", "http://e:1", use_lockfile=True)
    assert re.search(r"use_lockfile\s+= true", lockfile)


def test_planned_resources_walks_every_module() -> None:
    vpc = {"address": "aws_vpc.main", "type": "aws_vpc", "name": "main", "mode": "managed"}
    instance = {"address": "module.web.aws_instance.api", "type": "aws_instance", "name": "api"}
    ami = {"address": "data.aws_ami.u", "type": "aws_ami", "name": "u", "mode": "data"}
    plan = {
        "planned_values": {
            "root_module": {
                "resources": [vpc | {"values": {"cidr_block": "10.0.0.0/16"}}],
                "child_modules": [{"resources": [instance | {"values": {}}]}],
            }
        },
        "prior_state": {"values": {"root_module": {"resources": [ami | {"values": {}}]}}},
        "resource_changes": [{"address": "aws_vpc.main", "change": {"actions": ["create"]}}],
    }
    found = sorted(runner.planned_resources(plan), key=lambda r: r.address != "aws_vpc.main")
    assert [(r.address, r.type, r.name) for r in found] == [
        ("aws_vpc.main", "aws_vpc", "main"),
        ("data.aws_ami.u", "aws_ami", "u"),
        ("module.web.aws_instance.api", "aws_instance", "api"),
    ]
    assert found[0].values["cidr_block"] == "10.0.0.0/16" and found[0].actions == ("create",)


def test_diagnostics_read_as_one_line() -> None:
    diag = {
        "severity": "error",
        "summary": "Invalid resource type",
        "detail": 'The provider hashicorp/aws does not support resource type "aws_eip".',
        "range": {"filename": "main.tf", "start": {"line": 3}},
    }
    text = runner.format_diagnostic(diag, offline=True)
    assert text.startswith("error: Invalid resource type: The provider hashicorp/aws does not")
    assert "(main.tf:3)" in text and "offline stand-in" in text and "aws_instance" in text
    assert "offline" not in runner.format_diagnostic(diag)


def test_missing_terraform_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KATA_TERRAFORM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(runner.TerraformError) as failure:
        runner.find_terraform()
    assert "apt.releases.hashicorp.com" in str(failure.value)
    assert "releases.hashicorp.com/terraform/" in str(failure.value)


def test_emulators_by_name() -> None:
    assert isinstance(emulator_from_name("moto"), MotoEmulator)
    assert isinstance(emulator_from_name(" LocalStack "), LocalStackEmulator)
    with pytest.raises(ValueError, match="choose one of"):
        emulator_from_name("azurite")
