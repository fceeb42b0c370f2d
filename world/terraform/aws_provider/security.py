"""aws_security_group (inline ingress/egress) and aws_vpc_security_group_{ingress,egress}_rule.

Inline rules are compared as "atoms" (protocol, ports, one source, description), the unit
EC2 itself stores, so that a rule listing two CIDRs equals two permissions in the emulator
and the representation in configuration (null vs "" vs false, "6" vs "tcp") never causes a
diff. `ingress`/`egress` left out of the configuration are not managed (Optional+Computed),
which is what lets separate rule resources coexist with the group, as with the real provider.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from tf.types import Unknown

from .base import AwsResource, shape
from .schema import (
    BOOL,
    NUMBER,
    STRING,
    STRING_LIST,
    STRING_SET,
    Object,
    computed,
    optional,
    optional_computed,
    required,
    resource_schema,
    set_of,
)

RULE = Object(
    {
        "cidr_blocks": STRING_LIST,
        "description": STRING,
        "from_port": NUMBER,
        "ipv6_cidr_blocks": STRING_LIST,
        "prefix_list_ids": STRING_LIST,
        "protocol": STRING,
        "security_groups": STRING_SET,
        "self": BOOL,
        "to_port": NUMBER,
    }
)
PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
SOURCES = {  # atom kind -> (rule field, IpPermission list, entry key)
    "cidr": ("cidr_blocks", "IpRanges", "CidrIp"),
    "ipv6": ("ipv6_cidr_blocks", "Ipv6Ranges", "CidrIpv6"),
    "pl": ("prefix_list_ids", "PrefixListIds", "PrefixListId"),
    "sg": ("security_groups", "UserIdGroupPairs", "GroupId"),
}
Atom = tuple[str, int, int, str, str, str]  # protocol, from, to, kind, source, description


def protocol(value: Any) -> str:
    text = str(value).lower()
    return PROTOCOLS.get(text, text)


def ports(proto: str, from_port: Any, to_port: Any) -> tuple[int, int]:
    if proto == "-1":
        return 0, 0
    return int(from_port if from_port is not None else 0), int(
        to_port if to_port is not None else 0
    )


def rule_atoms(rule: dict[str, Any], own_id: str) -> set[Atom]:
    proto = protocol(rule.get("protocol"))
    low, high = ports(proto, rule.get("from_port"), rule.get("to_port"))
    desc = rule.get("description") or ""
    atoms = {
        (proto, low, high, kind, str(source), desc)
        for kind, (fld, _, _) in SOURCES.items()
        for source in rule.get(fld) or []
    }
    if rule.get("self"):
        atoms.add((proto, low, high, "sg", own_id, desc))
    return atoms


def permission_atoms(permissions: list[dict[str, Any]]) -> set[Atom]:
    atoms = set()
    for perm in permissions:
        proto = protocol(perm.get("IpProtocol"))
        low, high = ports(proto, perm.get("FromPort"), perm.get("ToPort"))
        for kind, (_, list_key, entry_key) in SOURCES.items():
            for entry in perm.get(list_key) or []:
                desc = entry.get("Description") or ""
                atoms.add((proto, low, high, kind, str(entry[entry_key]), desc))
    return atoms


def atoms_to_permissions(atoms: set[Atom]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, int, int], dict[str, Any]] = {}
    for proto, low, high, kind, source, desc in sorted(atoms):
        perm = grouped.setdefault((proto, low, high), {"IpProtocol": proto})
        if proto != "-1":
            perm.update(FromPort=low, ToPort=high)
        _, list_key, entry_key = SOURCES[kind]
        entry = {entry_key: source} | ({"Description": desc} if desc else {})
        perm.setdefault(list_key, []).append(entry)
    return list(grouped.values())


def atoms_to_rules(
    actual: set[Atom], prior: list[dict[str, Any]], own_id: str
) -> list[dict[str, Any]]:
    """Rules for the emulator's atoms, reusing prior-state rules that say the same thing."""
    rules: list[dict[str, Any]] = []
    covered: set[Atom] = set()
    for prior_rule in prior:
        atoms = rule_atoms(prior_rule, own_id)
        if atoms and atoms <= actual:
            rules.append(prior_rule)
            covered |= atoms
    leftover: dict[tuple[str, int, int, str], list[Atom]] = defaultdict(list)
    for atom in sorted(actual - covered):
        leftover[(atom[0], atom[1], atom[2], atom[5])].append(atom)
    for (proto, low, high, desc), group in leftover.items():
        rule: dict[str, Any] = dict.fromkeys(RULE.fields)
        rule.update(protocol=proto, from_port=low, to_port=high, description=desc or None)
        for _, _, _, kind, source, _ in group:
            if kind == "sg" and source == own_id:
                rule["self"] = True
            else:
                fld = SOURCES[kind][0]
                rule[fld] = [*(rule[fld] or []), source]
        rules.append(rule)
    return rules


