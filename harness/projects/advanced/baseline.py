"""The baseline "v1" app: the iris API in production before the learner's pipeline runs.

It is made from the reference solution's own sources, never kept as a copy: the solution's
Dockerfile, requirements and src/ (the same API, /health /version /predict /metrics, numpy
serving), with a weaker model trained at materialize time by the solution's own
`src/train.py` on its own data: V1_EPOCHS epochs instead of 300, fixed seed, on the CPU,
`MODEL_VERSION=v1` (so `/version` and `model_info` say `v1`; the graders tell v1 from the
learner's v2 by image tag and Service, not by the answers).

    app = materialize_baseline_app(dest)   # dest: the docker build context
    app.path, app.accuracy                 # accuracy: held-out, on variants.HOLDOUT

Training needs PyTorch, which the harness does not depend on: the trainer is
$KATA_TRAIN_PYTHON if set, else this interpreter if it has torch, else a virtual environment
made once from the solution's requirements-train.txt (the train job's own command), kept in
the kata's cache. Every trained model is cached too, keyed by a hash of what it is made of
(train.py, model.py, the training data, the requirements, the held-out data, epochs, seed,
version): a warm materialize takes milliseconds and no PyTorch.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import KataError

from .variants import HOLDOUT, SOLUTION, copy_solution

V1_EPOCHS = 20
V1_VERSION = "v1"
SEED = 42  # train.py's own default
RECIPE = "1"  # bump when the way models are trained or scored here changes
TRAIN_INPUTS = (
    "src/train.py",
    "src/model.py",
    "data/iris_train.csv",
    "requirements-train.txt",
    "requirements.txt",
)
TRAIN_REQUIREMENTS = "requirements-train.txt"
READY = ".kata-ready"


class TrainingError(KataError):
    """The baseline model could not be trained or scored (no PyTorch, a failing train.py)."""


@dataclass(frozen=True)
class TrainedModel:
    npz: Path
    metrics: dict[str, Any]
    """train.py's metrics.json (`accuracy` on its validation split, `model_version`, ...)
    plus `holdout_accuracy` and `holdout_rows` on the held-out data."""

    @property
    def holdout_accuracy(self) -> float:
        return float(self.metrics["holdout_accuracy"])


@dataclass(frozen=True)
class BaselineApp:
    path: Path
    """The docker build context: the solution's files plus model/model.npz and metrics.json."""
    accuracy: float
    """v1's held-out accuracy: the workflow's BASELINE_ACCURACY."""
    metrics: dict[str, Any]


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cicd-kata"


def materialize_baseline_app(dest: Path, source: Path = SOLUTION) -> BaselineApp:
    """The v1 app at `dest` (a new folder), ready for `docker build` (BASE_IMAGE build arg as
    for the solution). Raises TrainingError when its model cannot be trained."""
    copy_solution(dest, source)
    model = train_model(dest, epochs=V1_EPOCHS, model_version=V1_VERSION)
    (dest / "model").mkdir()
    shutil.copyfile(model.npz, dest / "model" / "model.npz")
    (dest / "model" / "metrics.json").write_text(json.dumps(model.metrics, indent=2) + "\n")
    return BaselineApp(path=dest, accuracy=model.holdout_accuracy, metrics=model.metrics)


def train_model(
    project: Path,
    *,
    epochs: int,
    model_version: str,
    seed: int = SEED,
    holdout: Path = HOLDOUT,
) -> TrainedModel:
    """`project`'s model, trained by its own `src/train.py` on its `data/iris_train.csv` (CPU,
    fixed seed) and scored on `holdout`; from the cache when the same inputs made one before."""
    folder = (
        cache_root() / "advanced-models" / _model_key(project, epochs, model_version, seed, holdout)
    )
    if not (folder / READY).is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)  # not READY: left half-made by hand
        scratch = Path(tempfile.mkdtemp(prefix=".training-", dir=folder.parent))
        try:
            _train_into(scratch, project, epochs, model_version, seed, holdout)
            (scratch / READY).write_text("")
            try:
                os.replace(scratch, folder)
            except OSError:  # another run cached the same model meanwhile: keep that one
                pass
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    metrics = json.loads((folder / "metrics.json").read_text())
    return TrainedModel(npz=folder / "model.npz", metrics=metrics)


