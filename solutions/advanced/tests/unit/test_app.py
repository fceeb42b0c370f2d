"""API tests, against a small hand-made model (see conftest.py): no training needed."""

import re

import pytest
from fastapi.testclient import TestClient

from src.app import app


@pytest.fixture
def client(model_dir, monkeypatch):
    monkeypatch.setenv("MODEL_PATH", str(model_dir / "model.npz"))
    # The `with` block runs the app's startup code, which loads the model.
    with TestClient(app) as c:
        yield c


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_version_comes_from_metrics_json(client):
    assert client.get("/version").json() == {"model_version": "sha-test", "accuracy": 0.95}


def test_predict(client, known_flowers):
    body = {"instances": [features for features, _ in known_flowers]}
    response = client.post("/predict", json=body)
    assert response.status_code == 200
    assert response.json() == {"predictions": [species for _, species in known_flowers]}


@pytest.mark.parametrize(
    "body",
    [
        {},  # missing key
        {"instances": []},  # empty list
        {"instances": [[5.1, 3.5, 1.4]]},  # too few values
        {"instances": [[5.1, 3.5, 1.4, 0.2, 9.9]]},  # too many values
        {"instances": [["5.1", 3.5, 1.4, 0.2]]},  # string, not a number
        {"instances": [[None, 3.5, 1.4, 0.2]]},  # null
        {"instances": [[-1, 3.5, 1.4, 0.2]]},  # out of range
        {"instances": [5.1, 3.5, 1.4, 0.2]},  # not a list of lists
        {"instances": [[5.1, 3.5, 1.4, 0.2]] * 1001},  # too many instances
        [[5.1, 3.5, 1.4, 0.2]],  # not an object
    ],
)
def test_predict_rejects_malformed_input(client, body):
    assert client.post("/predict", json=body).status_code == 422


@pytest.mark.parametrize(
    "raw",
    ['{"instances": [[NaN, 3.5, 1.4, 0.2]]}', '{"instances": [[Infinity, 1, 1, 1]]}', "{oops"],
)
def test_predict_rejects_non_finite_and_broken_json(client, raw):
    response = client.post("/predict", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_health_without_model(monkeypatch, tmp_path):
    monkeypatch.setenv("MODEL_PATH", str(tmp_path / "missing.npz"))
    monkeypatch.setenv("MODEL_VERSION", "from-env")
    with TestClient(app) as c:
        assert c.get("/health").status_code == 503
        assert c.post("/predict", json={"instances": [[1, 1, 1, 1]]}).status_code == 503
        assert c.get("/version").json() == {"model_version": "from-env", "accuracy": None}


# --- /metrics -----------------------------------------------------------------

SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>[^}]*)\})? "
    r"(?P<value>[-+0-9.eE]+|[+-]Inf|NaN)$"
)


def scrape(client):
    """{(name, frozenset(labels)): value}, checking every line's syntax on the way."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for line in response.text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a valid exposition line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match["labels"] or ""))
        samples[(match["name"], labels)] = float(match["value"])
    return samples, response.text


def test_metrics_count_requests_by_path_and_status(client):
    before, _ = scrape(client)
    client.post("/predict", json={"instances": [[5.0, 3.4, 1.5, 0.2]]})
    client.post("/predict", json={"instances": [[5.0, 3.4, 1.5, 0.2]]})
    client.post("/predict", json={})
    client.get("/no-such-page")
    after, text = scrape(client)

    def delta(name, **labels):
        key = (name, frozenset(labels.items()))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("http_requests_total", path="/predict", status="200") == 2
    assert delta("http_requests_total", path="/predict", status="422") == 1
    assert delta("http_requests_total", path="other", status="404") == 1  # no raw URLs as labels
    assert delta("http_request_duration_seconds_count", path="/predict") == 3
    assert delta("http_request_duration_seconds_bucket", path="/predict", le="+Inf") == 3
    assert "# TYPE http_requests_total counter" in text
    assert "# TYPE http_request_duration_seconds histogram" in text
    assert 'model_info{backend="numpy",model_version="sha-test"} 1' in text


def test_metrics_histogram_is_cumulative_with_the_standard_buckets(client):
    client.get("/health")
    samples, _ = scrape(client)
    buckets = {
        dict(labels)["le"]: value
        for (name, labels), value in samples.items()
        if name == "http_request_duration_seconds_bucket" and dict(labels)["path"] == "/health"
    }
    assert list(buckets) == ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"]
    values = list(buckets.values())
    assert values == sorted(values)  # cumulative: never decreasing
    count = samples[("http_request_duration_seconds_count", frozenset({("path", "/health")}))]
    assert values[-1] == count
