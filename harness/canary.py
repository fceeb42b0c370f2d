"""Measuring a canary release: the observed traffic split and a Flagger-like analysis.

The split is judged statistically: with n requests and a configured weight p, the count that
reached the canary is binomial(n, p); the observed share must lie inside the two-sided
interval that holds 99.9 % of that distribution (normal approximation with continuity
correction, exact enough for n >= 200). Header routing is judged exactly.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from dataclasses import dataclass, field

import httpx

UPSTREAM_HEADER = "X-Kata-Upstream"
# On kind, ingress-nginx adds the header (its `add-headers` ConfigMap, see cluster/kind.py)
# from its own variables: "$namespace/$proxy_upstream_name/$proxy_alternative_upstream_name".
KIND_UPSTREAM_VALUE = "$namespace/$proxy_upstream_name/$proxy_alternative_upstream_name"
Z_999 = 3.2905  # two-sided 99.9 %


def upstream_of(value: str) -> str:
    """The Service that answered, from the router's header: the stand-in's router sends the
    name itself; ingress-nginx sends namespace/main/alternative upstream names, each
    `<namespace>-<service>-<port>`, the alternative set only when the canary answered."""
    parts = value.split("/")
    if len(parts) != 3:
        return value
    namespace, main, alternative = parts
    chosen = alternative or main
    return re.sub(r"-[^-]+$", "", chosen.removeprefix(f"{namespace}-")) or value


@dataclass
class Sample:
    upstream: str
    status: int
    latency_ms: float


@dataclass
class Traffic:
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0

    def count(self, upstream: str) -> int:
        return sum(1 for s in self.samples if s.upstream == upstream)

    def of(self, upstream: str) -> list[Sample]:
        return [s for s in self.samples if s.upstream == upstream]


def send(
    url: str,
    host: str,
    n: int,
    *,
    path: str = "/predict",
    body: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
    time_limit_s: float = 60.0,
) -> Traffic:
    """n requests (bounded in count and time) through the ingress at `url` for `host`."""
    traffic = Traffic()
    payload = body or {"instances": [[5.0, 3.4, 1.5, 0.2]]}
    deadline = time.monotonic() + time_limit_s
    with httpx.Client(base_url=url, timeout=5, headers={"Host": host, **(headers or {})}) as client:
        for _ in range(n):
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            try:
                resp = client.post(path, json=payload)
            except httpx.HTTPError:
                traffic.errors += 1
                continue
            elapsed = (time.perf_counter() - start) * 1000
            traffic.samples.append(
                Sample(
                    upstream_of(resp.headers.get(UPSTREAM_HEADER, "?")),
                    resp.status_code,
                    elapsed,
                )
            )
    return traffic


def binomial_interval(n: int, p: float, z: float = Z_999) -> tuple[float, float]:
    """Shares of n a binomial(n, p) count falls within with the given two-sided confidence."""
    if n <= 0:
        return (0.0, 1.0)
    sd = math.sqrt(n * p * (1 - p))
    low = max(0.0, (n * p - z * sd - 0.5) / n)
    high = min(1.0, (n * p + z * sd + 0.5) / n)
    return (low, high)


@dataclass(frozen=True)
class SplitVerdict:
    n: int
    canary: int
    weight: float
    interval: tuple[float, float]

    @property
    def share(self) -> float:
        return self.canary / self.n if self.n else 0.0

    @property
    def inside(self) -> bool:
        return self.n > 0 and self.interval[0] <= self.share <= self.interval[1]

    def describe(self) -> str:
        low, high = self.interval
        return (
            f"{self.canary}/{self.n} requests reached the canary ({self.share:.1%}); weight "
            f"{self.weight:.0%} allows {low:.1%}..{high:.1%} (99.9 % binomial interval)"
        )


def judge_split(traffic: Traffic, canary: str, weight_percent: float) -> SplitVerdict:
    n = len(traffic.samples)
    p = weight_percent / 100
    return SplitVerdict(n, traffic.count(canary), p, binomial_interval(n, p))


def p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Thresholds:
    min_success_rate: float = 0.99
    max_p95_ms: float = 250.0
    min_requests: int = 20


@dataclass(frozen=True)
class Decision:
    """One analysis iteration, like a Flagger canary analysis step."""

    iteration: int
    requests: int
    success_rate: float
    p95_ms: float
    verdict: str  # "promote" | "rollback" | "inconclusive"
    reason: str


def analyse(samples: list[Sample], thresholds: Thresholds, iteration: int = 1) -> Decision:
    n = len(samples)
    if n < thresholds.min_requests:
        return Decision(iteration, n, 0.0, 0.0, "inconclusive", f"only {n} canary requests")
    ok = sum(1 for s in samples if s.status < 500)
    rate = ok / n
    latency = p95([s.latency_ms for s in samples])
    if rate < thresholds.min_success_rate:
        reason = f"success rate {rate:.1%} < {thresholds.min_success_rate:.0%}"
        return Decision(iteration, n, rate, latency, "rollback", reason)
    if latency > thresholds.max_p95_ms:
        reason = f"p95 {latency:.0f} ms > {thresholds.max_p95_ms:.0f} ms"
        return Decision(iteration, n, rate, latency, "rollback", reason)
    reason = f"success rate {rate:.1%}, p95 {latency:.0f} ms within thresholds"
    return Decision(iteration, n, rate, latency, "promote", reason)


def median_latency(samples: list[Sample]) -> float:
    return statistics.median([s.latency_ms for s in samples]) if samples else 0.0