def _model_key(project: Path, epochs: int, version: str, seed: int, holdout: Path) -> str:
    digest = hashlib.sha256(f"{RECIPE}\0{epochs}\0{version}\0{seed}\0".encode())
    for rel in TRAIN_INPUTS:
        path = project / rel
        digest.update(f"{rel}\0".encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    digest.update(holdout.read_bytes())
    return digest.hexdigest()[:24]


def _train_into(
    out: Path, project: Path, epochs: int, version: str, seed: int, holdout: Path
) -> None:
    python = trainer_python(project / TRAIN_REQUIREMENTS)
    cmd = [python, "src/train.py", "--device", "cpu", "--epochs", str(epochs), "--seed", str(seed)]
    cmd += ["--data", "data/iris_train.csv", "--out", str(out / "model.npz")]
    # One thread: the same bytes, and 300 epochs of 96 rows run in under a second instead
    # of several on a busy machine (thread start-up outweighs the work).
    env = {**os.environ, "MODEL_VERSION": version, "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not (out / "metrics.json").is_file():
        raise TrainingError(
            f"training the {version} model failed (src/train.py, exit {proc.returncode}): "
            + (proc.stderr or proc.stdout).strip()[-600:]
        )
    metrics = json.loads((out / "metrics.json").read_text())
    accuracy, rows = holdout_accuracy(project / "src", out / "model.npz", holdout)
    metrics.update(holdout_accuracy=accuracy, holdout_rows=rows)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")


_SCORE = """\
import csv, json, sys
sys.path.insert(0, sys.argv[1])
from model import NumpyMLP
rows = list(csv.DictReader(open(sys.argv[3])))
y = [r.pop("species") for r in rows]
X = [[float(v) for v in r.values()] for r in rows]
p = NumpyMLP.from_npz(sys.argv[2]).predict(X)
print(json.dumps({"accuracy": sum(a == b for a, b in zip(p, y)) / len(y), "rows": len(y)}))
"""


def holdout_accuracy(src: Path, npz: Path, holdout: Path = HOLDOUT) -> tuple[float, int]:
    """(accuracy, rows) of the model `npz` on `holdout`, predicted by `src/model.py`'s
    NumpyMLP in a separate process (numpy only: the harness's own interpreter)."""
    proc = subprocess.run(
        [sys.executable, "-c", _SCORE, str(src), str(npz), str(holdout)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        return float(result["accuracy"]), int(result["rows"])
    except (ValueError, IndexError, KeyError) as exc:
        raise TrainingError(
            f"the model {npz} could not be scored: {proc.stderr.strip()[-300:]}"
        ) from exc


def trainer_python(requirements: Path) -> str:
    """A Python that can run train.py: $KATA_TRAIN_PYTHON, this one if it has torch, else the
    cached training environment (made on first use with `pip install -r requirements`)."""
    override = os.environ.get("KATA_TRAIN_PYTHON")
    if override:
        return override
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    return str(training_venv(requirements) / "bin" / "python")


def training_venv(requirements: Path) -> Path:
    digest = hashlib.sha256(f"{sys.version_info[:2]}\0{sys.base_prefix}\0".encode())
    for path in sorted({requirements, requirements.parent / "requirements.txt"}):
        digest.update(path.read_bytes() if path.is_file() else b"")
    venv = cache_root() / "train-venv" / digest.hexdigest()[:16]
    if (venv / READY).is_file():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with _locked(venv.with_suffix(".lock")):
        if (venv / READY).is_file():  # made by another run while this one waited
            return venv
        shutil.rmtree(venv, ignore_errors=True)  # a half-made one from an interrupted run
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(requirements)],
        ]
        for step in steps:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise TrainingError(
                    "training the baseline model needs PyTorch: `pip install -r "
                    f"{requirements.name}` into {venv} failed: "
                    + (proc.stderr or proc.stdout).strip()[-400:]
                    + "; or set KATA_TRAIN_PYTHON to a Python that has torch"
                )
        (venv / READY).write_text(str(requirements) + "\n")
    return venv


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
