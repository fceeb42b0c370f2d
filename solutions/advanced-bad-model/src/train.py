"""Train the iris MLP with PyTorch; write model/model.npz and model/metrics.json.

Run from the project root:

    python src/train.py                  # --device auto: CUDA when available, else CPU
    python src/train.py --device cpu     # force the CPU
    python src/train.py --device cuda    # require a GPU (fails without one)

The pipeline's train job asks for a GPU runner, but with `--device auto` the same
command works on a CPU-only machine: that is the CPU fallback.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as `python src/train.py`: make `src.model` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from src.model import FEATURES, NumpyMLP, build_torch_mlp

LABEL = "species"
SEED = 42
EPOCHS = 300
LEARNING_RATE = 0.01
VAL_FRACTION = 0.2

# Deterministic cuBLAS matmuls need this set before CUDA starts (harmless on CPU).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def load_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the training csv into a (n, 4) float32 array and a label array."""
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
    X_arr = np.asarray(X, dtype=np.float32)
    if not np.isfinite(X_arr).all():
        sys.exit(f"error: {path} contains non-finite feature values")
    return X_arr, np.asarray(y)


def stratified_split(
    y: np.ndarray, val_fraction: float = VAL_FRACTION, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, validation), the same share of every class in both."""
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for label in sorted(set(y.tolist())):
        rows = rng.permutation(np.flatnonzero(y == label))
        n_val = max(1, round(len(rows) * val_fraction))
        val_idx.extend(rows[:n_val])
        train_idx.extend(rows[n_val:])
    return np.sort(np.asarray(train_idx)), np.sort(np.asarray(val_idx))


def resolve_device(requested: str) -> str:
    """`auto` -> cuda when PyTorch sees a GPU, else cpu (the CPU fallback)."""
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        sys.exit(
            "error: --device cuda, but PyTorch sees no CUDA device "
            f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}); "
            "use --device auto to fall back to the CPU"
        )
    return requested


def seed_everything(seed: int) -> None:
    """Same seed, same data, same device -> same model."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU and every CUDA device
    # Deterministic kernels wherever PyTorch has them; warn_only=True warns
    # (instead of failing) for an op that has none.
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False


@dataclass
class TrainResult:
    model: NumpyMLP
    accuracy: float  # on the validation split
    device: str
    train_seconds: float
    n_train: int
    n_val: int
    X_val: np.ndarray
    y_val: np.ndarray


def accuracy(model: NumpyMLP, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.asarray(model.predict(X)) == y))


def train(
    data: Path,
    device: str = "auto",
    epochs: int = EPOCHS,
    lr: float = LEARNING_RATE,
    seed: int = SEED,
) -> TrainResult:
    """Train on `data` and return the model as numpy arrays plus its validation accuracy."""
    import torch

    device = resolve_device(device)
    seed_everything(seed)

    X, y = load_csv(data)
    train_idx, val_idx = stratified_split(y, seed=seed)
    X_train, y_train = X[train_idx], y[train_idx]
    X_val, y_val = X[val_idx], y[val_idx]

    # >>> THE BUG (the only difference from solutions/advanced) <<<
    # "Shuffle the training rows" -- but features and labels are shuffled with
    # two different permutations, so every row gets a random flower's label.
    # The model learns noise; its validation accuracy falls to about chance.
    rng = np.random.default_rng(seed)
    X_train = X_train[rng.permutation(len(X_train))]
    y_train = y_train[rng.permutation(len(y_train))]

    classes = sorted(set(y.tolist()))
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0) + 1e-6  # never divide by zero

    # Initialise the weights on the CPU, then move them: the same seed gives the
    # same starting point on every device.
    net = build_torch_mlp(n_classes=len(classes)).to(device)
    xs = torch.from_numpy((X_train - mean) / std).to(device)
    ys = torch.tensor([classes.index(label) for label in y_train], device=device)

    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    net.train()
    for _ in range(epochs):  # full batch: 96 rows fit in one step
        optimiser.zero_grad()
        loss = loss_fn(net(xs), ys)
        loss.backward()
        optimiser.step()
    if device == "cuda":
        torch.cuda.synchronize()  # GPU work is asynchronous: wait before stopping the clock
    seconds = time.perf_counter() - start

    model = NumpyMLP.from_torch(net.eval(), classes, mean, std)
    return TrainResult(
        model=model,
        accuracy=accuracy(model, X_val, y_val),
        device=device,
        train_seconds=seconds,
        n_train=len(y_train),
        n_val=len(y_val),
        X_val=X_val,
        y_val=y_val,
    )


def model_version() -> str:
    """MODEL_VERSION from the environment (the pipeline sets it), else the short git SHA."""
    if os.environ.get("MODEL_VERSION"):
        return os.environ["MODEL_VERSION"]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/iris_train.csv"))
    parser.add_argument("--out", type=Path, default=Path("model/model.npz"))
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--lr", type=float, default=LEARNING_RATE)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if not 1 <= args.epochs <= 100_000:
        parser.error("--epochs must be between 1 and 100000")

    import torch

    result = train(args.data, device=args.device, epochs=args.epochs, lr=args.lr, seed=args.seed)
    where = torch.cuda.get_device_name(0) if result.device == "cuda" else "CPU"
    note = (
        " (no CUDA device: CPU fallback)"
        if args.device == "auto" and result.device == "cpu"
        else ""
    )
    print(f"device: {result.device} [{where}]{note}")
    print(f"trained {args.epochs} epochs in {result.train_seconds:.2f} s")
    print(f"validation accuracy: {result.accuracy:.3f} ({result.n_val} rows)")

    result.model.save_npz(args.out)
    metrics = {
        "accuracy": result.accuracy,
        "device": result.device,
        "train_seconds": round(result.train_seconds, 3),
        "torch_version": torch.__version__,
        "model_version": model_version(),
        "n_train": result.n_train,
        "n_val": result.n_val,
        "epochs": args.epochs,
    }
    metrics_path = args.out.parent / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {args.out} and {metrics_path}")


if __name__ == "__main__":
    main()
