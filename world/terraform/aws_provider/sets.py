"""Keeping set-of-object attributes stable across refreshes.

A block written in configuration leaves unset fields null, while the emulator reports "" or
[] or false. To avoid a perpetual diff, an object read back from the emulator is replaced by
the prior-state object that means the same thing, and otherwise reported with empty values
as null (which is what a block that does not mention them produces).
"""

from __future__ import annotations

from typing import Any


def normal(value: Any) -> Any:
    """A hashable, representation-free form of one value: empty things are all None."""
    if value is None or value is False or value == "":
        return None
    if isinstance(value, list | tuple | set):
        return tuple(sorted(str(normal(v)) for v in value)) or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def key(obj: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, normal(v)) for k, v in obj.items()))


def canonical(obj: dict[str, Any]) -> dict[str, Any]:
    """Empty strings, empty lists and false become null."""
    return {k: (None if normal(v) is None else v) for k, v in obj.items()}


def match_prior(actual: list[dict[str, Any]], prior: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_key = {key(p): p for p in prior}
    return [by_key.get(key(a), canonical(a)) for a in actual]
