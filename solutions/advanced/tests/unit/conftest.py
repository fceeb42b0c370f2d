"""Shared fixtures: a small hand-made model, so the API tests need no training."""

import json

import numpy as np
import pytest

from src.model import NumpyMLP

KNOWN_FLOWERS = [
    ([5.0, 3.4, 1.5, 0.2], "setosa"),
    ([5.9, 2.8, 4.3, 1.3], "versicolor"),
    ([6.6, 3.0, 5.6, 2.0], "virginica"),
]


def petal_rule_model() -> NumpyMLP:
    """An MLP with hand-set weights that classifies by petal length alone:
    < 2.5 cm setosa, 2.5 to 4.9 cm versicolor, above virginica.

    Hidden units: h0 = relu(pl - 2.5), h1 = relu(pl - 4.9), h2 = 1, the rest 0.
    Logits: setosa 1 - 10 h0, versicolor 10 h0, virginica 10 h0 + 50 h1 - 1.
    """
    w1 = np.zeros((16, 4), dtype=np.float32)
    b1 = np.zeros(16, dtype=np.float32)
    w1[0, 2], b1[0] = 1.0, -2.5
    w1[1, 2], b1[1] = 1.0, -4.9
    b1[2] = 1.0
    w2 = np.zeros((3, 16), dtype=np.float32)
    w2[0, 0], w2[0, 2] = -10.0, 1.0
    w2[1, 0] = 10.0
    w2[2, 0], w2[2, 1], w2[2, 2] = 10.0, 50.0, -1.0
    return NumpyMLP(
        w1=w1,
        b1=b1,
        w2=w2,
        b2=np.zeros(3, dtype=np.float32),
        classes=("setosa", "versicolor", "virginica"),
        mean=np.zeros(4, dtype=np.float32),
        std=np.ones(4, dtype=np.float32),
    )


@pytest.fixture
def petal_model():
    return petal_rule_model()


@pytest.fixture
def known_flowers():
    return KNOWN_FLOWERS


@pytest.fixture
def model_dir(tmp_path):
    """model/ as the train job leaves it: model.npz and metrics.json."""
    petal_rule_model().save_npz(tmp_path / "model.npz")
    metrics = {"accuracy": 0.95, "model_version": "sha-test", "device": "cpu"}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    return tmp_path