def unique_suffix() -> str:
    """Like the real provider's resource.UniqueId(): a timestamp plus a counter."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + f"{time.time_ns() % 10**12:012d}"


def generated_name(name: Any, prefix: Any) -> tuple[str, str | None]:
    """The name to create with (the configured one, else the prefix or "terraform-" plus a
    unique suffix) and the prefix that state keeps (None where none was given)."""
    kept = prefix if isinstance(prefix, str) else None
    if not isinstance(name, str):
        name = ("terraform-" if kept is None else kept) + unique_suffix()
    return name, kept


class SecurityGroup(AwsResource):
    name = "security_group"
    schema = resource_schema(
        optional_computed("name", STRING, replace=True),
        optional_computed("name_prefix", STRING, replace=True),
        optional_computed("description", STRING, replace=True, default="Managed by Terraform"),
        optional_computed("vpc_id", STRING, replace=True),
        optional_computed("ingress", set_of(RULE)),
        optional_computed("egress", set_of(RULE)),
        optional_computed("revoke_rules_on_delete", BOOL, default=False),
        computed("owner_id"),
    )

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        if config.get("name") is not None and config.get("name_prefix") is not None:
            diags.add_error(f'{type_name}: "name": conflicts with name_prefix', path=["name"])
        for direction in ("ingress", "egress"):
            rules = config.get(direction)
            for rule in rules if isinstance(rules, list) else []:
                if isinstance(rule, dict) and rule.get("protocol") is None:
                    diags.add_error(f"{type_name}.{direction}: protocol is required")

    def plan_change(self, ctx: Any, prior: dict[str, Any] | None, planned: dict[str, Any]) -> Any:
        planned = super().plan_change(ctx, prior, planned)
        if prior is None and ctx.config.get("name") is not None:
            planned["name_prefix"] = None
        return planned

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        name, prefix = generated_name(planned.get("name"), planned.get("name_prefix"))
        args = {"GroupName": name, "Description": planned["description"]}
        if isinstance(planned.get("vpc_id"), str):
            args["VpcId"] = planned["vpc_id"]
        sg_id = self.ec2.create_security_group(**args)["GroupId"]
        state = planned | {"id": sg_id, "name": name, "name_prefix": prefix}
        try:
            self.apply_tags(sg_id, {}, planned["tags_all"])
            group = self._describe(sg_id)
            if group and group.get("IpPermissionsEgress"):  # AWS's default allow-all egress
                self.ec2.revoke_security_group_egress(
                    GroupId=sg_id, IpPermissions=group["IpPermissionsEgress"]
                )
            for direction in ("ingress", "egress"):
                rules = planned.get(direction)
                if isinstance(rules, list):
                    self._authorize(
                        direction, sg_id, set().union(*[rule_atoms(r, sg_id) for r in rules])
                    )
        except Exception as exc:
            ctx.diagnostics.add_error(f"configuring security group {sg_id}", str(exc))
            return self.read(ctx, {**state, "ingress": [], "egress": []})
        return self.read(ctx, state)

    def _describe(self, sg_id: str) -> Any:
        return self.describe_one(
            self.ec2.describe_security_groups, "SecurityGroups", GroupIds=[sg_id]
        )

    def _authorize(self, direction: str, sg_id: str, atoms: set[Atom]) -> None:
        if atoms:
            call = getattr(self.ec2, f"authorize_security_group_{direction}")
            call(GroupId=sg_id, IpPermissions=atoms_to_permissions(atoms))

    def _revoke(self, direction: str, sg_id: str, atoms: set[Atom]) -> None:
        if atoms:
            call = getattr(self.ec2, f"revoke_security_group_{direction}")
            call(GroupId=sg_id, IpPermissions=atoms_to_permissions(atoms))

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        group = self._describe(current["id"])
        if group is None:
            return None
        sg_id = group["GroupId"]

        def rules(direction: str, key: str) -> list[dict[str, Any]]:
            prior = current.get(direction)
            actual = permission_atoms(group.get(key) or [])
            return atoms_to_rules(actual, prior if isinstance(prior, list) else [], sg_id)

        owner = group.get("OwnerId")
        state = {
            "id": sg_id,
            "arn": group.get("SecurityGroupArn")
            or self.provider.arn(f"security-group/{sg_id}", owner),
            "name": group["GroupName"],
            "description": group.get("Description", ""),
            "vpc_id": group.get("VpcId"),
            "ingress": rules("ingress", "IpPermissions"),
            "egress": rules("egress", "IpPermissionsEgress"),
            "owner_id": owner or self.provider.account_id(),
            **self.read_tags(current.get("tags"), group.get("Tags")),
        }
        return shape(self.schema, state, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        sg_id = current["id"]
        for direction in ("ingress", "egress"):
            if not isinstance(planned.get(direction), list):
                continue
            old = set().union(*[rule_atoms(r, sg_id) for r in current.get(direction) or []])
            new = set().union(*[rule_atoms(r, sg_id) for r in planned[direction]])
            self._revoke(direction, sg_id, old - new)
            self._authorize(direction, sg_id, new - old)
        return self.updated(ctx, current, planned)

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        sg_id = current["id"]
        if current.get("revoke_rules_on_delete"):
            group = self._describe(sg_id)
            if group is None:
                return
            self._revoke("ingress", sg_id, permission_atoms(group.get("IpPermissions") or []))
            self._revoke("egress", sg_id, permission_atoms(group.get("IpPermissionsEgress") or []))
        self.delete_with(
            f"security group {sg_id}",
            lambda: self.ec2.delete_security_group(GroupId=sg_id),
            timeout=60,
        )


class _VpcSecurityGroupRule(AwsResource):
    """The plugin-framework rule resources: one security group rule (sgr-...) each."""

    direction: str
    schema = resource_schema(
        computed("security_group_rule_id"),
        required("security_group_id", STRING, replace=True),
        required("ip_protocol", STRING),
        optional("from_port", NUMBER),
        optional("to_port", NUMBER),
        optional("cidr_ipv4", STRING),
        optional("cidr_ipv6", STRING),
        optional("prefix_list_id", STRING),
        optional("referenced_security_group_id", STRING),
        optional("description", STRING),
    )
    SOURCES = ("cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id")

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        super().validate(diags, type_name, config)
        if "ip_protocol" not in config:
            return
        given = [k for k in self.SOURCES if config.get(k) is not None]
        if len(given) != 1 and all(config.get(k) is not Unknown for k in self.SOURCES):
            diags.add_error(
                f"{type_name}: exactly one of {', '.join(self.SOURCES)} must be set",
                f"Got: {', '.join(given) or 'none'}.",
            )

    def _rule_spec(self, planned: dict[str, Any]) -> dict[str, Any]:
        proto = protocol(planned["ip_protocol"])
        spec: dict[str, Any] = {"IpProtocol": proto}
        if proto != "-1":
            spec.update(FromPort=int(planned["from_port"]), ToPort=int(planned["to_port"]))
        return spec

    def _permission(self, planned: dict[str, Any]) -> dict[str, Any]:
        perm = self._rule_spec(planned)
        desc = {"Description": planned["description"]} if planned.get("description") else {}
        if planned.get("cidr_ipv4"):
            perm["IpRanges"] = [{"CidrIp": planned["cidr_ipv4"], **desc}]
        elif planned.get("cidr_ipv6"):
            perm["Ipv6Ranges"] = [{"CidrIpv6": planned["cidr_ipv6"], **desc}]
        elif planned.get("prefix_list_id"):
            perm["PrefixListIds"] = [{"PrefixListId": planned["prefix_list_id"], **desc}]
        else:
            group = planned["referenced_security_group_id"]
            perm["UserIdGroupPairs"] = [{"GroupId": group, **desc}]
        return perm

    def plan_change(self, ctx: Any, prior: dict[str, Any] | None, planned: dict[str, Any]) -> Any:
        planned = super().plan_change(ctx, prior, planned)
        if prior is not None:  # in-place modification keeps the rule id
            for name in ("id", "arn", "security_group_rule_id"):
                planned[name] = prior[name]
        return planned

    def create(self, ctx: Any, planned: dict[str, Any]) -> Any:
        call = getattr(self.ec2, f"authorize_security_group_{self.direction}")
        result = call(
            GroupId=planned["security_group_id"], IpPermissions=[self._permission(planned)]
        )
        return self.created(ctx, planned, result["SecurityGroupRules"][0]["SecurityGroupRuleId"])

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        rule = self.describe_one(
            self.ec2.describe_security_group_rules,
            "SecurityGroupRules",
            SecurityGroupRuleIds=[current["id"]],
        )
        if rule is None:
            return None
        proto = rule.get("IpProtocol", "-1")
        same_proto = protocol(current.get("ip_protocol")) == protocol(proto)
        state: dict[str, Any] = {
            "id": rule["SecurityGroupRuleId"],
            "security_group_rule_id": rule["SecurityGroupRuleId"],
            "arn": self.provider.arn(
                f"security-group-rule/{rule['SecurityGroupRuleId']}", rule.get("GroupOwnerId")
            ),
            "security_group_id": rule["GroupId"],
            "ip_protocol": current.get("ip_protocol") if same_proto else proto,
            "cidr_ipv4": rule.get("CidrIpv4"),
            "cidr_ipv6": rule.get("CidrIpv6"),
            "prefix_list_id": rule.get("PrefixListId"),
            "referenced_security_group_id": (rule.get("ReferencedGroupInfo") or {}).get("GroupId"),
            "description": rule.get("Description")
            or (None if not current.get("description") else ""),
            **self.read_tags(current.get("tags"), rule.get("Tags")),
        }
        if protocol(proto) == "-1":
            state["from_port"] = current.get("from_port") if same_proto else None
            state["to_port"] = current.get("to_port") if same_proto else None
        else:
            state["from_port"] = rule.get("FromPort")
            state["to_port"] = rule.get("ToPort")
        return shape(self.schema, state, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        spec = self._rule_spec(planned)
        for field, key in (
            ("cidr_ipv4", "CidrIpv4"),
            ("cidr_ipv6", "CidrIpv6"),
            ("prefix_list_id", "PrefixListId"),
            ("referenced_security_group_id", "ReferencedGroupId"),
            ("description", "Description"),
        ):
            if planned.get(field):
                spec[key] = planned[field]
        self.ec2.modify_security_group_rules(
            GroupId=current["security_group_id"],
            SecurityGroupRules=[{"SecurityGroupRuleId": current["id"], "SecurityGroupRule": spec}],
        )
        return self.updated(ctx, current, planned)

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        call = getattr(self.ec2, f"revoke_security_group_{self.direction}")
        self.missing_ok(
            lambda: call(GroupId=current["security_group_id"], SecurityGroupRuleIds=[current["id"]])
        )


class VpcSecurityGroupIngressRule(_VpcSecurityGroupRule):
    name = "vpc_security_group_ingress_rule"
    direction = "ingress"


class VpcSecurityGroupEgressRule(_VpcSecurityGroupRule):
    name = "vpc_security_group_egress_rule"
    direction = "egress"
