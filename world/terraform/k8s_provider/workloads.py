"""kubernetes_deployment_v1: the Deployment, waiting for its rollout like the real provider."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import ApiKind, K8sResource, first
from .fields import BOOL, NUMBER, NUMERIC_STRING, Block, body, id_attr, one, opt, optc, timeouts
from .metadata import metadata_block
from .podspec import pod_spec_fields, selector_block
from .rollout import wait_for_rollout

STRATEGY = one(
    "strategy",
    opt("type", default="RollingUpdate", choices=("RollingUpdate", "Recreate")),
    one(
        "rolling_update",
        opt("max_surge", default="25%", codec=NUMERIC_STRING),
        opt("max_unavailable", default="25%", codec=NUMERIC_STRING),
        computed=True,
    ),
    computed=True,
)

TEMPLATE = one(
    "template",
    metadata_block(namespaced=True, template=True),
    Block("spec", body(*pod_spec_fields()), required=True, max_items=1),
    required=True,
)

DEPLOYMENT_SPEC = Block(
    "spec",
    body(
        opt("min_ready_seconds", NUMBER, default=0),
        opt("paused", BOOL, default=False),
        opt("progress_deadline_seconds", NUMBER, default=600),
        optc("replicas", codec=NUMERIC_STRING),
        opt("revision_history_limit", NUMBER, default=10),
        selector_block(),
        STRATEGY,
        TEMPLATE,
    ),
    required=True,
    max_items=1,
)


class Deployment(K8sResource):
    name = "deployment_v1"
    version = 1
    kind = ApiKind("/apis/apps/v1", "deployments", "Deployment", "apps/v1")
    shape = body(
        metadata_block(namespaced=True),
        DEPLOYMENT_SPEC,
        opt("wait_for_rollout", BOOL, default=True, key=None),
        id_attr(),
        timeouts("create", "update", "delete"),
    )
    default_timeouts: ClassVar[dict[str, float]] = {"create": 600, "update": 600, "delete": 600}

    def adjust_plan(self, prior: dict[str, Any] | None, planned: dict[str, Any]) -> None:
        strategy = first(first(planned, "spec"), "strategy")
        if strategy.get("type") == "Recreate":
            strategy["rolling_update"] = []

    def flat(self, obj: dict[str, Any], prior: dict[str, Any]) -> dict[str, Any]:
        flat = super().flat(obj, prior)
        template = first(first(flat, "spec"), "template")
        prior_template = first(first(prior, "spec"), "template")
        api_template = ((obj.get("spec") or {}).get("template")) or {}
        if template:
            self.show_metadata(
                template, api_template.get("metadata"), first(prior_template, "metadata")
            )
        return flat

    def wait(
        self, obj: dict[str, Any], planned: dict[str, Any], operation: str
    ) -> dict[str, Any] | None:
        if planned.get("wait_for_rollout") is False:
            return None
        meta = obj.get("metadata") or {}
        return wait_for_rollout(
            self.client, meta["namespace"], meta["name"], self.timeout(planned, operation)
        )


class DeploymentAlias(Deployment):
    """`kubernetes_deployment`: the same resource under its pre-_v1 name."""

    name = "deployment"
