"""Data source kubernetes_namespace_v1: an existing namespace's metadata and finalizers."""

from __future__ import annotations

from typing import Any

from .base import Shaped, first
from .convert import flatten
from .errors import ProviderError
from .fields import STRING_LIST, body, comp, id_attr, object_list
from .metadata import metadata_block, visible
from .planning import reconcile, scrub


class NamespaceData(Shaped):
    name = "namespace_v1"
    shape = body(
        metadata_block(namespaced=False, generatable=False),
        comp("spec", object_list({"finalizers": STRING_LIST}), key=None),
        id_attr(),
    )

    def read(self, ctx: Any, config: dict[str, Any]) -> dict[str, Any]:
        name = first(config, "metadata").get("name")
        if not isinstance(name, str) or not name:
            raise ProviderError("metadata.name is required to look up a namespace")
        obj = self.provider.client.get(f"/api/v1/namespaces/{name}")
        flat = flatten(self.shape, obj)
        meta = obj.get("metadata") or {}
        configured = first(config, "metadata")
        for key in ("labels", "annotations"):
            flat["metadata"][0][key] = visible(meta.get(key), configured.get(key))
        flat["spec"] = [{"finalizers": list((obj.get("spec") or {}).get("finalizers") or [])}]
        flat["id"] = name
        return scrub(self.shape, reconcile(self.shape, flat, config))


class NamespaceDataAlias(NamespaceData):
    """`kubernetes_namespace`: the same data source under its pre-_v1 name."""

    name = "namespace"


DATA_SOURCES = (NamespaceData, NamespaceDataAlias)
