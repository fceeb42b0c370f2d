"""The canary watcher's decisions, with a fake ingress instead of the network."""

import json

import pytest

from src import canary_analysis as ca


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeIngress:
    """Sends every `every`-th /predict to the canary, the rest to the stable service.

    The canary can answer with another status or take longer; time passes on
    the fake clock only.
    """

    def __init__(self, clock, every=10, canary_status=200, canary_ms=20, stable_ms=10):
        self.clock = clock
        self.every = every
        self.canary_status = canary_status
        self.canary_ms = canary_ms
        self.stable_ms = stable_ms
        self.n = 0
        self.requests = []
        self.canary_metrics = {"200": 0, "500": 0}

    def __call__(self, method, url, headers, body, timeout):
        self.requests.append((method, url, dict(headers)))
        if url.endswith("/metrics"):
            assert headers.get("X-Canary") == "always"
            lines = [
                f'http_requests_total{{path="/predict",status="{s}"}} {n}'
                for s, n in self.canary_metrics.items()
            ]
            total = sum(self.canary_metrics.values())
            fast = total if self.canary_ms <= 100 else 0
            lines += [
                f'http_request_duration_seconds_bucket{{path="/predict",le="0.1"}} {fast}',
                f'http_request_duration_seconds_bucket{{path="/predict",le="+Inf"}} {total}',
                f'http_request_duration_seconds_count{{path="/predict"}} {total}',
            ]
            return ca.Response(200, {}, "\n".join(lines).encode())
        self.n += 1
        to_canary = self.every and self.n % self.every == 0
        if to_canary:
            self.clock.now += self.canary_ms / 1000
            status = self.canary_status
            key = "500" if status >= 500 else "200"
            self.canary_metrics[key] += 1
            upstream = "iris-canary"
        else:
            self.clock.now += self.stable_ms / 1000
            status, upstream = 200, "iris-stable"
        body = json.dumps({"predictions": ["setosa"]} if status == 200 else {"detail": "x"})
        return ca.Response(status, {"x-kata-upstream": upstream}, body.encode())


def run(ingress, clock, *extra):
    argv = [
        "--url", "http://127.0.0.1:8080", "--host", "staging.iris.local",
        "--canary-service", "iris-canary", "--requests", "200", "--iterations", "3",
        "--interval", "5", *extra,
    ]  # fmt: skip
    args = ca.parse_args(argv)
    lines = []
    promote, verdicts = ca.analyse(args, ingress, clock, clock.sleep, lines.append)
    return promote, verdicts, lines


def test_healthy_canary_is_promoted():
    clock = FakeClock()
    ingress = FakeIngress(clock)
    promote, verdicts, lines = run(ingress, clock)
    assert promote
    assert [v.passed for v in verdicts] == [True, True, True]
    assert verdicts[0].canary == 20 and verdicts[0].stable == 180
    assert verdicts[0].success_rate == 1.0
    assert verdicts[0].p95_ms == pytest.approx(20)
    assert len(lines) == 3 and all("pass" in line for line in lines)
    # Every request went to the given URL with the environment's Host header.
    assert all(url.startswith("http://127.0.0.1:8080/") for _, url, _ in ingress.requests)
    assert all(h["Host"] == "staging.iris.local" for _, _, h in ingress.requests)
    assert len(ingress.requests) == 600  # bounded: iterations x requests


def test_failing_canary_is_rolled_back_at_once():
    clock = FakeClock()
    ingress = FakeIngress(clock, canary_status=500)
    promote, verdicts, lines = run(ingress, clock)
    assert not promote
    assert len(verdicts) == 1  # no more traffic to a broken canary
    assert verdicts[0].success_rate == 0.0
    assert "success rate" in verdicts[0].reasons[0]
    assert "FAIL" in lines[0]


def test_slow_canary_is_rolled_back():
    clock = FakeClock()
    promote, verdicts, _ = run(FakeIngress(clock, canary_ms=400), clock)
    assert not promote
    assert "p95 latency 400 ms > 250 ms" in verdicts[0].reasons[0]


def test_canary_without_traffic_is_rolled_back():
    clock = FakeClock()
    promote, verdicts, _ = run(FakeIngress(clock, every=0), clock)
    assert not promote
    assert "only 0 of 200 requests reached iris-canary" in verdicts[0].reasons[0]


def test_server_side_metrics_are_checked():
    clock = FakeClock()
    ingress = FakeIngress(clock)
    metrics_url = "http://127.0.0.1:8080/metrics"
    promote, verdicts, lines = run(ingress, clock, "--metrics-url", metrics_url)
    assert promote
    assert verdicts[0].server == "20 req, 0 5xx, p95 <= 100 ms"
    assert "server: 20 req" in lines[0]


def test_server_side_errors_fail_even_if_the_client_saw_none():
    clock = FakeClock()
    ingress = FakeIngress(clock)
    ingress.canary_metrics["500"] = 0
    original = ingress.__call__

    def with_hidden_errors(method, url, headers, body, timeout):
        if url.endswith("/metrics"):
            ingress.canary_metrics["500"] += 5  # errors the client never saw
        return original(method, url, headers, body, timeout)

    args = ca.parse_args(
        ["--url", "http://127.0.0.1:8080", "--host", "h", "--canary-service", "iris-canary",
         "--requests", "100", "--iterations", "1", "--metrics-url", "http://127.0.0.1:8080/metrics"]
    )  # fmt: skip
    promote, verdicts = ca.analyse(args, with_hidden_errors, clock, clock.sleep, lambda _: None)
    assert not promote
    assert any("server-side success rate" in r for r in verdicts[0].reasons)


def test_time_budget_bounds_the_analysis():
    clock = FakeClock()
    ingress = FakeIngress(clock, stable_ms=100, canary_ms=100)
    promote, verdicts, _ = run(ingress, clock, "--max-seconds", "10")
    assert not promote
    assert any("ran out of time" in r for r in verdicts[0].reasons)
    assert len(ingress.requests) <= 101


def test_summary_is_markdown(tmp_path):
    clock = FakeClock()
    promote, verdicts, _ = run(FakeIngress(clock), clock)
    args = ca.parse_args(["--url", "http://x", "--host", "h", "--canary-service", "iris-canary"])
    text = ca.summary(args, promote, verdicts)
    assert text.startswith("### Canary analysis: promote")
    assert text.count("\n| ") == 5  # header, separator, 3 iterations


@pytest.mark.parametrize(
    "extra",
    [
        ["--requests", "0"],
        ["--iterations", "100"],
        ["--min-success-rate", "1.5"],
        ["--url", "file:///etc/passwd"],
        ["--metrics-url", "http://example.com/metrics"],
    ],
)
def test_arguments_are_bounded(extra):
    base = ["--url", "http://127.0.0.1:8080", "--host", "h", "--canary-service", "c"]
    with pytest.raises(SystemExit):
        ca.parse_args(base + extra)


def test_percentile_nearest_rank():
    assert ca.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == 10
    assert ca.percentile(list(range(1, 101)), 95) == 95
    assert ca.percentile([], 95) == float("inf")


def test_real_transport_reports_refused_connections_as_failures():
    # Port 9 on loopback: nothing listens there, the request fails fast.
    response = ca.urllib_transport("GET", "http://127.0.0.1:9/", {}, None, 1.0)
    assert response.status == 0
