"""What the stand-in serves, by name (importable without loading the provider itself)."""

from __future__ import annotations

RESOURCE_TYPES = (
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
)
DATA_SOURCE_TYPES = ("aws_ami", "aws_availability_zones")
