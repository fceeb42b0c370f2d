"""The image's own HEALTHCHECK, judged by Docker: the contract says the container becomes
`healthy`, so answering GET /health is not enough when the probe itself can never succeed
(e.g. it calls `python` in an image that only has `python3`).

The wait is bounded by the HEALTHCHECK's own timings, the time Docker itself takes to call
it `unhealthy`: start period + retries x (interval + timeout), plus a little slack, capped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from harness import waits

# Docker's defaults for a HEALTHCHECK option left out (its inspect output then says 0).
DEFAULT_INTERVAL_S = 30.0
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRIES = 3
SLACK_S = 5.0
MAX_WAIT_S = 180.0  # a default-timed HEALTHCHECK (3 x (30 s + 30 s)) takes exactly this


@dataclass(frozen=True)
class Healthcheck:
    """An image's HEALTHCHECK as `docker image inspect` reports it (Config.Healthcheck)."""

    test: tuple[str, ...]
    interval_s: float
    timeout_s: float
    start_period_s: float
    retries: int

    @property
    def command(self) -> str:
        kind, *args = self.test or ("",)
        return " ".join(args) if kind in ("CMD", "CMD-SHELL") else " ".join(self.test)

    @property
    def budget_s(self) -> float:
        """How long Docker needs, at most, to decide: healthy or unhealthy."""
        own = self.start_period_s + self.retries * (self.interval_s + self.timeout_s)
        return min(own + SLACK_S, MAX_WAIT_S)


def declared(image_attrs: dict[str, Any]) -> Healthcheck | None:
    """The image's HEALTHCHECK, or None when it declares none (or `HEALTHCHECK NONE`)."""
    config = (image_attrs.get("Config") or {}).get("Healthcheck") or {}
    test = tuple(str(t) for t in config.get("Test") or ())
    if not test or test[0] == "NONE":
        return None

    def seconds(key: str, default: float) -> float:
        return float(config.get(key) or 0) / 1e9 or default

    return Healthcheck(
        test=test,
        interval_s=seconds("Interval", DEFAULT_INTERVAL_S),
        timeout_s=seconds("Timeout", DEFAULT_TIMEOUT_S),
        start_period_s=seconds("StartPeriod", 0.0),
        retries=int(config.get("Retries") or 0) or DEFAULT_RETRIES,
    )


@dataclass(frozen=True)
class HealthObservation:
    """Docker's last word on the container's health and the probe's last output."""

    status: str  # healthy, unhealthy, starting, or "" when the container had no health state
    last_output: str
    last_exit_code: int | None
    waited_s: float


def observe(container: Any) -> HealthObservation:
    """The container's State.Health now (reloaded), without waiting."""
    container.reload()
    health = (container.attrs.get("State") or {}).get("Health") or {}
    log = health.get("Log") or []
    last = log[-1] if log else {}
    code = last.get("ExitCode")
    return HealthObservation(
        status=str(health.get("Status") or ""),
        last_output=str(last.get("Output") or "").strip()[-600:],
        last_exit_code=int(code) if code is not None else None,
        waited_s=0.0,
    )


def wait_healthy(container: Any, check: Healthcheck, *, started: float) -> HealthObservation:
    """Wait until Docker calls the container healthy, it calls it unhealthy, the container
    exits, or the HEALTHCHECK's own budget (counted from `started`, a monotonic time) runs
    out; then what Docker says."""
    exited = waits.container_exited(container)

    def given_up() -> str | None:
        if observe(container).status == "unhealthy":
            return "Docker marked it unhealthy"
        return exited()

    left = max(0.0, check.budget_s - (time.monotonic() - started))
    waits.succeeds_within(
        waits.health_status(container), timeout_s=left, interval_s=0.5, abort=given_up
    )
    seen = observe(container)
    return HealthObservation(
        seen.status, seen.last_output, seen.last_exit_code, time.monotonic() - started
    )
