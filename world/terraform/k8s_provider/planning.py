"""Planning and read-back, the legacy SDK's way, over raw Terraform values.

`plan_body`: the configuration, with the SDK's `Default`s where it is null, and for computed
fields (and Optional+Computed blocks) the prior state's value, or unknown on create.
`replace_paths`: where a ForceNew field changes. `reconcile`: what the API answered, but
in the prior state's representation wherever both mean the same (null vs "" or 0, "1" vs
"1000m", the API's own defaults), so that a plan right after an apply is empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tf.types import Unknown

from .fields import NO_DEFAULT, Attr, Body

Path = tuple[str | tuple[int], ...]


def zeroish(value: Any) -> bool:
    """Null or a zero value (the legacy SDK cannot tell them apart)."""
    if value is None or value is False or value == "":
        return True
    if isinstance(value, bool) or value is Unknown:
        return False
    if isinstance(value, int | float):
        return value == 0
    return isinstance(value, list | dict) and not value


def plan_body(shape: Body, config: Any, prior: Any) -> dict[str, Any]:
    """The planned value of one block element (or of the whole resource)."""
    cfg = config if isinstance(config, dict) else {}
    old = prior if isinstance(prior, dict) else None
    out: dict[str, Any] = {}
    for a in shape.attrs:
        out[a.name] = plan_attr(a, cfg.get(a.name), old)
    for b in shape.blocks:
        c = cfg.get(b.name)
        p = old.get(b.name) if old is not None else None
        if c is Unknown or b.single:
            out[b.name] = c
            continue
        items = c if isinstance(c, list) else []
        before = p if isinstance(p, list) else []
        if items:
            out[b.name] = [
                plan_body(b.body, item, before[i] if i < len(before) else None)
                for i, item in enumerate(items)
            ]
        else:
            out[b.name] = before if b.computed and old is not None else []
    return out


def plan_attr(a: Attr, c: Any, old: dict[str, Any] | None) -> Any:
    p = old.get(a.name) if old is not None else None
    if a.mode == "computed":
        return p if old is not None else Unknown
    if c is not None:
        if c is not Unknown and p is not None and a.equal is not None and a.equal(c, p):
            return p
        return c
    if a.default is not NO_DEFAULT:
        return a.default
    if a.computed:
        return p if old is not None else Unknown
    return p if p is not None and zeroish(p) else None


def differs(old: Any, new: Any) -> bool:
    """Whether a planned value changes the prior one (null and zero values are equal)."""
    if new is Unknown:
        return True
    if zeroish(old) and zeroish(new):
        return False
    return bool(old != new)


def replace_paths(shape: Body, prior: Any, planned: Any, path: Path = ()) -> Iterator[Path]:
    """Paths of ForceNew fields whose planned value differs from the prior state's."""
    if not isinstance(prior, dict) or not isinstance(planned, dict):
        return
    for a in shape.attrs:
        if a.force_new and differs(prior.get(a.name), planned.get(a.name)):
            yield (*path, a.name)
    for b in shape.blocks:
        old, new = prior.get(b.name), planned.get(b.name)
        if b.force_new and differs(old, new):
            yield (*path, b.name)
        elif isinstance(old, list) and isinstance(new, list):
            for i, (o, n) in enumerate(zip(old, new, strict=False)):
                yield from replace_paths(b.body, o, n, (*path, b.name, (i,)))


def reconcile(shape: Body, flat: dict[str, Any], prior: Any) -> dict[str, Any]:
    """`flat` (read from the API) in `prior`'s representation where they mean the same;
    fields `flat` lacks (not API fields) keep the prior value."""
    old = prior if isinstance(prior, dict) else {}
    out: dict[str, Any] = {}
    for a in shape.attrs:
        if a.name in flat:
            out[a.name] = reconcile_attr(a, flat[a.name], old.get(a.name))
        else:
            keep = old.get(a.name)
            missing = keep is None or keep is Unknown
            out[a.name] = a.default if missing and a.default is not NO_DEFAULT else keep
    for b in shape.blocks:
        p = old.get(b.name)
        if b.name not in flat:
            out[b.name] = p if b.single else (p if isinstance(p, list) else [])
            continue
        before = p if isinstance(p, list) else []
        out[b.name] = [
            reconcile(b.body, item, before[i] if i < len(before) else None)
            for i, item in enumerate(flat[b.name])
        ]
    return out


def reconcile_attr(a: Attr, f: Any, p: Any) -> Any:
    if p is Unknown:
        return f
    if f is None and a.default is not NO_DEFAULT:
        return p if p is not None else a.default
    if zeroish(f) and zeroish(p):
        return p
    if p is None and a.server_default is not NO_DEFAULT and f == a.server_default:
        return None
    if p is not None and f is not None and a.equal is not None and a.equal(f, p):
        return p
    return f


def scrub(shape: Body, value: dict[str, Any]) -> dict[str, Any]:
    """No unknowns after apply or read: unknown attributes become null, blocks empty."""
    out: dict[str, Any] = {}
    for a in shape.attrs:
        v = value.get(a.name)
        out[a.name] = None if v is Unknown else v
    for b in shape.blocks:
        v = value.get(b.name)
        if b.single:
            out[b.name] = None if v is Unknown else v
        else:
            items = v if isinstance(v, list) else []
            out[b.name] = [scrub(b.body, i) for i in items if isinstance(i, dict)]
    return out
