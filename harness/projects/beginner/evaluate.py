"""Scores a trained model file on the harness's held-out rows, in a child process.

Run as `python -m harness.projects.beginner.evaluate MODEL HOLDOUT_CSV`; prints one JSON
object. Unpickling runs the submission's code, so it never happens in the harness process:
a crash or a hang there costs this child only.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any


def load_rows(path: Path) -> tuple[list[list[float]], list[str]]:
    features: list[list[float]] = []
    labels: list[str] = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            labels.append(row.pop("species"))
            features.append([float(v) for v in row.values()])
    return features, labels


def evaluate(model_path: Path, holdout: Path) -> dict[str, Any]:
    import joblib

    model = joblib.load(model_path)
    features, labels = load_rows(holdout)
    predicted = [str(p) for p in model.predict(features)]
    correct = sum(p == t for p, t in zip(predicted, labels, strict=True))
    return {"accuracy": correct / len(labels), "n": len(labels), "model": type(model).__name__}


def main(argv: list[str]) -> int:
    try:
        result = evaluate(Path(argv[0]), Path(argv[1]))
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
