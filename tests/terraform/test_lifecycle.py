"""Real terraform against moto through the stand-in: apply, no-op plan, updates, drift, destroy.

One project goes through its whole life in this module; the tests run in file order and
each leaves it applied for the next (the last one destroys it).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.terraform.overrides import OVERRIDE_FILE, provider_override
from world.aws.emulator import MotoEmulator
from world.vm.addressing import vm_address

from .conftest import ed25519_public_key, needs_terraform, terraform

pytestmark = needs_terraform

MAIN_TF = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { Run = var.run }
  }
}

variable "run" {
  type = string
}

variable "public_key" {
  type = string
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"]
  }
}

resource "aws_vpc" "main" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "kata" }
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.42.1.0/24"
  availability_zone       = data.aws_availability_zones.available.names[0]
  map_public_ip_on_launch = true
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "api" {
  name   = "kata-api"
  vpc_id = aws_vpc.main.id

  ingress {
    description = "SSH from the runner"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.7/32"]
  }

  ingress {
    from_port   = 8000
    to_port     = 8000
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "extra" {
  name_prefix = "kata-extra-"
  description = "rules as separate resources"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "metrics" {
  security_group_id = aws_security_group.extra.id
  cidr_ipv4         = "10.0.0.0/8"
  from_port         = 9100
  to_port           = 9100
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.extra.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_key_pair" "deploy" {
  key_name   = "kata-${var.run}"
  public_key = var.public_key
}

resource "aws_instance" "api" {
  ami                         = data.aws_ami.ubuntu.id
  instance_type               = var.instance_type
  subnet_id                   = aws_subnet.public.id
  vpc_security_group_ids      = [aws_security_group.api.id, aws_security_group.extra.id]
  key_name                    = aws_key_pair.deploy.key_name
  associate_public_ip_address = true
  user_data                   = "#!/bin/sh\\necho ready\\n"
  tags                        = { Name = "kata-api" }
}

output "instance_id" {
  value = aws_instance.api.id
}

output "public_ip" {
  value = aws_instance.api.public_ip
}

output "public_dns" {
  value = aws_instance.api.public_dns
}

output "ami" {
  value = data.aws_ami.ubuntu.name
}
"""
TYPES = {
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route_table",
    "aws_route_table_association",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_key_pair",
    "aws_instance",
}


@dataclass
class Project:
    root: Path
    env: dict[str, str]
    moto: MotoEmulator
    run: str
    public_key: str
    instance_type: str = "t3.micro"

    def vars(self) -> list[str]:
        return [
            f"-var=run={self.run}",
            f"-var=public_key={self.public_key}",
            f"-var=instance_type={self.instance_type}",
        ]

    def tf(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        return terraform(list(args), self.root, self.env, ok)

    def apply(self) -> None:
        self.tf("apply", "-auto-approve", "-input=false", *self.vars())

    def plan_actions(self) -> dict[str, list[str]]:
        """address -> planned actions, for every resource that would change."""
        self.tf("plan", "-input=false", "-out=tfplan", *self.vars())
        plan = json.loads(self.tf("show", "-json", "tfplan"))
        return {
            rc["address"]: rc["change"]["actions"]
            for rc in plan.get("resource_changes", [])
            if rc["change"]["actions"] != ["no-op"] and rc["mode"] == "managed"
        }

    def state(self, address: str) -> dict[str, object]:
        found = json.loads(self.tf("show", "-json"))["values"]["root_module"]["resources"]
        return next(dict(r["values"]) for r in found if r["address"] == address)

    def outputs(self) -> dict[str, str]:
        return {k: v["value"] for k, v in json.loads(self.tf("output", "-json")).items()}


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str], moto: MotoEmulator
) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("lifecycle")
    (root / "main.tf").write_text(MAIN_TF)
    (root / OVERRIDE_FILE).write_text(provider_override(moto.endpoint, moto.region))
    proj = Project(root, env, moto, f"t{uuid.uuid4().hex[:8]}", ed25519_public_key())
    proj.tf("init", "-input=false")
    proj.apply()
    yield proj
    proj.tf("destroy", "-auto-approve", "-input=false", *proj.vars(), ok=(0, 1))


