"""kubernetes_namespace_v1, kubernetes_secret_v1 and kubernetes_service_v1."""

from __future__ import annotations

import base64
from typing import Any, ClassVar

from .base import ApiKind, K8sResource, first
from .fields import (
    BOOL,
    NUMBER,
    NUMERIC_STRING,
    STRING,
    STRING_LIST,
    STRING_MAP,
    STRING_SET,
    Block,
    body,
    comp,
    id_attr,
    many,
    object_list,
    one,
    opt,
    optc,
    req,
    timeouts,
)
from .metadata import metadata_block
from .planning import Path, differs

CORE = "/api/v1"
LB_INGRESS = object_list({"ip": STRING, "ip_mode": STRING, "hostname": STRING})
SERVICE_STATUS = object_list({"load_balancer": object_list({"ingress": LB_INGRESS})})
NO_LB = "the stand-in has no load-balancer controller; route traffic with kubernetes_ingress_v1"


class Namespace(K8sResource):
    name = "namespace_v1"
    kind = ApiKind(CORE, "namespaces", "Namespace", "v1", namespaced=False)
    shape = body(
        metadata_block(namespaced=False),
        opt("wait_for_default_service_account", BOOL, default=False, key=None,
            unsupported="the stand-in has no ServiceAccounts"),
        id_attr(),
        timeouts("delete"),
    )  # fmt: skip
    default_timeouts: ClassVar[dict[str, float]] = {"delete": 300}


class Secret(K8sResource):
    name = "secret_v1"
    kind = ApiKind(CORE, "secrets", "Secret", "v1")
    shape = body(
        metadata_block(namespaced=True),
        optc("data", STRING_MAP, sensitive=True, key=None),
        opt("binary_data", STRING_MAP, sensitive=True, key=None),
        opt("data_wo_revision", NUMBER, unsupported="write-only attributes are not supported"),
        opt("binary_data_wo_revision", NUMBER,
            unsupported="write-only attributes are not supported"),
        opt("immutable", BOOL),
        opt("type", default="Opaque", force_new=True),
        opt("wait_for_service_account_token", BOOL, default=True, key=None),
        id_attr(),
        timeouts("create"),
    )  # fmt: skip

    def plan_change(
        self, prior: dict[str, Any] | None, config: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Path]]:
        """An immutable Secret's data can only change by replacement (as the real one)."""
        planned, replace = super().plan_change(prior, config)
        if prior and prior.get("immutable"):
            for name in ("data", "binary_data", "immutable"):
                if differs(prior.get(name), planned.get(name)):
                    replace.append((name,))
        return planned, replace

    def to_object(self, planned: dict[str, Any]) -> dict[str, Any]:
        obj = super().to_object(planned)
        text, binary = planned.get("data"), planned.get("binary_data")
        data = {
            k: base64.b64encode(str(v).encode()).decode()
            for k, v in (text.items() if isinstance(text, dict) else ())
        }
        data.update(binary if isinstance(binary, dict) else {})
        obj["data"] = data
        return obj

    def flat(self, obj: dict[str, Any], prior: dict[str, Any]) -> dict[str, Any]:
        flat = super().flat(obj, prior)
        raw = dict(obj.get("data") or {})
        binary_keys = list(prior.get("binary_data") or {})
        if prior.get("binary_data") is not None:
            flat["binary_data"] = {k: raw[k] for k in binary_keys if k in raw}
        for k in binary_keys:
            raw.pop(k, None)
        flat["data"] = {
            k: base64.b64decode(v).decode("utf-8", errors="replace") for k, v in raw.items()
        }
        return flat


SERVICE_PORT = many(
    "port",
    opt("app_protocol"),
    opt("name"),
    optc("node_port", NUMBER),
    req("port", NUMBER),
    opt("protocol", default="TCP", choices=("TCP", "UDP", "SCTP")),
    optc("target_port", codec=NUMERIC_STRING),
    key="ports",
)

