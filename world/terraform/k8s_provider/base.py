"""What every resource shares: API paths, validation, planning, and create/read/update/delete.

A resource class declares its Terraform shape (`shape`, fields as in the real provider) and
its API kind; `to_object` / `flat` map between the two (generic via the fields' keys, with
hooks for what is special). Updates are a PUT of the whole object with the live
`resourceVersion` (retried on 409), keeping labels and annotations Terraform never managed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from world.terraform.provider_kit import Component

from .convert import expand, flatten
from .errors import STAND_IN, ApiError, ProviderError
from .fields import NO_DEFAULT, Body, resource_schema
from .metadata import merged_keys, visible
from .planning import Path, plan_body, reconcile, replace_paths, scrub


@dataclass(frozen=True)
class ApiKind:
    """Where objects of one kind live in the API."""

    prefix: str  # /api/v1, /apis/apps/v1, ...
    plural: str
    kind: str
    api_version: str
    namespaced: bool = True

    def collection(self, namespace: str | None) -> str:
        if self.namespaced:
            return f"{self.prefix}/namespaces/{namespace or 'default'}/{self.plural}"
        return f"{self.prefix}/{self.plural}"

    def path(self, namespace: str | None, name: str) -> str:
        return f"{self.collection(namespace)}/{name}"


def first(value: Any, name: str) -> dict[str, Any]:
    """The only element of a max_items=1 block (`metadata`, `spec`), or {}."""
    items = value.get(name) if isinstance(value, dict) else None
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return {}


DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")
UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def duration(text: Any, default: float) -> float:
    """Seconds of a Go duration ("3m", "1m30s"); `default` when unset or malformed."""
    if not isinstance(text, str) or not text.strip():
        return default
    parts = DURATION.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return default
    return sum(float(n) * UNITS[u] for n, u in parts)


def check_fields(shape: Body, config: Any, path: Path = ()) -> Iterator[tuple[str, str, Path]]:
    """(field, problem, path) for every refused or invalid value in a configuration."""
    cfg = config if isinstance(config, dict) else {}
    for a in shape.attrs:
        v = cfg.get(a.name)
        if v is None or v == [] or v == {}:
            continue
        where = (*path, a.name)
        if a.unsupported and not (a.default is not NO_DEFAULT and v == a.default):
            yield dotted(where), a.unsupported, where
        elif a.choices and isinstance(v, str) and v not in a.choices:
            options = " ".join(f'"{c}"' for c in a.choices)
            yield dotted(where), f"expected one of [{options}], got {v!r}", where
    for b in shape.blocks:
        v = cfg.get(b.name)
        items = [v] if b.single and isinstance(v, dict) else v if isinstance(v, list) else []
        where = (*path, b.name)
        if b.unsupported and items:
            yield dotted(where), b.unsupported, where
            continue
        for i, item in enumerate(items):
            yield from check_fields(b.body, item, where if b.single else (*where, (i,)))


def dotted(path: Path) -> str:
    return ".".join(p for p in path if isinstance(p, str))


@functools.cache
def cached_schema(shape: Body, version: int) -> Any:
    """The `tf` Schema of a shape, built once."""
    return resource_schema(shape, version)


class Shaped(Component):
    """A resource or data source type described by its fields (`shape`), not a `tf` Schema."""

    shape: ClassVar[Body]
    version: ClassVar[int] = 0

    @classmethod
    def get_schema(cls) -> Any:
        return cached_schema(cls.shape, cls.version)


class K8sResource(Shaped):
    """Base of every resource type; subclasses set `name`, `shape`, `kind`."""

    kind: ClassVar[ApiKind]
    default_timeouts: ClassVar[dict[str, float]] = {}

    @property
    def client(self) -> Any:
        return self.provider.client

    # -- validation and planning --
    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        for field_name, why, path in check_fields(self.shape, config):
            if why.startswith("expected one of"):
                diags.add_error(f"{type_name}.{field_name}: {why}", path=list(path))
            else:
                diags.add_error(f"{type_name}.{field_name} is not supported by {STAND_IN}", why,
                                path=list(path))  # fmt: skip
        self.check(diags, type_name, config)

    def check(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        """Resource-specific refusals (beyond single fields)."""

    def plan_change(
        self, prior: dict[str, Any] | None, config: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Path]]:
        planned = plan_body(self.shape, config, prior)
        self.adjust_plan(prior, planned)
        replace = list(replace_paths(self.shape, prior, planned)) if prior else []
        return planned, replace

    def adjust_plan(self, prior: dict[str, Any] | None, planned: dict[str, Any]) -> None:
        """Resource-specific planning (e.g. what a change of strategy type implies)."""

    # -- mapping --
    def to_object(self, planned: dict[str, Any]) -> dict[str, Any]:
        obj = {"apiVersion": self.kind.api_version, "kind": self.kind.kind}
        return obj | expand(self.shape, planned)

    def flat(self, obj: dict[str, Any], prior: dict[str, Any]) -> dict[str, Any]:
        flat = flatten(self.shape, obj)
        self.show_metadata(flat, obj.get("metadata"), first(prior, "metadata"))
        flat["id"] = self.object_id(obj)
        return flat

    def show_metadata(self, flat: dict[str, Any], meta: Any, prior_meta: dict[str, Any]) -> None:
        """Hide server-managed and ignored labels/annotations (see metadata.visible)."""
        items = flat.get("metadata")
        if not items or not isinstance(meta, dict):
            return
        settings = self.provider.settings
        for key, ignore in (
            ("labels", settings.ignore_labels if settings else []),
            ("annotations", settings.ignore_annotations if settings else []),
        ):
            items[0][key] = visible(meta.get(key), prior_meta.get(key), ignore)

    def state(self, obj: dict[str, Any], prior: dict[str, Any]) -> dict[str, Any]:
        return scrub(self.shape, reconcile(self.shape, self.flat(obj, prior), prior))

    # -- identity --
    def object_id(self, obj: dict[str, Any]) -> str:
        meta = obj.get("metadata") or {}
        if self.kind.namespaced:
            return f"{meta.get('namespace') or 'default'}/{meta.get('name')}"
        return str(meta.get("name"))

    def locate(self, state: dict[str, Any]) -> tuple[str | None, str]:
        """(namespace, name) from the id, else from metadata."""
        ident = state.get("id")
        if isinstance(ident, str) and ident:
            if self.kind.namespaced and "/" in ident:
                ns, _, name = ident.partition("/")
                return ns, name
            return (None if not self.kind.namespaced else "default"), ident
        meta = first(state, "metadata")
        return meta.get("namespace"), str(meta.get("name"))

    def timeout(self, state: dict[str, Any], operation: str) -> float:
        configured = (state.get("timeouts") or {}).get(operation)
        return duration(configured, self.default_timeouts.get(operation, 600.0))

    # -- lifecycle --
    def create(self, ctx: Any, planned: dict[str, Any]) -> dict[str, Any]:
        ns = first(planned, "metadata").get("namespace")
        obj = self.client.post(self.kind.collection(ns), self.to_object(planned))
        return self.settle(ctx, obj, planned, "create")

    def settle(
        self, ctx: Any, obj: dict[str, Any], planned: dict[str, Any], operation: str
    ) -> dict[str, Any]:
        """After a write: wait where the resource does, then the state read back. A failed
        wait is an error diagnostic with the object's state (a created one is tainted)."""
        try:
            obj = self.wait(obj, planned, operation) or obj
        except ProviderError as exc:
            ctx.diagnostics.add_error(
                f"{ctx.type_name} was {operation}d but is not ready", str(exc)
            )
        return self.state(obj, planned)

    def wait(
        self, obj: dict[str, Any], planned: dict[str, Any], operation: str
    ) -> dict[str, Any] | None:
        """Wait for the object to be ready (rollout, load balancer); the object then."""
        return None

    def read(self, ctx: Any, current: dict[str, Any]) -> dict[str, Any] | None:
        ns, name = self.locate(current)
        obj = self.client.find(self.kind.path(ns, name))
        return None if obj is None else self.state(obj, current)

    def update(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        ns, name = self.locate(current)
        path = self.kind.path(ns, name)
        for attempt in range(5):
            live = self.client.get(path)
            body = self.to_object(planned)
            meta, live_meta = body.setdefault("metadata", {}), live.get("metadata") or {}
            prior_meta, planned_meta = first(current, "metadata"), first(planned, "metadata")
            for key in ("labels", "annotations"):
                meta[key] = merged_keys(
                    live_meta.get(key), prior_meta.get(key), planned_meta.get(key)
                )
            meta["resourceVersion"] = live_meta.get("resourceVersion")
            self.carry(live, body)
            try:
                obj = self.client.put(path, body)
                break
            except ApiError as exc:
                if exc.code != 409 or attempt == 4:
                    raise
        return self.settle(ctx, obj, planned, "update")

    def carry(self, live: dict[str, Any], body: dict[str, Any]) -> None:
        """Copy what the server set and a replace must keep (e.g. a Service's clusterIP)."""

    def delete(self, ctx: Any, current: dict[str, Any]) -> None:
        ns, name = self.locate(current)
        path = self.kind.path(ns, name)
        if self.client.delete(path):
            self.client.wait_gone(path, self.timeout(current, "delete"))

    def import_(self, ctx: Any, ident: str) -> dict[str, Any]:
        ns, _, name = ident.rpartition("/")
        meta: dict[str, Any] = {"name": name}
        if self.kind.namespaced:
            meta["namespace"] = ns or "default"
        state = scrub(self.shape, plan_body(self.shape, {"metadata": [meta]}, None))
        state["id"] = f"{ns or 'default'}/{name}" if self.kind.namespaced else name
        return state
