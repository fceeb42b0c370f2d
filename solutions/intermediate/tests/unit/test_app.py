"""API tests. Run `python src/train.py` first so model/model.joblib exists."""

import pytest
from fastapi.testclient import TestClient

from src.app import app


@pytest.fixture
def client():
    # The `with` block runs the app's startup code, which loads the model.
    with TestClient(app) as c:
        yield c


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_predict(client):
    body = {"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}
    response = client.post("/predict", json=body)
    assert response.status_code == 200
    assert response.json() == {"predictions": ["setosa", "virginica"]}


@pytest.mark.parametrize(
    "body",
    [
        {},  # missing key
        {"instances": []},  # empty list
        {"instances": [[5.1, 3.5, 1.4]]},  # too few values
        {"instances": [[5.1, 3.5, 1.4, 0.2, 9.9]]},  # too many values
        {"instances": [["5.1", 3.5, 1.4, 0.2]]},  # string, not a number
        {"instances": [[None, 3.5, 1.4, 0.2]]},  # null
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


def test_health_without_model(monkeypatch):
    monkeypatch.setenv("MODEL_PATH", "does/not/exist.joblib")
    with TestClient(app) as c:
        assert c.get("/health").status_code == 503
