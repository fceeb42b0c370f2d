"""kubernetes_ingress_v1: rules, backends and the load balancer status the router reports."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import ApiKind, K8sResource
from .client import poll
from .core import lb_status
from .errors import ProviderError
from .fields import (
    BOOL,
    NUMBER,
    STRING,
    STRING_LIST,
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

INGRESS_STATUS = object_list(
    {"load_balancer": object_list({"ingress": object_list({"ip": STRING, "hostname": STRING})})}
)


def backend(name: str) -> Block:
    """`backendSpecFieldsV1`: a Service (name and port) or, refused here, a resource."""
    return one(
        name,
        one("resource", req("api_group"), req("kind"), req("name"),
            unsupported="the stand-in's router sends traffic to Services only"),
        one("service", req("name"),
            Block("port", body(opt("name"), opt("number", NUMBER)), required=True, max_items=1)),
    )  # fmt: skip


INGRESS_SPEC = Block(
    "spec",
    body(
        optc("ingress_class_name"),
        backend("default_backend"),
        many(
            "rule",
            opt("host"),
            one(
                "http",
                Block(
                    "path",
                    body(
                        opt("path"),
                        opt("path_type", default="ImplementationSpecific",
                            choices=("ImplementationSpecific", "Prefix", "Exact")),
                        backend("backend"),
                    ),
                    required=True,
                    key="paths",
                ),
            ),
            key="rules",
        ),
        many("tls", opt("hosts", STRING_LIST), opt("secret_name")),
    ),
    required=True,
    max_items=1,
)  # fmt: skip


class Ingress(K8sResource):
    name = "ingress_v1"
    kind = ApiKind("/apis/networking.k8s.io/v1", "ingresses", "Ingress", "networking.k8s.io/v1")
    shape = body(
        metadata_block(namespaced=True),
        INGRESS_SPEC,
        comp("status", INGRESS_STATUS, key=None),
        opt("wait_for_load_balancer", BOOL, key=None),
        id_attr(),
        timeouts("create", "delete"),
    )
    default_timeouts: ClassVar[dict[str, float]] = {"create": 1200, "delete": 1200}

    def flat(self, obj: dict[str, Any], prior: dict[str, Any]) -> dict[str, Any]:
        flat = super().flat(obj, prior)
        flat["status"] = lb_status(obj.get("status"), ("ip", "hostname"))
        return flat

    def wait(
        self, obj: dict[str, Any], planned: dict[str, Any], operation: str
    ) -> dict[str, Any] | None:
        if operation != "create" or planned.get("wait_for_load_balancer") is not True:
            return None
        meta = obj.get("metadata") or {}
        path = self.kind.path(meta.get("namespace"), str(meta.get("name")))
        found: dict[str, Any] = {}

        def served() -> bool:
            found["obj"] = self.client.get(path)
            lb = ((found["obj"].get("status") or {}).get("loadBalancer")) or {}
            return bool(lb.get("ingress"))

        try:
            poll(served, self.timeout(planned, "create"), f"ingress {path} to get an address")
        except ProviderError as exc:
            raise ProviderError(
                f"{exc}: the stand-in's router only serves Ingresses of class nginx (or none)"
            ) from None
        result: dict[str, Any] = found["obj"]
        return result


__all__ = ["Ingress"]
