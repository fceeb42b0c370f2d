"""Train the iris classifier and write model/model.joblib + model/metrics.json.

Run from the project root:

    python src/train.py
    python src/train.py --data data/iris_train.csv --out model/model.joblib
"""

import argparse
import csv
import json
import sys
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
LABEL = "species"
RANDOM_STATE = 42


def load_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the training csv into a (n, 4) float array and a label array."""
    if not path.is_file():
        sys.exit(f"error: data file not found: {path}")

    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in [*FEATURES, LABEL] if c not in (reader.fieldnames or [])]
        if missing:
            sys.exit(f"error: {path} is missing columns: {', '.join(missing)}")

        X, y = [], []
        for line_no, row in enumerate(reader, start=2):
            try:
                X.append([float(row[c]) for c in FEATURES])
            except (TypeError, ValueError):
                sys.exit(f"error: {path}:{line_no}: feature values must be numbers")
            if not row[LABEL]:
                sys.exit(f"error: {path}:{line_no}: empty species")
            y.append(row[LABEL])

    if len(X) < 10:
        sys.exit(f"error: {path} has only {len(X)} rows, need at least 10")
    X_arr = np.asarray(X, dtype=float)
    if not np.isfinite(X_arr).all():
        sys.exit(f"error: {path} contains non-finite feature values")
    return X_arr, np.asarray(y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/iris_train.csv"))
    parser.add_argument("--out", type=Path, default=Path("model/model.joblib"))
    args = parser.parse_args()

    X, y = load_csv(args.data)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.2, random_state=RANDOM_STATE, stratify=y
    )

    # Scale the features, then fit a linear classifier. Fixed seeds keep runs reproducible.
    model = make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=1000, random_state=RANDOM_STATE)
    )
    model.fit(X_train, y_train)
    accuracy = float(model.score(X_val, y_val))
    print(f"validation accuracy: {accuracy:.3f} ({len(y_val)} rows)")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, args.out)
    metrics = {"accuracy": accuracy, "n_train": len(y_train)}
    (args.out.parent / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {args.out} and {args.out.parent / 'metrics.json'}")


if __name__ == "__main__":
    main()
