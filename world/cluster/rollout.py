"""What a Deployment controller does next: how many pods to create, which ones to delete.

Pure planning over a snapshot of the Deployment's pods, following the Kubernetes deployment
controller: RollingUpdate scales the new template up within `maxSurge` first (and does
nothing else in that step), then scales old pods down while at least
`replicas - maxUnavailable` stay available (unavailable old pods go first); Recreate deletes
every old pod and waits for them to be gone before creating new ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .quantities import int_or_percent


@dataclass(frozen=True)
class PodView:
    name: str
    current: bool  # runs the Deployment's current template
    available: bool
    ordinal: int


@dataclass(frozen=True)
class Plan:
    create: int = 0
    delete: tuple[str, ...] = ()


def limits(spec: dict[str, Any]) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) as pod counts; Recreate is (0, replicas)."""
    replicas = int(spec.get("replicas", 1))
    strategy = spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return 0, replicas
    rolling = strategy.get("rollingUpdate") or {}
    surge = int_or_percent(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = int_or_percent(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _victims(pods: list[PodView], count: int) -> list[str]:
    """Which pods to delete first: unavailable ones, then the highest ordinals."""
    ranked = sorted(pods, key=lambda p: (p.available, -p.ordinal))
    return [p.name for p in ranked[: max(0, count)]]


def scale(pods: list[PodView], replicas: int) -> Plan:
    if len(pods) < replicas:
        return Plan(create=replicas - len(pods))
    return Plan(delete=tuple(_victims(pods, len(pods) - replicas)))


def plan(spec: dict[str, Any], pods: list[PodView], terminating: int = 0) -> Plan:
    """The next step for a Deployment with `spec` and these (not terminating) pods;
    `terminating` counts its pods still shutting down."""
    replicas = int(spec.get("replicas", 1))
    new = [p for p in pods if p.current]
    old = [p for p in pods if not p.current]
    strategy = (spec.get("strategy") or {}).get("type", "RollingUpdate")
    if not old:
        if strategy == "Recreate" and terminating and len(new) < replicas:
            return Plan()
        return scale(new, replicas)
    if spec.get("paused"):
        return Plan()
    if strategy == "Recreate":
        return Plan(delete=tuple(p.name for p in old))
    surge, unavailable = limits(spec)
    total = len(new) + len(old)
    create = min(replicas + surge - total, replicas - len(new))
    if create > 0:
        return Plan(create=create)
    min_available = replicas - unavailable
    new_unavailable = sum(1 for p in new if not p.available)
    max_down = total - min_available - new_unavailable
    if max_down <= 0:
        return Plan()
    unhealthy = [p for p in old if not p.available]
    doomed = _victims(unhealthy, min(max_down, len(unhealthy)))
    healthy = [p for p in old if p.available]
    available = sum(1 for p in new if p.available) + len(healthy)
    down = min(available - min_available - new_unavailable, len(healthy))
    doomed += _victims(healthy, down)
    return Plan(delete=tuple(doomed))
