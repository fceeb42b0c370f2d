"""aws_key_pair and aws_instance.

An instance's `public_ip` is NOT the emulator's random public address: it is
`world.vm.addressing.vm_address(instance_id)`, a stable loopback address where the VM
stand-in publishes that instance's sshd (see the package docstring).
"""

from __future__ import annotations

import base64
from typing import Any, ClassVar

from tf.types import Unknown

from world.vm.addressing import vm_address

from .base import AwsResource, shape, wait_for
from .errors import ProviderError, describe_error
from .schema import (
    BOOL,
    NUMBER,
    STRING,
    STRING_MAP,
    STRING_SET,
    ListBlock,
    block,
    computed,
    optional,
    optional_computed,
    required,
    resource_schema,
)
from .security import generated_name


class KeyPair(AwsResource):
    name = "key_pair"
    schema = resource_schema(
        optional_computed("key_name", STRING, replace=True),
        optional_computed("key_name_prefix", STRING, replace=True),
        required("public_key", STRING, replace=True),
        computed("fingerprint"),
        computed("key_pair_id"),
        computed("key_type"),
    )

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        if config.get("key_name") is not None and config.get("key_name_prefix") is not None:
            diags.add_error(f'{type_name}: "key_name": conflicts with key_name_prefix')

    def plan_change(self, ctx: Any, prior: dict[str, Any] | None, planned: dict[str, Any]) -> Any:
        planned = super().plan_change(ctx, prior, planned)
        if prior is None and isinstance(ctx.config.get("key_name"), str):
            planned["id"] = planned["key_name"]
            planned["key_name_prefix"] = None
        return planned

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        name, prefix = generated_name(planned.get("key_name"), planned.get("key_name_prefix"))
        result = self.ec2.import_key_pair(
            KeyName=name, PublicKeyMaterial=planned["public_key"].encode()
        )
        self.apply_tags(result["KeyPairId"], {}, planned["tags_all"])
        return self.read(ctx, planned | {"id": name, "key_name": name, "key_name_prefix": prefix})

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        key = self.describe_one(self.ec2.describe_key_pairs, "KeyPairs", KeyNames=[current["id"]])
        if key is None:
            return None
        state = {
            "id": key["KeyName"],
            "key_name": key["KeyName"],
            "arn": self.provider.arn(f"key-pair/{key['KeyName']}"),
            "fingerprint": key.get("KeyFingerprint", ""),
            "key_pair_id": key.get("KeyPairId", ""),
            "key_type": key.get("KeyType", "rsa"),
            **self.read_tags(current.get("tags"), key.get("Tags")),
        }
        return shape(self.schema, state, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        self.apply_tags(current["key_pair_id"], current.get("tags_all"), planned["tags_all"])
        return self.read(ctx, planned)

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        self.missing_ok(lambda: self.ec2.delete_key_pair(KeyName=current["id"]))


ROOT_BLOCK_DEVICE = ListBlock(
    "root_block_device",
    block(
        [
            optional("delete_on_termination", BOOL),
            computed("device_name"),
            optional_computed("encrypted", BOOL),
            optional_computed("iops", NUMBER),
            optional_computed("kms_key_id", STRING),
            optional("tags", STRING_MAP),
            computed("tags_all", STRING_MAP),
            optional_computed("throughput", NUMBER),
            computed("volume_id"),
            optional_computed("volume_size", NUMBER),
            optional_computed("volume_type", STRING),
        ]
    ),
    max_items=1,
)
GONE = ("shutting-down", "terminated")


def public_dns(ip: str) -> str:
    return f"ec2-{ip.replace('.', '-')}.compute.local" if ip else ""


class Instance(AwsResource):
    name = "instance"
    schema = resource_schema(
        optional_computed("ami", STRING, replace=True),
        optional_computed("instance_type", STRING),
        optional_computed("subnet_id", STRING, replace=True),
        optional_computed("availability_zone", STRING, replace=True),
        optional_computed("vpc_security_group_ids", STRING_SET),
        optional_computed("security_groups", STRING_SET, replace=True),
        optional_computed("key_name", STRING, replace=True),
        optional_computed("associate_public_ip_address", BOOL, replace=True),
        optional_computed("private_ip", STRING, replace=True),
        optional_computed("user_data", STRING),
        optional_computed("user_data_base64", STRING),
        optional_computed("user_data_replace_on_change", BOOL, default=False),
        optional_computed("monitoring", BOOL),
        optional("iam_instance_profile", STRING),
        computed("public_ip"),
        computed("public_dns"),
        computed("private_dns"),
        computed("instance_state"),
        computed("primary_network_interface_id"),
        blocks=[ROOT_BLOCK_DEVICE],
    )
    unsupported: ClassVar[dict[str, str]] = {
        "iam_instance_profile": "IAM instance profiles are not emulated."
    }

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        if "ami" not in config:
            return
        for needed in ("ami", "instance_type"):
            if config.get(needed) is None:
                diags.add_error(
                    f'{type_name}: "{needed}" is required',
                    "Launch templates are not supported by the offline stand-in.",
                    path=[needed],
                )
        if config.get("user_data") is not None and config.get("user_data_base64") is not None:
            diags.add_error(f'{type_name}: "user_data": conflicts with user_data_base64')
        if config.get("root_block_device"):
            diags.add_warning(
                f"{type_name}.root_block_device is accepted but ignored offline",
                "The emulator has no block storage; the block is kept in state as written.",
                path=["root_block_device"],
            )

    def plan_change(self, ctx: Any, prior: dict[str, Any] | None, planned: dict[str, Any]) -> Any:
        planned = super().plan_change(ctx, prior, planned)
        if prior is None:
            return planned
        user_data_changed = any(
            planned.get(k) != prior.get(k) for k in ("user_data", "user_data_base64")
        )
        if user_data_changed and planned.get("user_data_replace_on_change"):
            ctx.replace.append("user_data")
        return planned

    # -- create --
    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        result = self.ec2.run_instances(MinCount=1, MaxCount=1, **self._launch_args(planned))
        instance_id = result["Instances"][0]["InstanceId"]
        state = planned | {"id": instance_id}
        try:
            self.apply_tags(instance_id, {}, planned["tags_all"])
            self._wait(instance_id, "running")
        except Exception as exc:  # keep the instance in state (tainted) so it gets destroyed
            ctx.diagnostics.add_error(f"waiting for instance {instance_id}", describe_error(exc))
            return self.read(ctx, state) or shape(self.schema, {"id": instance_id}, None)
        return self.read(ctx, state)

    def _launch_args(self, planned: dict[str, Any]) -> dict[str, Any]:
        args: dict[str, Any] = {"ImageId": planned["ami"], "InstanceType": planned["instance_type"]}

        def given(name: str) -> Any:
            value = planned.get(name)
            return None if value is Unknown else value

        if given("key_name"):
            args["KeyName"] = planned["key_name"]
        if given("user_data"):
            args["UserData"] = planned["user_data"]
        elif given("user_data_base64"):
            args["UserData"] = base64.b64decode(planned["user_data_base64"]).decode()
        if given("availability_zone"):
            args["Placement"] = {"AvailabilityZone": planned["availability_zone"]}
        if given("monitoring"):
            args["Monitoring"] = {"Enabled": True}
        groups = list(given("vpc_security_group_ids") or [])
        named = list(given("security_groups") or [])
        groups += [g for g in named if g.startswith("sg-")]
        names = [g for g in named if not g.startswith("sg-")]
        if names:
            args["SecurityGroups"] = names
        public = given("associate_public_ip_address")
        network = {  # on the instance, or on its primary interface where that is asked for
            "SubnetId": given("subnet_id"),
            "SecurityGroupIds" if public is None else "Groups": groups,
            "PrivateIpAddress": given("private_ip"),
        }
        network = {k: v for k, v in network.items() if v}
        if public is None:
            return args | network
        nic = {"DeviceIndex": 0, "DeleteOnTermination": True, "AssociatePublicIpAddress": public}
        args["NetworkInterfaces"] = [nic | network]
        return args

    def _describe(self, instance_id: str) -> Any:
        found = self.missing_ok(
            lambda: self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        )
        for reservation in found or []:
            for instance in reservation.get("Instances") or []:
                return instance | {"OwnerId": reservation.get("OwnerId")}
        return None

    @staticmethod
    def _primary_interface(instance: dict[str, Any]) -> dict[str, Any] | None:
        for nic in instance.get("NetworkInterfaces") or []:
            if (nic.get("Attachment") or {}).get("DeviceIndex", 0) == 0:
                return dict(nic)
        return None

    def _wait(self, instance_id: str, wanted: str, timeout: float = 120.0) -> None:
        def state() -> str:
            instance = self._describe(instance_id)
            return "terminated" if instance is None else str(instance["State"]["Name"])

        def done(name: str) -> bool:
            if name == wanted:
                return True
            if wanted == "running" and name in GONE:
                raise ProviderError(f"instance {instance_id} is {name}, expected running")
            return False

        wait_for(f"instance {instance_id} to be {wanted}", state, done, timeout)

    # -- read --
    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        instance = self._describe(current["id"])
        if instance is None or instance["State"]["Name"] in GONE:
            return None
        instance_id = instance["InstanceId"]
        primary = self._primary_interface(instance)
        groups = (primary or {}).get("Groups") or instance.get("SecurityGroups") or []
        ids = [g["GroupId"] for g in groups]
        public = vm_address(instance_id) if instance.get("PublicIpAddress") else ""
        associated = bool(public)
        if instance["State"]["Name"] != "running" and isinstance(
            current.get("associate_public_ip_address"), bool
        ):  # a stopped instance has no public address but keeps its launch setting
            associated = current["associate_public_ip_address"]
        prior_named = current.get("security_groups")
        known_groups = set(ids) | {g.get("GroupName") for g in groups}
        state = {
            "id": instance_id,
            "arn": self.provider.arn(f"instance/{instance_id}", instance.get("OwnerId")),
            "ami": instance["ImageId"],
            "instance_type": instance["InstanceType"],
            "subnet_id": instance.get("SubnetId"),
            "availability_zone": instance["Placement"]["AvailabilityZone"],
            "vpc_security_group_ids": ids,
            "security_groups": prior_named
            if isinstance(prior_named, list) and prior_named and set(prior_named) <= known_groups
            else [],
            "key_name": instance.get("KeyName"),
            "associate_public_ip_address": associated,
            "private_ip": instance.get("PrivateIpAddress", ""),
            "private_dns": instance.get("PrivateDnsName", ""),
            "public_ip": public,
            "public_dns": public_dns(public),
            "instance_state": instance["State"]["Name"],
            "primary_network_interface_id": (primary or {}).get("NetworkInterfaceId", ""),
            "monitoring": (instance.get("Monitoring") or {}).get("State") == "enabled",
            **self.read_tags(current.get("tags"), instance.get("Tags")),
        }
        state |= self._read_user_data(instance_id, current)
        return shape(self.schema, state, current)

    def _read_user_data(self, instance_id: str, current: dict[str, Any]) -> dict[str, Any]:
        value = self.ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
        actual_b64 = (value.get("UserData") or {}).get("Value") or ""
        actual = base64.b64decode(actual_b64).decode(errors="replace") if actual_b64 else ""
        text, b64 = current.get("user_data"), current.get("user_data_base64")
        if isinstance(b64, str) and b64:
            same = base64.b64decode(b64).decode(errors="replace") == actual
            return {"user_data": None, "user_data_base64": b64 if same else actual_b64}
        if isinstance(text, str) and text == actual:
            return {"user_data": text, "user_data_base64": None}
        return {"user_data": actual or None, "user_data_base64": None}

    # -- update --
    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        instance_id = current["id"]
        new_type = planned.get("instance_type") != current.get("instance_type")
        new_data = any(planned.get(k) != current.get(k) for k in ("user_data", "user_data_base64"))
        if new_type or new_data:
            self.ec2.stop_instances(InstanceIds=[instance_id])
            self._wait(instance_id, "stopped")
            try:
                if new_type:
                    self.ec2.modify_instance_attribute(
                        InstanceId=instance_id, InstanceType={"Value": planned["instance_type"]}
                    )
                if new_data:
                    self.ec2.modify_instance_attribute(
                        InstanceId=instance_id, UserData={"Value": self._user_data_b64(planned)}
                    )
            finally:
                self.ec2.start_instances(InstanceIds=[instance_id])
                self._wait(instance_id, "running")
        groups = planned.get("vpc_security_group_ids")
        if isinstance(groups, list) and set(groups) != set(
            current.get("vpc_security_group_ids") or []
        ):
            self.ec2.modify_instance_attribute(InstanceId=instance_id, Groups=groups)
        if planned.get("monitoring") != current.get("monitoring"):
            call = "monitor_instances" if planned.get("monitoring") else "unmonitor_instances"
            getattr(self.ec2, call)(InstanceIds=[instance_id])
        return self.updated(ctx, current, planned)

    @staticmethod
    def _user_data_b64(planned: dict[str, Any]) -> bytes:
        """ModifyInstanceAttribute wants the base64 text (which botocore encodes once more)."""
        if planned.get("user_data_base64"):
            return str(planned["user_data_base64"]).encode()
        return base64.b64encode(str(planned.get("user_data") or "").encode())

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        instance_id = current["id"]
        if self.missing_ok(lambda: self.ec2.terminate_instances(InstanceIds=[instance_id])):
            self._wait(instance_id, "terminated")
