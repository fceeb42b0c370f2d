"""Integration tests against a deployed API, run by the pipeline after the deploy.

They talk HTTP to a real server, so they need its address:

    API_URL=http://127.0.0.1:8000 python -m pytest tests/integration

Without API_URL the whole module is skipped (and `python -m pytest` from the
project root does not collect it at all: see testpaths in pytest.ini).
"""

import os

import httpx
import pytest

API_URL = os.environ.get("API_URL", "").rstrip("/")
if not API_URL:
    pytest.skip(
        "API_URL is not set: these tests need a deployed API, e.g. API_URL=http://127.0.0.1:8000",
        allow_module_level=True,
    )

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


# TODO(kata): test that each of KNOWN_FLOWERS is predicted as its species
# (POST /predict with {"instances": [features]}).

# TODO(kata): test that malformed bodies get a 422 (for example {}, an empty
# list of instances, a row of 3 numbers, a string instead of a number).

# TODO(kata): send 20 valid requests, time each one (time.perf_counter()) and
# assert that the 95th percentile is under 0.5 s.
