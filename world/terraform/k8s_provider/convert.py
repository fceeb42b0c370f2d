"""Terraform values <-> Kubernetes JSON, driven by the fields' keys and codecs.

`expand` turns a block's value (as planned) into the API object, leaving out nulls and
unknowns; `flatten` reads an API object back into the block's shape. A list block of at most
one element is an object in the API (`spec`, `strategy`); other list blocks are lists.
"""

from __future__ import annotations

from typing import Any

from tf.types import Unknown

from .fields import Attr, Body


def _known(value: Any) -> bool:
    if value is None or value is Unknown:
        return False
    if isinstance(value, list):
        return all(_known(v) for v in value)
    if isinstance(value, dict):
        return all(v is not Unknown for v in value.values())
    return True


def expand(shape: Body, value: Any) -> dict[str, Any]:
    """The API object for one block element (a dict of Terraform values)."""
    value = value if isinstance(value, dict) else {}
    out: dict[str, Any] = {}
    for a in shape.attrs:
        key = a.api_key
        v = value.get(a.name)
        if key is None or a.mode == "computed" or not _known(v):
            continue
        out[key] = expand_attr(a, v)
    for b in shape.blocks:
        key = b.api_key
        items = value.get(b.name)
        if key is None or not isinstance(items, list) or not items:
            continue
        if b.is_object:
            out[key] = expand(b.body, items[0])
        else:
            out[key] = [expand(b.body, item) for item in items]
    return out


def expand_attr(a: Attr, v: Any) -> Any:
    if a.codec is None:
        return v
    if isinstance(v, list):
        return [a.codec.to_api(x) for x in v]
    return a.codec.to_api(v)


def flatten(shape: Body, obj: Any) -> dict[str, Any]:
    """One block element's Terraform values from an API object (missing fields: null)."""
    obj = obj if isinstance(obj, dict) else {}
    out: dict[str, Any] = {}
    for a in shape.attrs:
        key = a.api_key
        if key is None:
            continue
        v = obj.get(key)
        if v is not None and a.codec is not None:
            v = [a.codec.from_api(x) for x in v] if isinstance(v, list) else a.codec.from_api(v)
        out[a.name] = v
    for b in shape.blocks:
        key = b.api_key
        if key is None:
            continue
        raw = obj.get(key)
        if b.is_object:
            keep = isinstance(raw, dict) and (bool(raw) or b.required)
            out[b.name] = [flatten(b.body, raw)] if keep else []
        else:
            items = raw if isinstance(raw, list) else []
            out[b.name] = [flatten(b.body, r) for r in items if isinstance(r, dict)]
    return out
