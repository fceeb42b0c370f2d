"""Training runs, is reproducible and writes what the pipeline needs.

How good the model is, is not a unit test: the validate job's metric gate
compares it with production. These tests pass for any training that works.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # training needs requirements-train.txt

from src import train  # noqa: E402

DATA = "data/iris_train.csv"


def test_train_writes_model_and_metrics(tmp_path):
    out = tmp_path / "model" / "model.npz"
    result = subprocess.run(
        [sys.executable, "src/train.py", "--device", "cpu", "--epochs", "50", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "MODEL_VERSION": "sha-test"},
    )
    assert result.returncode == 0, result.stderr
    assert "device: cpu" in result.stdout
    metrics = json.loads((out.parent / "metrics.json").read_text())
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert metrics["device"] == "cpu"
    assert metrics["model_version"] == "sha-test"
    assert metrics["torch_version"] == torch.__version__
    assert metrics["train_seconds"] >= 0
    from src.model import NumpyMLP

    model = NumpyMLP.from_npz(out)
    assert set(model.classes) == {"setosa", "versicolor", "virginica"}


def test_training_is_reproducible(tmp_path):
    a = train.train(train.Path(DATA), device="cpu", epochs=30)
    b = train.train(train.Path(DATA), device="cpu", epochs=30)
    np.testing.assert_array_equal(a.model.w1, b.model.w1)
    np.testing.assert_array_equal(a.model.w2, b.model.w2)
    assert a.accuracy == b.accuracy


def test_split_is_stratified_and_disjoint():
    _, y = train.load_csv(train.Path(DATA))
    train_idx, val_idx = train.stratified_split(y)
    assert not set(train_idx) & set(val_idx)
    assert len(train_idx) + len(val_idx) == len(y)
    for label in set(y):
        assert (y[val_idx] == label).sum() >= 1


def test_auto_falls_back_to_cpu_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: auto picks cuda")
    assert train.resolve_device("auto") == "cpu"
    with pytest.raises(SystemExit, match="no CUDA device"):
        train.resolve_device("cuda")


def test_missing_data_file_fails_clearly(tmp_path):
    with pytest.raises(SystemExit, match="not found"):
        train.load_csv(tmp_path / "nope.csv")


def test_malformed_data_fails_clearly(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("sepal_length,sepal_width,petal_length,petal_width,species\nx,1,2,3,setosa\n")
    with pytest.raises(SystemExit, match="must be numbers"):
        train.load_csv(bad)
