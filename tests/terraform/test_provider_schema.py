"""The stand-in provider without Terraform: schemas, settings, planning, rule normalisation."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

from world.terraform.aws_provider import catalog, compute, security, sets
from world.terraform.aws_provider.config import AwsProvider, Settings, SettingsError
from world.terraform.aws_provider.data_sources import DATA_SOURCES
from world.terraform.aws_provider.plugin import KataServicer
from world.terraform.aws_provider.resources import RESOURCES
from world.vm import addressing

SCHEMAS = {f"aws_{r.name}": r.schema for r in (*RESOURCES, *DATA_SOURCES)}


def flags(type_name: str, attr: str) -> str:
    """required | optional | computed | optional+computed, plus +replace."""
    found = {a.name: a for a in SCHEMAS[type_name].attributes}
    assert attr in found, f"{type_name} has no attribute {attr}"
    a = found[attr]
    kind = "+".join(k for k in ("required", "optional", "computed") if getattr(a, k))
    return kind + ("+replace" if a.requires_replace else "")


EXPECTED = {
    "aws_vpc": {
        "cidr_block": "optional+computed+replace",
        "enable_dns_support": "optional+computed",
        "enable_dns_hostnames": "optional+computed",
        "instance_tenancy": "optional+computed+replace",
        "tags": "optional",
        "tags_all": "computed",
        "id": "computed",
        "arn": "computed",
        "default_security_group_id": "computed",
        "main_route_table_id": "computed",
        "owner_id": "computed",
    },
    "aws_subnet": {
        "vpc_id": "required+replace",
        "cidr_block": "optional+replace",
        "availability_zone": "optional+computed+replace",
        "map_public_ip_on_launch": "optional+computed",
        "tags": "optional",
    },
    "aws_internet_gateway": {"vpc_id": "optional", "tags": "optional", "arn": "computed"},
    "aws_route_table": {"vpc_id": "required+replace", "route": "optional+computed"},
    "aws_route_table_association": {
        "subnet_id": "optional+replace",
        "gateway_id": "optional+replace",
        "route_table_id": "required",
    },
    "aws_security_group": {
        "name": "optional+computed+replace",
        "name_prefix": "optional+computed+replace",
        "description": "optional+computed+replace",
        "vpc_id": "optional+computed+replace",
        "ingress": "optional+computed",
        "egress": "optional+computed",
        "revoke_rules_on_delete": "optional+computed",
        "tags": "optional",
    },
    "aws_vpc_security_group_ingress_rule": {
        "security_group_id": "required+replace",
        "cidr_ipv4": "optional",
        "from_port": "optional",
        "to_port": "optional",
        "ip_protocol": "required",
        "description": "optional",
        "security_group_rule_id": "computed",
    },
    "aws_key_pair": {
        "key_name": "optional+computed+replace",
        "key_name_prefix": "optional+computed+replace",
        "public_key": "required+replace",
        "fingerprint": "computed",
        "key_pair_id": "computed",
        "arn": "computed",
    },
    "aws_instance": {
        "ami": "optional+computed+replace",
        "instance_type": "optional+computed",
        "subnet_id": "optional+computed+replace",
        "vpc_security_group_ids": "optional+computed",
        "key_name": "optional+computed+replace",
        "associate_public_ip_address": "optional+computed+replace",
        "user_data": "optional+computed",
        "user_data_replace_on_change": "optional+computed",
        "public_ip": "computed",
        "private_ip": "optional+computed+replace",
        "public_dns": "computed",
        "private_dns": "computed",
        "instance_state": "computed",
        "availability_zone": "optional+computed+replace",
    },
    "aws_ami": {"most_recent": "optional", "owners": "optional", "id": "computed"},
    "aws_availability_zones": {"names": "computed", "state": "optional"},
}


@pytest.mark.parametrize("type_name", sorted(EXPECTED))
def test_attribute_flags_match_the_real_provider(type_name: str) -> None:
    for attr, expected in EXPECTED[type_name].items():
        assert flags(type_name, attr) == expected, f"{type_name}.{attr}"


def test_types_of_nested_values() -> None:
    rule = {a.name: a for a in SCHEMAS["aws_security_group"].attributes}["ingress"]
    assert rule.type.tf_type() == (
        b'["set",["object",{"cidr_blocks":["list","string"],"description":"string",'
        b'"from_port":"number","ipv6_cidr_blocks":["list","string"],'
        b'"prefix_list_ids":["list","string"],"protocol":"string",'
        b'"security_groups":["set","string"],"self":"bool","to_port":"number"}]]'
    )
    blocks = {b.type_name: b for b in SCHEMAS["aws_instance"].block_types}
    root = blocks["root_block_device"].to_pb()
    assert root.nesting == pb.Schema.NestedBlock.NestingMode.LIST and root.max_items == 1
    assert {b.type_name for b in SCHEMAS["aws_ami"].block_types} == {"filter"}


def test_catalog_names_every_type_served() -> None:
    assert tuple(f"aws_{r.name}" for r in RESOURCES) == catalog.RESOURCE_TYPES
    assert tuple(f"aws_{d.name}" for d in DATA_SOURCES) == catalog.DATA_SOURCE_TYPES


def test_every_schema_serialises_for_terraform() -> None:
    provider = AwsProvider()
    servicer = KataServicer(provider)
    response = servicer.GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert set(response.resource_schemas) == set(catalog.RESOURCE_TYPES)
    assert set(response.data_source_schemas) == set(catalog.DATA_SOURCE_TYPES)
    config = {a.name for a in response.provider.block.attributes}
    assert {"region", "access_key", "secret_key", "token", "profile"} <= config
    assert {"skip_credentials_validation", "skip_requesting_account_id", "s3_use_path_style"} <= (
        config
    )
    blocks = {b.type_name: b for b in response.provider.block.block_types}
    endpoints = {a.name for a in blocks["endpoints"].block.attributes}
    assert {"ec2", "s3", "sts", "iam", "dynamodb"} <= endpoints
    assert {a.name for a in blocks["default_tags"].block.attributes} == {"tags"}


def test_provider_imports_stay_lean() -> None:
    code = (
        "import sys, world.terraform.aws_provider.plugin as p, "
        "world.terraform.aws_provider.resources as r;"
        "print(sorted(m for m in ('botocore', 'boto3', 'moto') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_ip_uses_the_vm_address_function() -> None:
    assert vars(compute)["vm_address"] is addressing.vm_address
    assert compute.public_dns("127.64.1.2") == "ec2-127-64-1-2.compute.local"
    assert compute.public_dns("") == ""


# -- settings --


def test_settings_prefer_the_provider_block_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "env-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:2")
    s = Settings.resolve({"access_key": "cfg-key", "default_tags": [{"tags": {"A": "1"}}]})
    assert (s.region, s.access_key, s.secret_key) == ("eu-west-1", "cfg-key", "env-secret")
    assert s.endpoints["ec2"] == "http://127.0.0.1:2"
    assert s.endpoints["s3"] == "http://127.0.0.1:1"
    assert s.default_tags == {"A": "1"}
    s = Settings.resolve({"region": "us-east-2", "endpoints": [{"ec2": "http://x:3"}]})
    assert (s.region, s.endpoints["ec2"]) == ("us-east-2", "http://x:3")


def test_settings_refuse_to_run_without_an_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SettingsError, match="no EC2 endpoint"):
        Settings.resolve({"region": "us-east-1", "access_key": "a", "secret_key": "b"})
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    with pytest.raises(SettingsError, match="no valid credential sources"):
        Settings.resolve({"region": "us-east-1"})


def test_region_validation_can_be_skipped() -> None:
    settings = Settings("moon-base", "a", "b", None, {"ec2": "http://x"})
    with pytest.raises(SettingsError, match="invalid AWS Region"):
        settings.check_region()
    settings.skip_region_validation = True
    settings.check_region()


# -- planning through the servicer --


def blank(type_name: str, **values: Any) -> dict[str, Any]:
    schema = SCHEMAS[type_name]
    state: dict[str, Any] = {a.name: None for a in schema.attributes}
    state.update({b.type_name: [] for b in schema.block_types})
    state.update(values)
    return state


def plan(type_name: str, prior: dict[str, Any] | None, config: dict[str, Any]) -> Any:
    provider = AwsProvider()
    provider.settings = Settings("us-east-1", "a", "b", None, {"ec2": "http://x"}, {"Team": "k"})
    proposed = dict(config)
    if prior is not None:  # what Terraform proposes: config, prior values for null computed
        computed = {a.name for a in SCHEMAS[type_name].attributes if a.computed}
        proposed = {k: prior[k] if v is None and k in computed else v for k, v in config.items()}
    request = pb.PlanResourceChange.Request(
        type_name=type_name,
        prior_state=to_dynamic_value(prior),
        proposed_new_state=to_dynamic_value(proposed),
        config=to_dynamic_value(config),
    )
    response = KataServicer(provider).PlanResourceChange(request, None)
    assert not [d.summary for d in response.diagnostics]
    replace = [step.attribute_name for p in response.requires_replace for step in p.steps]
    return read_dynamic_value(response.planned_state), replace


def test_create_plan_fills_defaults_and_tags_all() -> None:
    planned, _ = plan("aws_vpc", None, blank("aws_vpc", cidr_block="10.0.0.0/16", tags={"N": "v"}))
    assert planned["id"] is Unknown and planned["arn"] is Unknown
    assert planned["enable_dns_support"] is True and planned["enable_dns_hostnames"] is False
    assert planned["instance_tenancy"] == "default"
    assert planned["tags_all"] == {"Team": "k", "N": "v"}


def test_update_plan_replaces_only_where_the_real_provider_does() -> None:
    prior = blank(
        "aws_vpc",
        id="vpc-1",
        cidr_block="10.0.0.0/16",
        instance_tenancy="default",
        enable_dns_support=True,
        enable_dns_hostnames=False,
        tags={"N": "v"},
        tags_all={"Team": "k", "N": "v"},
    )
    config = blank("aws_vpc", cidr_block="10.0.0.0/16", tags={"N": "w"})
    planned, replace = plan("aws_vpc", prior, config)
    assert replace == [] and planned["tags_all"] == {"Team": "k", "N": "w"}
    _, replace = plan("aws_vpc", prior, config | {"cidr_block": "10.1.0.0/16"})
    assert replace == ["cidr_block"]


def test_instance_user_data_replaces_only_when_asked() -> None:
    prior = blank(
        "aws_instance",
        id="i-1",
        ami="ami-1",
        instance_type="t3.micro",
        user_data="a",
        user_data_replace_on_change=False,
    )
    config = blank("aws_instance", ami="ami-1", instance_type="t3.small", user_data="b")
    _, replace = plan("aws_instance", prior, config)
    assert replace == []
    _, replace = plan("aws_instance", prior, config | {"user_data_replace_on_change": True})
    assert replace == ["user_data"]


# -- keeping rule sets stable --


def test_rules_compare_as_atoms() -> None:
    rule = {
        "protocol": "6",
        "from_port": 22,
        "to_port": 22,
        "cidr_blocks": ["10.0.0.0/8", "192.168.0.0/16"],
        "self": True,
        "description": None,
    }
    atoms = security.rule_atoms(rule, "sg-own")
    assert len(atoms) == 3 and {a[0] for a in atoms} == {"tcp"}
    perms = security.atoms_to_permissions(atoms)
    assert security.permission_atoms(perms) == atoms
    everything = {"protocol": "all", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}
    assert security.atoms_to_permissions(security.rule_atoms(everything, "sg")) == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ]


def test_read_back_rules_keep_the_configured_representation() -> None:
    configured = {k: None for k in security.RULE.fields} | {
        "protocol": "tcp",
        "from_port": 8000,
        "to_port": 8000,
        "cidr_blocks": ["0.0.0.0/0"],
    }
    drifted = {("tcp", 22, 22, "cidr", "1.2.3.4/32", "")}
    actual = security.rule_atoms(configured, "sg") | drifted
    rules = security.atoms_to_rules(actual, [configured], "sg")
    assert rules[0] is configured
    assert rules[1] == {k: None for k in security.RULE.fields} | {
        "protocol": "tcp",
        "from_port": 22,
        "to_port": 22,
        "cidr_blocks": ["1.2.3.4/32"],
    }


def test_set_objects_match_prior_whatever_the_empty_value() -> None:
    prior = [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1", "nat_gateway_id": None}]
    actual = [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1", "nat_gateway_id": ""}]
    assert sets.match_prior(actual, prior)[0] is prior[0]
    other = [{"cidr_block": "10.0.0.0/8", "gateway_id": "igw-1", "nat_gateway_id": ""}]
    assert sets.match_prior(other, prior) == [
        {"cidr_block": "10.0.0.0/8", "gateway_id": "igw-1", "nat_gateway_id": None}
    ]
    assert sets.normal(0) == "0" and sets.normal(False) is None and sets.normal(22.0) == "22"
