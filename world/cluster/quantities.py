"""Kubernetes resource quantities (`500m`, `1.5`, `256Mi`, `1G`) as numbers."""

from __future__ import annotations

import re

_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_FACTORS = {
    "": 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}


def parse_quantity(value: object) -> float:
    """The quantity's value (cores for cpu, bytes for memory); ValueError if malformed."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    m = _QUANTITY.match(str(value).strip())
    if m is None:
        raise ValueError(f"quantities must match the regular expression {_QUANTITY.pattern!r}")
    return float(m[1]) * _FACTORS[m[2] or ""]


def int_or_percent(value: object, total: int, *, round_up: bool) -> int:
    """An IntOrString like `maxSurge`: 1 or "25%" of `total`, rounded as Kubernetes does."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.endswith("%") and text[:-1].isdigit():
        scaled = int(text[:-1]) * total
        return -(-scaled // 100) if round_up else scaled // 100
    if text.isdigit():
        return int(text)
    raise ValueError(f"must be an integer or a percentage, not {value!r}")
