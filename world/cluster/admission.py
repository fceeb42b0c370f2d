"""Admission: defaulting, then validation, of every object written through the API."""

from __future__ import annotations

import threading
from typing import Any

from . import defaults
from .errors import invalid
from .resources import SERVICES, Resource
from .validation import validate


class Admission:
    """Callable as the store's admission hook; allocates Service cluster IPs (loopback)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 1

    def _cluster_ip(self) -> str:
        with self._lock:
            index, self._next = self._next, self._next + 1
        return str(defaults.CLUSTER_IP_RANGE[index % (defaults.CLUSTER_IP_RANGE.num_addresses - 2)])

    def __call__(self, res: Resource, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
        cluster_ip = ""
        if res is SERVICES:
            spec = obj.get("spec")
            before = ((old or {}).get("spec") or {}).get("clusterIP")
            if isinstance(spec, dict) and before and not spec.get("clusterIP"):
                spec["clusterIP"] = before
                spec["clusterIPs"] = [before]
            cluster_ip = before or self._cluster_ip()
        defaults.apply(res, obj, cluster_ip)
        causes = validate(res, obj, old)
        if causes:
            name = str((obj.get("metadata") or {}).get("name") or "")
            raise invalid(res, name, causes)
