"""The canary split judgement: binomial intervals and the Flagger-like analysis."""

from __future__ import annotations

import random

from harness.canary import Sample, Thresholds, Traffic, analyse, binomial_interval, judge_split


def traffic(canary: int, stable: int, status: int = 200, latency: float = 5.0) -> Traffic:
    t = Traffic()
    t.samples = [Sample("canary", status, latency)] * canary + [Sample("stable", 200, 5.0)] * stable
    return t


def test_interval_contains_the_weight_and_is_narrow() -> None:
    low, high = binomial_interval(1000, 0.10)
    assert low < 0.10 < high
    assert high - low < 0.07


def test_split_inside_and_outside() -> None:
    assert judge_split(traffic(100, 900), "canary", 10).inside
    assert judge_split(traffic(120, 880), "canary", 10).inside  # within 99.9 %
    assert not judge_split(traffic(200, 800), "canary", 10).inside
    assert not judge_split(traffic(1000, 0), "canary", 10).inside  # weight 100 by mistake
    assert not judge_split(traffic(0, 1000), "canary", 10).inside  # canary not wired


def test_random_routing_at_the_weight_is_accepted_almost_always() -> None:
    rng = random.Random(7)
    accepted = 0
    for _ in range(200):
        k = sum(rng.random() < 0.2 for _ in range(1000))
        accepted += judge_split(traffic(k, 1000 - k), "canary", 20).inside
    assert accepted >= 197  # 99.9 % interval: a rare false alarm at most


def test_analysis_decisions() -> None:
    good = [Sample("c", 200, 20.0)] * 100
    assert analyse(good, Thresholds()).verdict == "promote"
    errors = [Sample("c", 500, 20.0)] * 5 + [Sample("c", 200, 20.0)] * 95
    decision = analyse(errors, Thresholds())
    assert decision.verdict == "rollback" and "success rate" in decision.reason
    slow = [Sample("c", 200, 900.0)] * 100
    assert analyse(slow, Thresholds()).verdict == "rollback"
    assert analyse(good[:5], Thresholds()).verdict == "inconclusive"


def test_upstream_of_reads_both_routers_headers() -> None:
    from harness.canary import upstream_of

    assert upstream_of("web-canary") == "web-canary"  # the stand-in's router: the name
    assert upstream_of("?") == "?"
    # ingress-nginx (kind): namespace / main upstream / alternative (set for the canary)
    assert upstream_of("staging/staging-web-80/") == "web"
    assert upstream_of("staging/staging-web-80/staging-web-canary-80") == "web-canary"
    assert upstream_of("team-a/team-a-model-api-http/") == "model-api"  # a named port
