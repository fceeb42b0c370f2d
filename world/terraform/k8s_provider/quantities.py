"""Resource quantities compared by value ("1" = "1000m", "0.5" = "500m", "1Gi" = "1024Mi"),
the real provider's `suppressEquivalentResourceQuantity`."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_FACTORS = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}


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
