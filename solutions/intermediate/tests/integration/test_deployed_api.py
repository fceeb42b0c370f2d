"""Integration tests against a deployed API, run by the pipeline after the deploy.

They talk HTTP to a real server, so they need its address:

    API_URL=http://127.0.0.1:8000 python -m pytest tests/integration

Without API_URL the whole module is skipped (and `python -m pytest` from the
project root does not collect it at all: see testpaths in pytest.ini).
"""

import math
import os
import time

import httpx
import pytest

API_URL = os.environ.get("API_URL", "").rstrip("/")
if not API_URL:
    pytest.skip(
        "API_URL is not set: these tests need a deployed API, e.g. API_URL=http://127.0.0.1:8000",
        allow_module_level=True,
    )

LATENCY_REQUESTS = 20
P95_BUDGET_S = 0.5

KNOWN_FLOWERS = [
    ([5.0, 3.4, 1.5, 0.2], "setosa"),
    ([5.9, 2.8, 4.3, 1.3], "versicolor"),
    ([6.6, 3.0, 5.6, 2.0], "virginica"),
]


@pytest.fixture(scope="module")
def api():
    with httpx.Client(base_url=API_URL, timeout=10) as client:
        yield client


def test_health(api):
    response = api.get("/health")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(("features", "species"), KNOWN_FLOWERS, ids=[s for _, s in KNOWN_FLOWERS])
def test_predicts_known_flower(api, features, species):
    response = api.post("/predict", json={"instances": [features]})
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": [species]}


def test_predicts_a_batch_in_order(api):
    body = {"instances": [features for features, _ in KNOWN_FLOWERS]}
    response = api.post("/predict", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": [species for _, species in KNOWN_FLOWERS]}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"instances": []},
        {"instances": [[5.0, 3.4, 1.5]]},
        {"instances": [["5.0", 3.4, 1.5, 0.2]]},
    ],
    ids=["missing-key", "empty", "three-values", "string-value"],
)
def test_rejects_malformed_input(api, body):
    assert api.post("/predict", json=body).status_code == 422


def test_p95_latency(api):
    body = {"instances": [KNOWN_FLOWERS[0][0]]}
    api.post("/predict", json=body)  # warm up: the first request may open the connection
    durations = []
    for _ in range(LATENCY_REQUESTS):
        start = time.perf_counter()
        response = api.post("/predict", json=body)
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200
    durations.sort()
    p95 = durations[math.ceil(0.95 * len(durations)) - 1]  # nearest-rank percentile
    assert p95 < P95_BUDGET_S, (
        f"p95 latency {p95 * 1000:.0f} ms, budget {P95_BUDGET_S * 1000:.0f} ms"
    )
