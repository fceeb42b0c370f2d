"""Canary analysis: watch the canary under real traffic, then promote or roll back.

    python src/canary_analysis.py --url http://127.0.0.1:8080 --host staging.iris.local \\
        --canary-service iris-canary --requests 400 --interval 5 --iterations 3 \\
        --min-success-rate 0.99 --max-p95-ms 250 [--metrics-url http://127.0.0.1:8080/metrics]

What Flagger or Argo Rollouts do for you, in one small script. Each iteration
sends `--requests` valid POST /predict requests through the ingress (with the
environment's Host header), so the ingress splits them between the stable and
the canary service by its canary weight. Every response names the service that
answered (header X-Kata-Upstream, added by the kata's ingress stand-in). The
canary's answers are judged against the thresholds:

- success rate (HTTP 200 with a well-formed prediction) >= --min-success-rate
- 95th-percentile latency, measured here, <= --max-p95-ms
- at least --min-canary-requests reached the canary (no traffic, no verdict)

With --metrics-url, the canary's own /metrics (fetched through the ingress with
`X-Canary: always`) is read before and after each iteration, and the server's
view (5xx share, p95 from the latency histogram) must pass the same thresholds.

The first failed iteration stops the analysis: exit 1, roll back. All passed:
exit 0, promote. Everything is bounded: requests per iteration, iterations,
per-request timeout and a total deadline (--max-seconds). Requests go to the
given URL only. Standard library only: no install needed on the runner.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

UPSTREAM_HEADER = "x-kata-upstream"
FLOWERS = (
    [5.0, 3.4, 1.5, 0.2],
    [5.9, 2.8, 4.3, 1.3],
    [6.6, 3.0, 5.6, 2.0],
    [5.5, 2.4, 3.8, 1.1],
    [7.2, 3.2, 6.0, 1.8],
)


@dataclass
class Response:
    status: int  # 0: no HTTP answer at all (refused, reset, timed out)
    headers: dict[str, str]  # lower-case names
    body: bytes


class Transport(Protocol):
    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
    ) -> Response: ...


def urllib_transport(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> Response:
    """One HTTP request with the standard library, never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with opener.open(request, timeout=timeout) as r:
            return Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:  # 4xx/5xx: still an answer, with headers
        return Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())
    except (OSError, ValueError):  # URLError, timeouts, resets
        return Response(0, {}, b"")


@dataclass
class Sample:
    upstream: str
    ok: bool
    seconds: float
    status: int


@dataclass
class Verdict:
    iteration: int
    canary: int = 0  # requests answered by the canary
    stable: int = 0  # by anything else
    success_rate: float = 0.0
    p95_ms: float = math.inf
    server: str = "-"  # the canary's /metrics view, when asked for
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def share(self) -> float:
        total = self.canary + self.stable
        return self.canary / total if total else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); inf for no values."""
    if not values:
        return math.inf
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def is_good_prediction(response: Response) -> bool:
    if response.status != 200:
        return False
    try:
        predictions = json.loads(response.body)["predictions"]
    except (ValueError, KeyError, TypeError):
        return False
    return (
        isinstance(predictions, list) and len(predictions) == 1 and isinstance(predictions[0], str)
    )


def send_traffic(
    transport: Transport,
    url: str,
    host: str,
    n: int,
    timeout: float,
    deadline: float,
    clock: Callable[[], float],
) -> list[Sample]:
    """n sequential POST /predict through the ingress (stops early at the deadline)."""
    samples = []
    for i in range(n):
        if clock() >= deadline:
            break
        body = json.dumps({"instances": [FLOWERS[i % len(FLOWERS)]]}).encode()
        headers = {"Host": host, "Content-Type": "application/json"}
        start = clock()
        response = transport("POST", url.rstrip("/") + "/predict", headers, body, timeout)
        seconds = clock() - start
        upstream = response.headers.get(UPSTREAM_HEADER, "")
        samples.append(Sample(upstream, is_good_prediction(response), seconds, response.status))
    return samples


# --- the canary's own /metrics ----------------------------------------------


def parse_prometheus(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Samples of the text exposition format: {(name, {(label, value)}): value}."""
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if "{" in line:
                name, rest = line.split("{", 1)
                raw_labels, value = rest.rsplit("}", 1)
                labels = []
                for part in raw_labels.split('",'):
                    if "=" in part:
                        key, val = part.split("=", 1)
                        labels.append((key.strip(), val.strip().strip('"')))
            else:
                name, value = line.split(None, 1)
                labels = []
            out[(name.strip(), frozenset(labels))] = float(value.split()[0])
        except ValueError:
            continue  # not a sample line we understand
    return out


