"""The advanced project's variants, made from the solution instead of committed copies: the
bad-model edit, advanced's own held-out data, and the baseline v1 app with its model trained
by the solution's own train.py (PyTorch, through the cached training environment; a warm
cache answers in milliseconds)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from harness.drills.model import DrillError
from harness.projects.advanced import baseline
from harness.projects.advanced.runtime_checks import GATE_TOLERANCE
from harness.projects.advanced.variants import (
    HOLDOUT,
    SOLUTION,
    copy_solution,
    materialize_bad_model,
)


def rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(newline="") as f:
        return [tuple(row.values()) for row in csv.DictReader(f)]


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_holdout_is_shared_by_no_project_and_never_trained_on() -> None:
    assert HOLDOUT.parent.name == "projects" and HOLDOUT.is_file()
    header = HOLDOUT.read_text().splitlines()[0]
    assert header == "sepal_length,sepal_width,petal_length,petal_width,species"
    held = rows(HOLDOUT)
    assert len(held) == len(set(held)) == 30
    assert {s: sum(r[-1] == s for r in held) for s in ("setosa", "versicolor", "virginica")} == {
        "setosa": 10,
        "versicolor": 10,
        "virginica": 10,
    }
    assert not set(held) & set(rows(SOLUTION / "data" / "iris_train.csv"))


def test_the_bad_model_edit_refuses_a_solution_that_changed_under_it(tmp_path: Path) -> None:
    changed = copy_solution(tmp_path / "changed")
    train = changed / "src" / "train.py"
    train.write_text(train.read_text().replace("X_val, y_val = X[val_idx]", "X_val = X[val_idx]"))
    with pytest.raises(DrillError, match=r"src/train\.py"):
        materialize_bad_model(tmp_path / "bad", source=changed)


@pytest.fixture(scope="module")
def trainer() -> str:
    """A Python with PyTorch for train.py (made once and cached); skips where none can be
    had (no network for `pip install -r requirements-train.txt`)."""
    try:
        return baseline.trainer_python(SOLUTION / baseline.TRAIN_REQUIREMENTS)
    except baseline.TrainingError as exc:
        pytest.skip(str(exc))


def test_baseline_app_is_the_solution_with_a_weaker_v1_model(trainer: str, tmp_path: Path) -> None:
    app = baseline.materialize_baseline_app(tmp_path / "v1")
    solution = files(copy_solution(tmp_path / "solution"))
    built = files(app.path)
    assert set(built) == set(solution) | {"model/model.npz", "model/metrics.json"}
    assert all(built[rel] == solution[rel] for rel in solution), "v1 is the solution's sources"
    assert app.metrics["model_version"] == "v1"
    assert app.metrics["epochs"] == baseline.V1_EPOCHS
    assert app.metrics["holdout_rows"] == 30
    assert app.accuracy == app.metrics["holdout_accuracy"]
    assert 0.7 <= app.accuracy < 1.0, "v1 is a working but beatable model"
    started = time.monotonic()
    again = baseline.materialize_baseline_app(tmp_path / "v1-again")
    assert time.monotonic() - started < 5, "the second time comes from the cache"
    assert (again.path / "model" / "model.npz").read_bytes() == built["model/model.npz"]
    assert again.accuracy == app.accuracy


def test_the_gate_passes_the_solution_and_stops_the_bad_model(
    trainer: str, tmp_path: Path, bad_model_solution: Path
) -> None:
    v1 = baseline.materialize_baseline_app(tmp_path / "v1")
    floor = v1.accuracy - GATE_TOLERANCE
    good = baseline.train_model(copy_solution(tmp_path / "solution"), epochs=300, model_version="t")
    bad = baseline.train_model(bad_model_solution, epochs=300, model_version="t")
    assert good.holdout_accuracy >= floor > bad.holdout_accuracy
    # the workflow's own gate compares train.py's validation accuracy with the same floor
    assert good.metrics["accuracy"] >= floor > bad.metrics["accuracy"]


def test_a_training_failure_is_reported(trainer: str, tmp_path: Path) -> None:
    broken = copy_solution(tmp_path / "broken")
    (broken / "src" / "train.py").write_text("raise SystemExit('no torch today')\n")
    with pytest.raises(baseline.TrainingError, match=r"v1 model failed.*no torch today"):
        baseline.materialize_baseline_app(tmp_path / "v1", source=broken)
