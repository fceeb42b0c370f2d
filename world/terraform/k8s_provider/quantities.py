"""Resource quantities compared by value ("1" = "1000m", "0.5" = "500m", "1Gi" = "1024Mi"),
the real provider's `suppressEquivalentResourceQuantity`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_FACTORS = {"": Decimal(1), "m": Decimal("0.001")}
_FACTORS |= {p: Decimal(10) ** (3 * n) for n, p in enumerate("kMGTPE", 1)}  # k = 10^3, ...
_FACTORS |= {p + "i": Decimal(2) ** (10 * n) for n, p in enumerate("KMGTPE", 1)}  # Ki = 2^10, ...


def quantity(value: Any) -> Decimal | None:
    match = _QUANTITY.match(str(value).strip())
    if match is None:
        return None
    try:
        return Decimal(match[1]) * _FACTORS[match[2] or ""]
    except InvalidOperation:
        return None


def same_quantities(a: Any, b: Any) -> bool:
    """Two maps of quantities with the same keys and values."""
    if not isinstance(a, dict) or not isinstance(b, dict) or set(a) != set(b):
        return False
    for key, value in a.items():
        left, right = quantity(value), quantity(b[key])
        if left is None or right is None:
            if value != b[key]:
                return False
        elif left != right:
            return False
    return True
