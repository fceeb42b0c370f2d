"""Networking: aws_vpc, aws_subnet, aws_internet_gateway, aws_route_table(+association)."""

from __future__ import annotations

from typing import Any, ClassVar

from tf.schema import Schema
from tf.types import Unknown

from .base import AwsResource, shape, wait_for
from .errors import ProviderError
from .schema import (
    BOOL,
    NUMBER,
    STRING,
    STRING_SET,
    Object,
    computed,
    optional,
    optional_computed,
    required,
    resource_schema,
    set_of,
)
from .sets import match_prior


class Vpc(AwsResource):
    name = "vpc"
    schema = resource_schema(
        optional_computed("cidr_block", STRING, replace=True),
        optional_computed("instance_tenancy", STRING, replace=True, default="default"),
        optional_computed("enable_dns_support", BOOL, default=True),
        optional_computed("enable_dns_hostnames", BOOL, default=False),
        computed("default_security_group_id"),
        computed("default_route_table_id"),
        computed("default_network_acl_id"),
        computed("main_route_table_id"),
        computed("dhcp_options_id"),
        computed("owner_id"),
        optional("assign_generated_ipv6_cidr_block", BOOL),
        optional("ipv4_ipam_pool_id", STRING),
        optional("ipv4_netmask_length", NUMBER),
        optional("ipv6_cidr_block", STRING),
        optional("ipv6_ipam_pool_id", STRING),
        optional("enable_network_address_usage_metrics", BOOL),
    )
    unsupported: ClassVar[dict[str, str]] = {
        "assign_generated_ipv6_cidr_block": "IPv6 is not emulated.",
        "ipv4_ipam_pool_id": "IPAM is not emulated; set cidr_block.",
        "ipv4_netmask_length": "IPAM is not emulated; set cidr_block.",
        "ipv6_cidr_block": "IPv6 is not emulated.",
        "ipv6_ipam_pool_id": "IPv6 is not emulated.",
        "enable_network_address_usage_metrics": "",
    }

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        if config.get("cidr_block") is None and "cidr_block" in config:
            diags.add_error(f"{type_name}: cidr_block is required offline (no IPAM)")

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        vpc = self.ec2.create_vpc(
            CidrBlock=planned["cidr_block"], InstanceTenancy=planned["instance_tenancy"]
        )["Vpc"]
        vpc_id = vpc["VpcId"]
        wait_for(f"VPC {vpc_id}", lambda: self._describe(vpc_id), lambda v: v is not None)
        self._set_dns(vpc_id, None, planned)
        return self.created(ctx, planned, vpc_id)

    def _set_dns(self, vpc_id: str, prior: dict[str, Any] | None, planned: dict[str, Any]) -> None:
        current = prior or {"enable_dns_support": True, "enable_dns_hostnames": False}
        for attr, key in (
            ("enable_dns_support", "EnableDnsSupport"),
            ("enable_dns_hostnames", "EnableDnsHostnames"),
        ):
            if planned[attr] != current[attr]:
                self.ec2.modify_vpc_attribute(VpcId=vpc_id, **{key: {"Value": planned[attr]}})

    def _describe(self, vpc_id: str) -> Any:
        return self.describe_one(self.ec2.describe_vpcs, "Vpcs", VpcIds=[vpc_id])

    def _lookup(self, call: str, result: str, key: str, filters: dict[str, str]) -> str:
        items = getattr(self.ec2, call)(
            Filters=[{"Name": k, "Values": [v]} for k, v in filters.items()]
        )[result]
        return str(items[0][key]) if items else ""

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        vpc = self._describe(current["id"])
        if vpc is None:
            return None
        vpc_id = vpc["VpcId"]

        def attribute(name: str) -> bool:
            value = self.ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name)
            return bool(value[name[0].upper() + name[1:]]["Value"])

        main_rt = self._lookup(
            "describe_route_tables",
            "RouteTables",
            "RouteTableId",
            {"vpc-id": vpc_id, "association.main": "true"},
        )
        state = {
            "id": vpc_id,
            "arn": self.provider.arn(f"vpc/{vpc_id}", vpc.get("OwnerId")),
            "cidr_block": vpc["CidrBlock"],
            "instance_tenancy": vpc.get("InstanceTenancy", "default"),
            "enable_dns_support": attribute("enableDnsSupport"),
            "enable_dns_hostnames": attribute("enableDnsHostnames"),
            "default_security_group_id": self._lookup(
                "describe_security_groups",
                "SecurityGroups",
                "GroupId",
                {"vpc-id": vpc_id, "group-name": "default"},
            ),
            "default_route_table_id": main_rt,
            "main_route_table_id": main_rt,
            "default_network_acl_id": self._lookup(
                "describe_network_acls",
                "NetworkAcls",
                "NetworkAclId",
                {"vpc-id": vpc_id, "default": "true"},
            ),
            "dhcp_options_id": vpc.get("DhcpOptionsId", ""),
            "owner_id": vpc.get("OwnerId", ""),
            **self.read_tags(current.get("tags"), vpc.get("Tags")),
        }
        return shape(self.schema, state, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        self._set_dns(current["id"], current, planned)
        return self.updated(ctx, current, planned)

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        self.delete_with(f"VPC {current['id']}", lambda: self.ec2.delete_vpc(VpcId=current["id"]))


class Subnet(AwsResource):
    name = "subnet"
    schema = resource_schema(
        required("vpc_id", STRING, replace=True),
        optional("cidr_block", STRING, replace=True),
        optional_computed("availability_zone", STRING, replace=True),
        optional_computed("availability_zone_id", STRING, replace=True),
        optional_computed("map_public_ip_on_launch", BOOL, default=False),
        computed("owner_id"),
        optional("assign_ipv6_address_on_creation", BOOL),
        optional("ipv6_cidr_block", STRING),
        optional("ipv6_native", BOOL),
    )
    unsupported: ClassVar[dict[str, str]] = {
        "assign_ipv6_address_on_creation": "IPv6 is not emulated.",
        "ipv6_cidr_block": "IPv6 is not emulated.",
        "ipv6_native": "IPv6 is not emulated.",
    }

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        args: dict[str, Any] = {"VpcId": planned["vpc_id"], "CidrBlock": planned["cidr_block"]}
        if isinstance(planned.get("availability_zone"), str):
            args["AvailabilityZone"] = planned["availability_zone"]
        elif isinstance(planned.get("availability_zone_id"), str):
            args["AvailabilityZoneId"] = planned["availability_zone_id"]
        subnet_id = self.ec2.create_subnet(**args)["Subnet"]["SubnetId"]
        if planned["map_public_ip_on_launch"]:
            self._map_public(subnet_id, True)
        return self.created(ctx, planned, subnet_id)

    def _map_public(self, subnet_id: str, value: bool) -> None:
        self.ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": value})

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        subnet = self.describe_one(self.ec2.describe_subnets, "Subnets", SubnetIds=[current["id"]])
        if subnet is None:
            return None
        state = {
            "id": subnet["SubnetId"],
            "arn": subnet.get("SubnetArn")
            or self.provider.arn(f"subnet/{subnet['SubnetId']}", subnet.get("OwnerId")),
            "vpc_id": subnet["VpcId"],
            "cidr_block": subnet["CidrBlock"],
            "availability_zone": subnet["AvailabilityZone"],
            "availability_zone_id": subnet.get("AvailabilityZoneId", ""),
            "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
            "owner_id": subnet.get("OwnerId", ""),
            **self.read_tags(current.get("tags"), subnet.get("Tags")),
        }
        return shape(self.schema, state, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        if planned["map_public_ip_on_launch"] != current["map_public_ip_on_launch"]:
            self._map_public(current["id"], planned["map_public_ip_on_launch"])
        return self.updated(ctx, current, planned)

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        self.delete_with(
            f"subnet {current['id']}", lambda: self.ec2.delete_subnet(SubnetId=current["id"])
        )


class InternetGateway(AwsResource):
    name = "internet_gateway"
    schema = resource_schema(optional("vpc_id", STRING), computed("owner_id"))

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        igw_id = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        if planned.get("vpc_id"):
            self.ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=planned["vpc_id"])
        return self.created(ctx, planned, igw_id)

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        igw = self.describe_one(
            self.ec2.describe_internet_gateways,
            "InternetGateways",
            InternetGatewayIds=[current["id"]],
        )
        if igw is None:
            return None
        attached = [a["VpcId"] for a in igw.get("Attachments") or [] if a.get("VpcId")]
        owner = igw.get("OwnerId")
        state = {
            "id": igw["InternetGatewayId"],
            "arn": self.provider.arn(f"internet-gateway/{igw['InternetGatewayId']}", owner),
            "vpc_id": attached[0] if attached else None,
            "owner_id": owner or self.provider.account_id(),
            **self.read_tags(current.get("tags"), igw.get("Tags")),
        }
        return shape(self.schema, state, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        if current.get("vpc_id") != planned.get("vpc_id"):
            if current.get("vpc_id"):
                self.ec2.detach_internet_gateway(
                    InternetGatewayId=current["id"], VpcId=current["vpc_id"]
                )
            if planned.get("vpc_id"):
                self.ec2.attach_internet_gateway(
                    InternetGatewayId=current["id"], VpcId=planned["vpc_id"]
                )
        return self.updated(ctx, current, planned)

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        igw_id = current["id"]
        if current.get("vpc_id"):
            self.missing_ok(
                lambda: self.ec2.detach_internet_gateway(
                    InternetGatewayId=igw_id, VpcId=current["vpc_id"]
                )
            )
        self.delete_with(
            f"internet gateway {igw_id}",
            lambda: self.ec2.delete_internet_gateway(InternetGatewayId=igw_id),
        )


# route object attribute -> (CreateRoute parameter, DescribeRouteTables key)
ROUTE_FIELDS = {
    "cidr_block": ("DestinationCidrBlock", "DestinationCidrBlock"),
    "ipv6_cidr_block": ("DestinationIpv6CidrBlock", "DestinationIpv6CidrBlock"),
    "destination_prefix_list_id": ("DestinationPrefixListId", "DestinationPrefixListId"),
    "carrier_gateway_id": ("CarrierGatewayId", "CarrierGatewayId"),
    "core_network_arn": ("CoreNetworkArn", "CoreNetworkArn"),
    "egress_only_gateway_id": ("EgressOnlyInternetGatewayId", "EgressOnlyInternetGatewayId"),
    "gateway_id": ("GatewayId", "GatewayId"),
    "local_gateway_id": ("LocalGatewayId", "LocalGatewayId"),
    "nat_gateway_id": ("NatGatewayId", "NatGatewayId"),
    "network_interface_id": ("NetworkInterfaceId", "NetworkInterfaceId"),
    "transit_gateway_id": ("TransitGatewayId", "TransitGatewayId"),
    "vpc_endpoint_id": ("VpcEndpointId", "VpcEndpointId"),
    "vpc_peering_connection_id": ("VpcPeeringConnectionId", "VpcPeeringConnectionId"),
}
DESTINATIONS = ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
ROUTE = Object({name: STRING for name in ROUTE_FIELDS})


def route_destination(route: dict[str, Any]) -> tuple[str, str]:
    for key in DESTINATIONS:
        if route.get(key):
            return key, str(route[key])
    raise ProviderError(
        "a route needs one of cidr_block, ipv6_cidr_block, destination_prefix_list_id"
    )


def route_args(route_table_id: str, route: dict[str, Any]) -> dict[str, Any]:
    args = {"RouteTableId": route_table_id}
    args.update({ROUTE_FIELDS[k][0]: v for k, v in route.items() if v and k in ROUTE_FIELDS})
    return args


class RouteTable(AwsResource):
    name = "route_table"
    schema = resource_schema(
        required("vpc_id", STRING, replace=True),
        optional_computed("route", set_of(ROUTE)),
        optional_computed("propagating_vgws", STRING_SET),
        computed("owner_id"),
    )

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        if config.get("propagating_vgws"):
            diags.add_error(
                f"{type_name}.propagating_vgws is not supported by the offline stand-in"
            )

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        rt_id = self.ec2.create_route_table(VpcId=planned["vpc_id"])["RouteTable"]["RouteTableId"]
        for route in planned.get("route") or []:
            self.ec2.create_route(**route_args(rt_id, route))
        return self.created(ctx, planned, rt_id)

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        table = self.describe_one(
            self.ec2.describe_route_tables, "RouteTables", RouteTableIds=[current["id"]]
        )
        if table is None:
            return None
        routes = []
        for r in table.get("Routes") or []:
            if r.get("GatewayId") == "local" or r.get("Origin") == "EnableVgwRoutePropagation":
                continue
            routes.append({k: r.get(key) or None for k, (_, key) in ROUTE_FIELDS.items()})
        prior = current.get("route")
        owner = table.get("OwnerId")
        state = {
            "id": table["RouteTableId"],
            "arn": self.provider.arn(f"route-table/{table['RouteTableId']}", owner),
            "vpc_id": table["VpcId"],
            "route": match_prior(routes, prior if isinstance(prior, list) else []),
            "propagating_vgws": [],
            "owner_id": owner or self.provider.account_id(),
            **self.read_tags(current.get("tags"), table.get("Tags")),
        }
        return shape(self.schema, state, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        rt_id = current["id"]
        if planned.get("route") is not None:
            old = {route_destination(r): r for r in current.get("route") or []}
            new = {route_destination(r): r for r in planned["route"]}
            for field, value in old.keys() - new.keys():
                self._delete_route(rt_id, {ROUTE_FIELDS[field][0]: value})
            for dest, route in new.items():
                if dest not in old:
                    self.ec2.create_route(**route_args(rt_id, route))
                elif match_prior([route], [old[dest]]) != [old[dest]]:
                    self.ec2.replace_route(**route_args(rt_id, route))
        return self.updated(ctx, current, planned)

    def _delete_route(self, rt_id: str, destination: dict[str, str]) -> None:
        self.missing_ok(lambda: self.ec2.delete_route(RouteTableId=rt_id, **destination))

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        self.delete_with(
            f"route table {current['id']}",
            lambda: self.ec2.delete_route_table(RouteTableId=current["id"]),
        )


class RouteTableAssociation(AwsResource):
    name = "route_table_association"
    has_tags = False
    schema = Schema(
        version=0,
        attributes=[
            computed("id"),
            optional("subnet_id", STRING, replace=True),
            optional("gateway_id", STRING, replace=True),
            required("route_table_id", STRING),
        ],
    )

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        given = [k for k in ("subnet_id", "gateway_id") if config.get(k) is not None]
        if len(given) != 1 and "subnet_id" in config:
            diags.add_error(
                f"{type_name}: exactly one of subnet_id or gateway_id must be set",
                "Set subnet_id (or gateway_id) to say what the route table is associated with.",
            )

    def plan_change(self, ctx: Any, prior: dict[str, Any] | None, planned: dict[str, Any]) -> Any:
        if prior is not None and prior["route_table_id"] != planned["route_table_id"]:
            planned["id"] = Unknown
        return planned

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        args = {"RouteTableId": planned["route_table_id"]}
        if planned.get("subnet_id"):
            args["SubnetId"] = planned["subnet_id"]
        else:
            args["GatewayId"] = planned["gateway_id"]
        assoc_id = self.ec2.associate_route_table(**args)["AssociationId"]
        return self.read(ctx, planned | {"id": assoc_id})

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        assoc_id = current["id"]
        tables = self.ec2.describe_route_tables(
            Filters=[{"Name": "association.route-table-association-id", "Values": [assoc_id]}]
        )["RouteTables"]
        for table in tables:
            for assoc in table.get("Associations") or []:
                if assoc.get("RouteTableAssociationId") == assoc_id:
                    state = {
                        "id": assoc_id,
                        "route_table_id": table["RouteTableId"],
                        "subnet_id": assoc.get("SubnetId"),
                        "gateway_id": assoc.get("GatewayId"),
                    }
                    return shape(self.schema, state, current)
        return None

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        new_id = self.ec2.replace_route_table_association(
            AssociationId=current["id"], RouteTableId=planned["route_table_id"]
        )["NewAssociationId"]
        return self.read(ctx, planned | {"id": new_id})

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        self.missing_ok(lambda: self.ec2.disassociate_route_table(AssociationId=current["id"]))