def test_apply_creates_every_resource_type(project: Project) -> None:
    listed = project.tf("state", "list").split()
    assert {address.split(".")[0] for address in listed if "." in address} >= TYPES
    left = project.moto.resources({"Run": project.run})
    kinds = sorted(item.split("/")[0] for item in left)
    assert kinds == [
        "instance",
        "internet-gateway",
        "key-pair",
        "route-table",
        "security-group",
        "security-group",
        "subnet",
        "vpc",
    ]
    assert project.outputs()["ami"].startswith("ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64")


def test_public_ip_is_the_vm_stand_in_address(project: Project) -> None:
    out = project.outputs()
    address = vm_address(out["instance_id"])
    assert out["public_ip"] == address
    assert out["public_dns"] == f"ec2-{address.replace('.', '-')}.compute.local"
    instance = project.state("aws_instance.api")
    assert instance["instance_state"] == "running"
    assert str(instance["private_ip"]).startswith("10.42.1.")


def test_plan_after_apply_has_no_changes(project: Project) -> None:
    project.tf("plan", "-detailed-exitcode", "-input=false", *project.vars())


def test_in_place_updates_keep_the_resources(project: Project) -> None:
    before = project.state("aws_instance.api")["id"]
    text = (project.root / "main.tf").read_text()
    text = text.replace('tags                 = { Name = "kata" }', 'tags = { Name = "kata-2" }')
    text = text.replace('cidr_blocks = ["203.0.113.7/32"]', 'cidr_blocks = ["203.0.113.8/32"]')
    text = text.replace("from_port         = 9100", "from_port         = 9000")
    (project.root / "main.tf").write_text(text)
    project.instance_type = "t3.small"
    assert project.plan_actions() == {
        "aws_vpc.main": ["update"],
        "aws_security_group.api": ["update"],
        "aws_vpc_security_group_ingress_rule.metrics": ["update"],
        "aws_instance.api": ["update"],
    }
    project.apply()
    instance = project.state("aws_instance.api")
    assert instance["id"] == before and instance["instance_type"] == "t3.small"
    assert project.state("aws_vpc.main")["tags_all"] == {"Name": "kata-2", "Run": project.run}
    project.tf("plan", "-detailed-exitcode", "-input=false", *project.vars())


def test_force_new_arguments_replace(project: Project) -> None:
    main = project.root / "main.tf"
    original = main.read_text()
    try:
        main.write_text(original.replace('"10.42.0.0/16"', '"10.43.0.0/16"'))
        actions = project.plan_actions()
        assert actions["aws_vpc.main"] == ["delete", "create"]
        assert actions["aws_subnet.public"] == ["delete", "create"]
        assert actions["aws_instance.api"] == ["delete", "create"]
    finally:
        main.write_text(original)
    project.public_key, key = ed25519_public_key(), project.public_key
    try:
        assert project.plan_actions()["aws_key_pair.deploy"] == ["delete", "create"]
    finally:
        project.public_key = key


def test_instance_deleted_outside_terraform_is_recreated(project: Project) -> None:
    old = project.outputs()["instance_id"]
    project.moto.client("ec2").terminate_instances(InstanceIds=[old])
    assert project.plan_actions() == {"aws_instance.api": ["create"]}
    project.apply()
    new = project.outputs()["instance_id"]
    assert new != old and project.outputs()["public_ip"] == vm_address(new)
    project.tf("plan", "-detailed-exitcode", "-input=false", *project.vars())


def test_destroy_leaves_nothing_behind(project: Project) -> None:
    project.tf("destroy", "-auto-approve", "-input=false", *project.vars())
    assert project.moto.resources({"Run": project.run}) == []
    assert project.moto.resources() == []
