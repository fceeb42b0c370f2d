"""Every resource type the stand-in serves (anything else: Terraform refuses the type)."""

from __future__ import annotations

from .compute import Instance, KeyPair
from .network import InternetGateway, RouteTable, RouteTableAssociation, Subnet, Vpc
from .security import SecurityGroup, VpcSecurityGroupEgressRule, VpcSecurityGroupIngressRule

RESOURCES = (
    Vpc,
    Subnet,
    InternetGateway,
    RouteTable,
    RouteTableAssociation,
    SecurityGroup,
    VpcSecurityGroupIngressRule,
    VpcSecurityGroupEgressRule,
    KeyPair,
    Instance,
)