def server_view(before: dict, after: dict, path: str = "/predict") -> tuple[int, int, float] | None:
    """(requests, 5xx answers, p95 upper bound in ms) for `path` between two scrapes."""

    def delta(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    statuses = {
        dict(labels)["status"]
        for (name, labels) in after
        if name == "http_requests_total" and dict(labels).get("path") == path
    }
    total = sum(delta("http_requests_total", path=path, status=s) for s in statuses)
    errors = sum(
        delta("http_requests_total", path=path, status=s) for s in statuses if s.startswith("5")
    )
    if total <= 0:
        return None
    bounds = sorted(
        {
            dict(labels)["le"]
            for (name, labels) in after
            if name == "http_request_duration_seconds_bucket" and dict(labels).get("path") == path
        },
        key=lambda le: math.inf if le == "+Inf" else float(le),
    )
    count = delta("http_request_duration_seconds_count", path=path)
    p95 = math.inf
    for le in bounds:  # the first bucket holding 95% of the requests
        if count > 0 and delta("http_request_duration_seconds_bucket", path=path, le=le) >= (
            0.95 * count
        ):
            p95 = math.inf if le == "+Inf" else float(le) * 1000
            break
    return int(total), int(errors), p95


def scrape(transport: Transport, metrics_url: str, host: str, timeout: float) -> dict | None:
    headers = {"Host": host, "X-Canary": "always"}  # the canary's pod, not the stable's
    response = transport("GET", metrics_url, headers, None, timeout)
    if response.status != 200:
        return None
    return parse_prometheus(response.body.decode("utf-8", errors="replace"))


# --- the decision -------------------------------------------------------------


def judge(
    iteration: int,
    samples: list[Sample],
    canary_service: str,
    min_success_rate: float,
    max_p95_ms: float,
    min_canary_requests: int,
) -> Verdict:
    canary = [s for s in samples if s.upstream == canary_service]
    verdict = Verdict(iteration, canary=len(canary), stable=len(samples) - len(canary))
    if len(canary) < min_canary_requests:
        verdict.reasons.append(
            f"only {len(canary)} of {len(samples)} requests reached {canary_service} "
            f"(need {min_canary_requests}): is the canary ingress routing?"
        )
        return verdict
    verdict.success_rate = sum(s.ok for s in canary) / len(canary)
    verdict.p95_ms = percentile([s.seconds * 1000 for s in canary], 95)
    if verdict.success_rate < min_success_rate:
        failed = sorted({s.status for s in canary if not s.ok})
        verdict.reasons.append(
            f"success rate {verdict.success_rate:.3f} < {min_success_rate} (failed statuses: "
            f"{', '.join(str(s) for s in failed)})"
        )
    if verdict.p95_ms > max_p95_ms:
        verdict.reasons.append(f"p95 latency {verdict.p95_ms:.0f} ms > {max_p95_ms:.0f} ms")
    return verdict


def check_server(
    verdict: Verdict,
    view: tuple[int, int, float] | None,
    min_success_rate: float,
    max_p95_ms: float,
) -> None:
    if view is None:
        verdict.reasons.append("the canary's /metrics showed no /predict requests")
        return
    total, errors, p95 = view
    rate = (total - errors) / total
    verdict.server = f"{total} req, {errors} 5xx, p95 <= {p95:.0f} ms"
    if rate < min_success_rate:
        verdict.reasons.append(f"server-side success rate {rate:.3f} < {min_success_rate}")
    if p95 > max_p95_ms:
        verdict.reasons.append(f"server-side p95 bucket {p95:.0f} ms > {max_p95_ms:.0f} ms")


def analyse(
    args: argparse.Namespace,
    transport: Transport = urllib_transport,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    out: Callable[[str], None] = print,
) -> tuple[bool, list[Verdict]]:
    """Run the iterations; (promote?, verdicts so far)."""
    deadline = clock() + args.max_seconds
    verdicts: list[Verdict] = []
    for i in range(1, args.iterations + 1):
        before = (
            scrape(transport, args.metrics_url, args.host, args.timeout)
            if args.metrics_url
            else None
        )
        samples = send_traffic(
            transport, args.url, args.host, args.requests, args.timeout, deadline, clock
        )
        verdict = judge(
            i,
            samples,
            canary_service=args.canary_service,
            min_success_rate=args.min_success_rate,
            max_p95_ms=args.max_p95_ms,
            min_canary_requests=args.min_canary_requests,
        )
        if args.metrics_url:
            after = scrape(transport, args.metrics_url, args.host, args.timeout)
            if before is None or after is None:
                verdict.reasons.append(f"could not read the canary's metrics at {args.metrics_url}")
            else:
                check_server(
                    verdict, server_view(before, after), args.min_success_rate, args.max_p95_ms
                )
        if len(samples) < args.requests:
            verdict.reasons.append(f"ran out of time after {len(samples)} requests (--max-seconds)")
        verdicts.append(verdict)
        decision = "pass" if verdict.passed else "FAIL: " + "; ".join(verdict.reasons)
        out(
            f"iteration {i}/{args.iterations}: {verdict.canary} of "
            f"{verdict.canary + verdict.stable} requests to {args.canary_service} "
            f"({verdict.share:.0%}), "
            f"success {verdict.success_rate:.3f}, p95 {verdict.p95_ms:.1f} ms"
            + (f", server: {verdict.server}" if args.metrics_url else "")
            + f" -> {decision}"
        )
        if not verdict.passed:
            return False, verdicts  # stop at once: every extra request hits a bad canary
        if i < args.iterations:
            if clock() + args.interval >= deadline:
                out("no time left for the next iteration (--max-seconds)")
                return False, verdicts
            sleep(args.interval)
    return True, verdicts


def summary(args: argparse.Namespace, promote: bool, verdicts: list[Verdict]) -> str:
    lines = [
        f"### Canary analysis: {'promote ✅' if promote else 'roll back ❌'}",
        "",
        f"`{args.canary_service}` behind `{args.host}`; thresholds: success rate >= "
        f"{args.min_success_rate}, p95 <= {args.max_p95_ms:.0f} ms.",
        "",
        "| Iteration | Canary requests | Share | Success rate | p95 (ms) | Server view "
        "| Decision |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for v in verdicts:
        decision = "pass" if v.passed else "fail: " + "; ".join(v.reasons)
        lines.append(
            f"| {v.iteration} | {v.canary}/{v.canary + v.stable} | {v.share:.0%} | "
            f"{v.success_rate:.3f} | {v.p95_ms:.1f} | {v.server} | {decision} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the ingress, e.g. http://127.0.0.1:8080")
    parser.add_argument("--host", required=True, help="Host header, e.g. staging.iris.local")
    parser.add_argument("--canary-service", required=True, help="the canary's Service name")
    parser.add_argument("--requests", type=int, default=400, help="per iteration")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between iterations")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--min-success-rate", type=float, default=0.99)
    parser.add_argument("--max-p95-ms", type=float, default=250.0)
    parser.add_argument("--min-canary-requests", type=int, default=10)
    parser.add_argument("--metrics-url", default="", help="the canary's /metrics via the ingress")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="for the whole analysis")
    args = parser.parse_args(argv)

    for name in ("url", "metrics_url"):
        value = getattr(args, name)
        parts = urllib.parse.urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.hostname):
            parser.error(f"--{name.replace('_', '-')} must be an http(s) URL, got {value!r}")
    if args.metrics_url and (
        urllib.parse.urlsplit(args.metrics_url).netloc != urllib.parse.urlsplit(args.url).netloc
    ):
        parser.error("--metrics-url must point at the same address as --url")
    limits = {
        "requests": (1, 10_000),
        "iterations": (1, 20),
        "interval": (0, 300),
        "min_success_rate": (0, 1),
        "max_p95_ms": (1, 60_000),
        "min_canary_requests": (1, 10_000),
        "timeout": (0.1, 60),
        "max_seconds": (1, 3_600),
    }
    for name, (low, high) in limits.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name.replace('_', '-')} must be between {low} and {high}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"canary analysis: {args.iterations} x {args.requests} requests to {args.url} "
        f"(Host: {args.host}), canary service {args.canary_service}"
    )
    promote, verdicts = analyse(args)
    print("decision: PROMOTE" if promote else "decision: ROLL BACK")
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(summary(args, promote, verdicts))
    if not promote:
        print("::error title=Canary analysis::the canary failed its analysis; rolling back")
    return 0 if promote else 1


if __name__ == "__main__":
    sys.exit(main())