SERVICE_SPEC = Block(
    "spec",
    body(
        opt("allocate_load_balancer_node_ports", BOOL, default=True),
        optc("cluster_ip", force_new=True, key="clusterIP"),
        optc("cluster_ips", STRING_LIST, force_new=True, key="clusterIPs"),
        opt("external_ips", STRING_SET, key="externalIPs",
            unsupported="nothing outside the machine reaches the stand-in"),
        opt("external_name"),
        optc("external_traffic_policy", choices=("Local", "Cluster")),
        optc("ip_families", STRING_LIST),
        optc("ip_family_policy"),
        optc("internal_traffic_policy", choices=("Cluster", "Local")),
        opt("load_balancer_class", force_new=True, unsupported=NO_LB),
        opt("load_balancer_ip", key="loadBalancerIP", unsupported=NO_LB),
        opt("load_balancer_source_ranges", STRING_SET, unsupported=NO_LB),
        SERVICE_PORT,
        opt("publish_not_ready_addresses", BOOL, default=False),
        opt("selector", STRING_MAP),
        opt("session_affinity", default="None", choices=("ClientIP", "None")),
        one("session_affinity_config", one("client_ip", optc("timeout_seconds", NUMBER),
            computed=True), computed=True,
            unsupported="the stand-in does not route by Service (no kube-proxy)"),
        opt("traffic_distribution", unsupported="the stand-in does not route by Service"),
        opt("type", default="ClusterIP",
            choices=("ClusterIP", "ExternalName", "NodePort", "LoadBalancer")),
        optc("health_check_node_port", NUMBER, force_new=True),
    ),
    required=True,
    max_items=1,
)  # fmt: skip


def lb_status(status: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """The `status` attribute: [{load_balancer = [{ingress = [{ip, hostname, ...}]}]}]."""
    lb = (status or {}).get("loadBalancer") or {}
    keys = {"ip": "ip", "ip_mode": "ipMode", "hostname": "hostname"}
    ingress = [{f: item.get(keys[f]) or "" for f in fields} for item in lb.get("ingress") or []]
    return [{"load_balancer": [{"ingress": ingress}]}]


class Service(K8sResource):
    name = "service_v1"
    version = 1
    kind = ApiKind(CORE, "services", "Service", "v1")
    shape = body(
        metadata_block(namespaced=True),
        SERVICE_SPEC,
        opt("wait_for_load_balancer", BOOL, default=True, key=None),
        comp("status", SERVICE_STATUS, key=None),
        id_attr(),
        timeouts("create"),
    )
    default_timeouts: ClassVar[dict[str, float]] = {"create": 600}

    def check(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        spec = first(config, "spec")
        if spec.get("type") == "LoadBalancer" and config.get("wait_for_load_balancer") is not False:
            diags.add_error(
                f'{type_name}.spec.type = "LoadBalancer" is not supported by the offline '
                "kubernetes stand-in",
                f"{NO_LB}; with wait_for_load_balancer = false it is created but never "
                "gets an address.",
                path=["spec"],
            )

    def flat(self, obj: dict[str, Any], prior: dict[str, Any]) -> dict[str, Any]:
        flat = super().flat(obj, prior)
        flat["status"] = lb_status(obj.get("status"), ("ip", "ip_mode", "hostname"))
        return flat

    def carry(self, live: dict[str, Any], body: dict[str, Any]) -> None:
        spec, live_spec = body.setdefault("spec", {}), live.get("spec") or {}
        for key in ("clusterIP", "clusterIPs"):
            if key not in spec and key in live_spec:
                spec[key] = live_spec[key]


class NamespaceAlias(Namespace):
    """`kubernetes_namespace`: the same resource under its pre-_v1 name."""

    name = "namespace"


class SecretAlias(Secret):
    """`kubernetes_secret`: the same resource under its pre-_v1 name."""

    name = "secret"


class ServiceAlias(Service):
    """`kubernetes_service`: the same resource under its pre-_v1 name."""

    name = "service"
