"""The runner's checks (validate, fmt, plan JSON), refusals, the S3 backend, LocalStack."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from harness.terraform import runner
from harness.terraform.overrides import (
    OVERRIDE_FILE,
    backend_config_args,
    backend_override,
    kata_override,
    provider_override,
)
from world.aws.emulator import LocalStackEmulator, MotoEmulator
from world.terraform.mirror import TerraformEnv

from .conftest import ed25519_public_key, needs_terraform, terraform

ROOT = Path(__file__).resolve().parents[2]
INTERMEDIATE = ROOT / "solutions" / "intermediate" / "terraform"
PROVIDER_ONLY = 'provider "aws" {\n  region = "us-east-1"\n}\n'


def write(directory: Path, text: str, name: str = "main.tf") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory


@needs_terraform
def test_unknown_resource_type_is_named(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, PROVIDER_ONLY + 'resource "aws_eip" "ip" {\n  domain = "vpc"\n}\n')
    ok, diagnostics = runner.validate(tmp_path, env)
    assert not ok
    assert any(
        'does not support resource type "aws_eip"' in d and "offline stand-in" in d
        for d in diagnostics
    ), diagnostics


@needs_terraform
def test_unknown_and_unsupported_arguments_are_named(tmp_path: Path, env: dict[str, str]) -> None:
    write(
        tmp_path,
        PROVIDER_ONLY
        + 'resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n  colour     = "blue"\n}\n'
        + 'resource "aws_vpc" "b" {\n  cidr_block                       = "10.0.0.0/16"\n'
        + "  assign_generated_ipv6_cidr_block = true\n}\n",
    )
    ok, diagnostics = runner.validate(tmp_path, env)
    assert not ok
    text = "\n".join(diagnostics)
    assert 'An argument named "colour" is not expected here. (main.tf:6)' in text
    assert "aws_vpc.assign_generated_ipv6_cidr_block is not supported by the offline" in text


@needs_terraform
def test_ignored_block_is_a_warning(tmp_path: Path, env: dict[str, str]) -> None:
    write(
        tmp_path,
        PROVIDER_ONLY
        + 'resource "aws_instance" "i" {\n  ami           = "ami-1"\n'
        + '  instance_type = "t3.micro"\n  root_block_device {\n    volume_size = 20\n  }\n}\n',
    )
    ok, diagnostics = runner.validate(tmp_path, env)
    assert ok and diagnostics[0].startswith(
        "warning: aws_instance.root_block_device is accepted but ignored offline"
    )


@needs_terraform
def test_bad_hcl_is_reported_readably(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n')
    ok, diagnostics = runner.validate(tmp_path, env)
    assert not ok
    assert "Unclosed configuration block" in diagnostics[0]
    assert "main.tf line 1" in diagnostics[0] and "│" not in diagnostics[0]
    assert not (tmp_path / ".terraform").exists()


@needs_terraform
def test_fmt_check_finds_unformatted_files(tmp_path: Path) -> None:
    write(tmp_path, 'variable "a" {\n  default = 1\n}\n', "good.tf")
    write(tmp_path / "modules", 'variable "b" {\ndefault=2\n}\n', "bad.tf")
    assert runner.fmt_check(tmp_path) == ["modules/bad.tf"]


@needs_terraform
def test_generated_override_files_are_formatted(tmp_path: Path) -> None:
    text = kata_override(
        "http://127.0.0.1:1", "us-east-1", {"bucket": "b", "key": "k", "dynamodb_table": "t"}
    )
    write(tmp_path, text, OVERRIDE_FILE)
    assert runner.fmt_check(tmp_path) == []


@needs_terraform
@pytest.mark.skipif(not INTERMEDIATE.is_dir(), reason=f"{INTERMEDIATE} is not written yet")
def test_plan_json_of_the_intermediate_solution(
    tmp_path: Path, env: dict[str, str], moto: MotoEmulator
) -> None:
    project = tmp_path / "terraform"
    shutil.copytree(INTERMEDIATE, project, ignore=shutil.ignore_patterns(".terraform*"))
    write(project, provider_override(moto.endpoint, moto.region), OVERRIDE_FILE)
    args = ["-var=allowed_ssh_cidr=203.0.113.7/32", f"-var=public_key={ed25519_public_key()}"]
    plan = runner.plan_json(project, env, args)
    resources = {r.address: r for r in runner.planned_resources(plan)}
    assert resources["aws_vpc.main"].values["cidr_block"] == "10.42.0.0/16"
    assert resources["aws_vpc.main"].actions == ("create",)
    ingress = {
        (rule["from_port"], tuple(rule["cidr_blocks"]))
        for rule in resources["aws_security_group.api"].values["ingress"]
    }
    assert ingress == {(22, ("203.0.113.7/32",)), (8000, ("0.0.0.0/0",))}
    assert resources["aws_instance.api"].values["instance_type"] == "t3.micro"
    assert resources["aws_instance.api"].values["tags"] == {"Name": "iris-api-default"}
    ami = resources["data.aws_ami.ubuntu"]
    assert ami.mode == "data" and ami.values["owner_id"] == "099720109477"
    assert ami.values["name"].startswith("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64")
    assert not (project / "zz_kata_plan_override.tf").exists()
    assert moto.resources() == []


PARTIAL_BACKEND = 'terraform {\n  backend "s3" {}\n}\n'


@needs_terraform
@pytest.mark.parametrize(
    ("declared", "locking", "via"),
    [
        (PARTIAL_BACKEND, "dynamodb", "override"),
        ("", "lockfile", "override"),
        (PARTIAL_BACKEND, "lockfile", "TF_CLI_ARGS_init"),
    ],
    ids=["partial-backend+override", "no-backend+override", "partial-backend+cli-args"],
)
def test_s3_backend_workspace_lifecycle(
    tmp_path: Path,
    tf_env: TerraformEnv,
    moto: MotoEmulator,
    declared: str,
    locking: str,
    via: str,
) -> None:
    bucket, key, table = "kata-state", f"{tmp_path.name}/terraform.tfstate", "kata-locks"
    moto.ensure_bucket(bucket)
    moto.ensure_lock_table(table)
    write(tmp_path, declared + 'resource "terraform_data" "marker" {\n  input = "x"\n}\n')
    where = (bucket, key, moto.region, moto.endpoint, table if locking == "dynamodb" else None)
    if via == "override":
        text = backend_override(*where, use_lockfile=locking == "lockfile")
        write(tmp_path, text, OVERRIDE_FILE)
        env = tf_env.full_env()
    else:
        args = backend_config_args(*where, use_lockfile=True)
        env = replace(tf_env, init_args=tuple(args)).full_env()
        assert env["TF_CLI_ARGS_init"].startswith("-upgrade -backend-config=bucket=kata-state ")
    s3 = moto.client("s3")

    def objects() -> list[str]:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix="env:/run-abc/")
        return [o["Key"] for o in listed.get("Contents", [])]

    terraform(["init", "-input=false"], tmp_path, env)
    terraform(["workspace", "new", "run-abc"], tmp_path, env)
    terraform(["apply", "-auto-approve", "-input=false"], tmp_path, env)
    assert objects() == [f"env:/run-abc/{key}"]
    if locking == "dynamodb":
        items = moto.client("dynamodb").scan(TableName=table)["Items"]
        assert f"{bucket}/env:/run-abc/{key}-md5" in {i["LockID"]["S"] for i in items}
    terraform(["destroy", "-auto-approve", "-input=false"], tmp_path, env)
    terraform(["workspace", "select", "default"], tmp_path, env)
    terraform(["workspace", "delete", "run-abc"], tmp_path, env)
    assert objects() == []


LOCALSTACK_REASON = LocalStackEmulator().unavailable_reason()


@pytest.mark.skipif(LOCALSTACK_REASON is not None, reason=f"no LocalStack: {LOCALSTACK_REASON}")
def test_localstack_gives_the_same_interface() -> None:
    with LocalStackEmulator() as localstack:
        assert localstack.endpoint.startswith("http://")
        assert localstack.credentials()["AWS_ACCESS_KEY_ID"] == "test"
        localstack.ensure_bucket("kata-state")
        assert isinstance(localstack.resources(), list)


def test_localstack_reason_is_exact_when_unavailable() -> None:
    if LOCALSTACK_REASON is None:
        pytest.skip("LocalStack is available here")
    assert "KATA_LOCALSTACK_URL" in LOCALSTACK_REASON
