"""node-semver style ranges (the ones setup-terraform, setup-kubectl and setup-helm accept):
exact versions, x-ranges (1.x, 1.5.*), ~, ^ and comparator sets (>=1.5 <1.8), `||`.
Stand-ins only check an installed tool against a range; they never pick among downloads.
"""

from __future__ import annotations

import re

VERSION = re.compile(r"v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$")


def parse(text: str) -> tuple[int, int, int]:
    """An installed version `v1.9.8` / `1.9.8-beta` -> (1, 9, 8)."""
    match = VERSION.match(text.strip())
    if not match or not all(p is None or p.isdigit() for p in match.groups()):
        raise ValueError(f"not a version: {text!r}")
    major, minor, patch = (int(p) if p else 0 for p in match.groups())
    return major, minor, patch


def _partial(text: str) -> list[int | None]:
    match = VERSION.match(text)
    if not match:
        raise ValueError(f"not a version range: {text!r}")
    return [int(p) if p and p.isdigit() else None for p in match.groups()]


def _bounds(parts: list[int | None]) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """[low, high) of a partial version: 1.5 -> [1.5.0, 1.6.0)."""
    fixed: list[int] = []
    for part in parts:
        if part is None:
            break
        fixed.append(part)
    low = tuple(fixed + [0] * (3 - len(fixed)))
    if len(fixed) == 3:
        return low, None
    if not fixed:
        return (0, 0, 0), (10**9, 0, 0)
    high = list(fixed)
    high[-1] += 1
    return low, tuple(high + [0] * (3 - len(high)))


def _comparator(token: str, version: tuple[int, int, int]) -> bool:
    op_match = re.match(r"^(>=|<=|>|<|=|~>|~|\^)?\s*(.+)$", token)
    assert op_match
    op, rest = op_match.group(1) or "", op_match.group(2)
    parts = _partial(rest)
    low, high = _bounds(parts)
    fixed = [p for p in parts if p is not None]
    if op in ("", "="):
        return version == low if high is None else low <= version < high
    if op in ("~", "~>"):
        if len(fixed) >= 2:
            high = (fixed[0], fixed[1] + 1, 0)
        return low <= version < (high or (low[0], low[1] + 1, 0))
    if op == "^":
        first = next((i for i, p in enumerate(low) if p), 2)
        top = list(low[: first + 1])
        top[-1] += 1
        return low <= version < tuple(top + [0] * (3 - len(top)))
    if op == ">=":
        return version >= low
    if op == ">":
        return version >= high if high is not None else version > low
    if op == "<":
        return version < low
    return version < high if high is not None else version <= low


def satisfies(version: tuple[int, int, int], spec: str) -> bool:
    """Whether `version` is in the range `spec` (raises ValueError for a bad range)."""
    for alternative in spec.split("||"):
        text = re.sub(r"(>=|<=|>|<|=|~>|~|\^)\s+", r"\1", alternative.strip())
        hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", text)
        tokens = [f">={hyphen.group(1)}", f"<={hyphen.group(2)}"] if hyphen else text.split()
        if all(_comparator(token, version) for token in tokens or ["*"]):
            return True
    return False
