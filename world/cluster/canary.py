"""ingress-nginx's canary annotations, read as ingress-nginx reads them.

`nginx.ingress.kubernetes.io/canary: "true"` marks an Ingress as the canary of the
non-canary Ingress with the same host and path. Which requests go to the canary is decided,
in this order (ingress-nginx's `route_to_alternative_balancer`):

1. `canary-by-header`: the header's value `always` -> canary, `never` -> stable; when
   `canary-by-header-value` is set, only an exact match -> canary (and `always`/`never` lose
   their meaning); `canary-by-header-pattern` (PCRE) likewise when no value is set; any other
   value (or no header) falls through;
2. `canary-by-cookie`: `always` -> canary, `never` -> stable, anything else falls through;
3. `canary-weight` out of `canary-weight-total` (default 100; as in ingress-nginx a total
   below 100 is treated as 100).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import Cause, bad_value

PREFIX = "nginx.ingress.kubernetes.io/"
CANARY = PREFIX + "canary"
WEIGHT = PREFIX + "canary-weight"
WEIGHT_TOTAL = PREFIX + "canary-weight-total"
BY_HEADER = PREFIX + "canary-by-header"
BY_HEADER_VALUE = PREFIX + "canary-by-header-value"
BY_HEADER_PATTERN = PREFIX + "canary-by-header-pattern"
BY_COOKIE = PREFIX + "canary-by-cookie"

_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_COOKIE_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")


@dataclass(frozen=True)
class CanaryPolicy:
    """How a canary Ingress takes requests from its stable one."""

    weight: int = 0
    total: int = 100
    header: str = ""
    header_value: str = ""
    header_pattern: str = ""
    cookie: str = ""


def is_canary(annotations: Mapping[str, str] | None) -> bool:
    return (annotations or {}).get(CANARY, "").strip().lower() == "true"


def _int(annotations: Mapping[str, str], key: str, default: int) -> int | None:
    raw = annotations.get(key)
    if raw is None:
        return default
    text = str(raw).strip()
    return int(text) if text.isdigit() else None


def parse(annotations: Mapping[str, str] | None) -> tuple[CanaryPolicy, list[Cause]]:
    """The policy a canary Ingress's annotations describe, and what is wrong with them."""
    ann = {str(k): str(v) for k, v in (annotations or {}).items()}
    causes: list[Cause] = []

    def field(key: str) -> str:
        return f"metadata.annotations[{key}]"

    if CANARY in ann and ann[CANARY].strip().lower() not in ("true", "false"):
        causes.append(bad_value(field(CANARY), ann[CANARY], 'must be "true" or "false"'))
    total = _int(ann, WEIGHT_TOTAL, 100)
    if total is None or total < 1:
        causes.append(
            bad_value(field(WEIGHT_TOTAL), ann[WEIGHT_TOTAL], "must be a positive integer")
        )
        total = 100
    total = max(total, 100)  # ingress-nginx uses the total only when it is above 100
    weight = _int(ann, WEIGHT, 0)
    if weight is None or not 0 <= weight <= total:
        causes.append(
            bad_value(field(WEIGHT), ann[WEIGHT], f"must be an integer string from 0 to {total}")
        )
        weight = 0
    header = ann.get(BY_HEADER, "").strip()
    if header and not _HEADER_NAME.match(header):
        causes.append(bad_value(field(BY_HEADER), header, "must be an HTTP header name"))
    for key in (BY_HEADER_VALUE, BY_HEADER_PATTERN):
        if not _PRINTABLE.match(ann.get(key, "")):
            causes.append(bad_value(field(key), ann[key], "must be printable ASCII"))
    pattern = ann.get(BY_HEADER_PATTERN, "")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            causes.append(bad_value(field(BY_HEADER_PATTERN), pattern, f"bad regex: {exc}"))
    cookie = ann.get(BY_COOKIE, "").strip()
    if cookie and not _COOKIE_NAME.match(cookie):
        causes.append(bad_value(field(BY_COOKIE), cookie, "must be letters, digits and _"))
    policy = CanaryPolicy(
        weight=weight,
        total=total,
        header=header,
        header_value=ann.get(BY_HEADER_VALUE, ""),
        header_pattern=pattern,
        cookie=cookie,
    )
    return policy, causes
