"""`metadata {}`: the real provider's fields, and its handling of server-added keys.

Labels and annotations that the server adds under a `*kubernetes.io/` prefix (for example
`kubernetes.io/metadata.name` on a namespace) are hidden unless the configuration sets
them, as the real provider's `removeInternalKeys` does; keys matching the provider's
`ignore_labels` / `ignore_annotations` patterns are hidden likewise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from .fields import NUMBER, STRING_MAP, Attr, Block, body, comp, opt, optc


def metadata_block(*, namespaced: bool, generatable: bool = True, template: bool = False) -> Block:
    """`metadataSchema` / `namespacedMetadataSchema(IsTemplate)` of the real provider."""
    fields: list[Attr] = [
        opt("annotations", STRING_MAP),
        comp("generation", NUMBER),
        opt("labels", STRING_MAP),
        optc("name", force_new=True),
        comp("resource_version"),
        comp("uid"),
    ]
    if namespaced:
        default = "default" if not template else None
        fields.append(opt("namespace", force_new=True, **({"default": default} if default else {})))
    if generatable:
        fields.append(opt("generate_name", force_new=True))
    return Block("metadata", body(*fields), required=True, max_items=1)


def is_internal_key(key: str) -> bool:
    """Keys the server manages (`removeInternalKeys` in the real provider)."""
    host = urlsplit("//" + key).hostname or ""
    if host in ("app.kubernetes.io", "service.beta.kubernetes.io"):
        return False
    return host.endswith("kubernetes.io") or "deprecated.daemonset.template.generation" in key


def visible(
    actual: Any, configured: Any, ignore: Sequence[re.Pattern[str]] = ()
) -> dict[str, str] | None:
    """The labels/annotations to show: server-managed and ignored keys only if configured."""
    if not isinstance(actual, dict):
        return None
    mine = configured if isinstance(configured, dict) else {}
    return {
        k: v
        for k, v in actual.items()
        if k in mine or not (is_internal_key(k) or any(p.search(k) for p in ignore))
    }


def merged_keys(current: Any, prior: Any, planned: Any) -> dict[str, str]:
    """Labels/annotations to write on update: the planned ones, plus the keys Terraform never
    saw (hidden server-managed or ignored ones); keys in the prior state but no longer
    planned are dropped."""
    now = current if isinstance(current, dict) else {}
    before = prior if isinstance(prior, dict) else {}
    wanted = planned if isinstance(planned, dict) else {}
    kept = {k: v for k, v in now.items() if k not in before}
    return {**kept, **wanted}
