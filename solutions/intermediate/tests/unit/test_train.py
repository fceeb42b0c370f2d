import json
import subprocess
import sys

import joblib
import numpy as np

TRAIN = "src/train.py"
DATA = "data/iris_train.csv"


def run_train(*args):
    return subprocess.run(
        [sys.executable, TRAIN, *args], capture_output=True, text=True, check=False
    )


def test_train_writes_model_and_metrics(tmp_path):
    out = tmp_path / "model" / "model.joblib"
    result = run_train("--data", DATA, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout

    metrics = json.loads((out.parent / "metrics.json").read_text())
    assert metrics["accuracy"] >= 0.9
    assert metrics["n_train"] > 0

    model = joblib.load(out)
    predictions = model.predict(np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]))
    assert list(predictions) == ["setosa", "virginica"]


def test_missing_data_file_fails_clearly(tmp_path):
    result = run_train("--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "m.joblib"))
    assert result.returncode != 0
    assert "not found" in result.stderr


def test_malformed_data_fails_clearly(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("sepal_length,sepal_width,petal_length,petal_width,species\nx,1,2,3,setosa\n")
    result = run_train("--data", str(bad), "--out", str(tmp_path / "m.joblib"))
    assert result.returncode != 0
    assert "error" in result.stderr
