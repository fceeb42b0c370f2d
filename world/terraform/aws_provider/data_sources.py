"""Data sources: aws_ami and aws_availability_zones."""

from __future__ import annotations

import re
from typing import Any

from tf.blocks import SetNestedBlock
from tf.schema import Schema

from world.terraform.provider_kit import Component

from .errors import ProviderError
from .schema import (
    BOOL,
    STRING,
    STRING_LIST,
    STRING_MAP,
    STRING_SET,
    block,
    computed,
    optional,
    required,
)


def filter_block() -> Any:
    return SetNestedBlock(
        "filter", block([required("name", STRING), required("values", STRING_LIST)])
    )


def filters(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"Name": f["name"], "Values": list(f["values"])} for f in config.get("filter") or []]


class AwsDataSource(Component):
    def complete(self, config: dict[str, Any], found: dict[str, Any]) -> dict[str, Any]:
        """The data source's full object: configured arguments echoed, then what was found."""
        out = {a.name: config.get(a.name) for a in self.schema.attributes}
        out.update({b.type_name: config.get(b.type_name) or [] for b in self.schema.block_types})
        out.update(found)
        return out


class Ami(AwsDataSource):
    name = "ami"
    schema = Schema(
        version=0,
        attributes=[
            optional("most_recent", BOOL),
            optional("owners", STRING_LIST),
            optional("executable_users", STRING_LIST),
            optional("name_regex", STRING),
            optional("include_deprecated", BOOL),
            computed("id"),
            computed("arn"),
            computed("image_id"),
            computed("name"),
            computed("description"),
            computed("architecture"),
            computed("creation_date"),
            computed("owner_id"),
            computed("image_owner_alias"),
            computed("platform_details"),
            computed("root_device_name"),
            computed("root_device_type"),
            computed("virtualization_type"),
            computed("state"),
            computed("public", BOOL),
            computed("tags", STRING_MAP),
        ],
        block_types=[filter_block()],
    )

    def read(self, ctx: Any, config: dict[str, Any]) -> Any:
        args: dict[str, Any] = {"Filters": filters(config)}
        if config.get("owners"):
            args["Owners"] = list(config["owners"])
        if config.get("executable_users"):
            args["ExecutableUsers"] = list(config["executable_users"])
        if config.get("include_deprecated"):
            args["IncludeDeprecated"] = True
        images = self.provider.ec2.describe_images(**args)["Images"]
        if config.get("name_regex"):
            pattern = re.compile(config["name_regex"])
            images = [i for i in images if pattern.search(i.get("Name") or "")]
        if not images:
            raise ProviderError(
                "Your query returned no results. Please change your search criteria and try "
                "again. (The offline emulator only knows its own AMI catalogue: see "
                "world/aws/emulator.py KATA_AMIS.)"
            )
        if len(images) > 1 and not config.get("most_recent"):
            raise ProviderError(
                "Your query returned more than one result. Please try a more specific search "
                "criteria, or set `most_recent` attribute to true."
            )
        image = max(images, key=lambda i: str(i.get("CreationDate") or ""))
        region = self.provider.region
        return self.complete(
            config,
            {
                "id": image["ImageId"],
                "image_id": image["ImageId"],
                "arn": f"arn:aws:ec2:{region}::image/{image['ImageId']}",
                "name": image.get("Name", ""),
                "description": image.get("Description", ""),
                "architecture": image.get("Architecture", ""),
                "creation_date": str(image.get("CreationDate", "")),
                "owner_id": image.get("OwnerId", ""),
                "image_owner_alias": image.get("ImageOwnerAlias", ""),
                "platform_details": image.get("PlatformDetails", ""),
                "root_device_name": image.get("RootDeviceName", ""),
                "root_device_type": image.get("RootDeviceType", ""),
                "virtualization_type": image.get("VirtualizationType", ""),
                "state": image.get("State", ""),
                "public": bool(image.get("Public")),
                "tags": {t["Key"]: t["Value"] for t in image.get("Tags") or []},
            },
        )


class AvailabilityZones(AwsDataSource):
    name = "availability_zones"
    schema = Schema(
        version=0,
        attributes=[
            optional("all_availability_zones", BOOL),
            optional("exclude_names", STRING_SET),
            optional("exclude_zone_ids", STRING_SET),
            optional("state", STRING),
            computed("id"),
            computed("names", STRING_LIST),
            computed("zone_ids", STRING_LIST),
            computed("group_names", STRING_SET),
        ],
        block_types=[filter_block()],
    )

    def read(self, ctx: Any, config: dict[str, Any]) -> Any:
        args: dict[str, Any] = {"Filters": filters(config)}
        if config.get("state"):
            args["Filters"].append({"Name": "state", "Values": [config["state"]]})
        if config.get("all_availability_zones"):
            args["AllAvailabilityZones"] = True
        zones = self.provider.ec2.describe_availability_zones(**args)["AvailabilityZones"]
        excluded_names = set(config.get("exclude_names") or [])
        excluded_ids = set(config.get("exclude_zone_ids") or [])
        zones = sorted(
            (
                z
                for z in zones
                if z["ZoneName"] not in excluded_names and z.get("ZoneId") not in excluded_ids
            ),
            key=lambda z: str(z["ZoneName"]),
        )
        return self.complete(
            config,
            {
                "id": self.provider.region,
                "names": [z["ZoneName"] for z in zones],
                "zone_ids": [z.get("ZoneId", "") for z in zones],
                "group_names": sorted({z.get("GroupName") or self.provider.region for z in zones}),
            },
        )


DATA_SOURCES = (Ami, AvailabilityZones)
