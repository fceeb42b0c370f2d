"""GPU check for the advanced project: train on CUDA and on the CPU, compare.

Run from the repository root on a machine with an NVIDIA GPU and PyTorch
(no Docker, no network, nothing installed by this script):

    python scripts/gpu_check.py                # the check
    python scripts/gpu_check.py --dry-run      # no GPU here: exercise the script on the CPU only

It imports `solutions/advanced/src/train.py` and reports:

- the GPU (name, compute capability, CUDA and torch versions);
- training time and validation accuracy on cuda and on cpu, and their difference;
- whether the numpy inference used for serving agrees with PyTorch on the GPU
  (same weights; max logit difference and share of equal predictions);
- the API's choice of backend with VARIANT=cuda (when FastAPI is installed).

Exit status: 0 all good; 1 a check failed (accuracies differ by more than
--max-accuracy-diff, or numpy and torch disagree); 2 CUDA (or PyTorch, numpy)
is not available. The JSON result goes to $OUT/gpu_check.json when OUT is set,
else to stdout. Finishes in well under a minute on any recent GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "solutions" / "advanced"
DATA = PROJECT / "data" / "iris_train.csv"
EPOCHS = 300
MAX_LOGIT_DIFF = 1e-3  # float32 numpy vs cuda kernels: differences around 1e-6 are expected
MIN_AGREEMENT = 0.99


def emit(result: dict[str, Any]) -> None:
    text = json.dumps(result, indent=2, sort_keys=True, default=str)
    out = os.environ.get("OUT")
    if out:
        path = Path(out) / "gpu_check.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
        print(f"wrote {path}")
    else:
        print(text)


def fail(result: dict[str, Any], code: int, message: str) -> int:
    result["ok"] = False
    result["error"] = message
    print(f"gpu_check: {message}", file=sys.stderr)
    emit(result)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--max-accuracy-diff", type=float, default=0.05)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="no GPU: run every step on the CPU to test the script itself",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "ok": False,
        "dry_run": args.dry_run,
        "python": platform.python_version(),
        "epochs": args.epochs,
    }

    try:
        import numpy as np
        import torch
    except ImportError as exc:
        return fail(result, 2, f"missing dependency: {exc} (this script installs nothing)")
    result["torch_version"] = torch.__version__
    result["torch_cuda_build"] = torch.version.cuda
    result["numpy_version"] = np.__version__

    gpu = "cpu" if args.dry_run else "cuda"
    if not args.dry_run:
        if not torch.cuda.is_available():
            return fail(
                result,
                2,
                "CUDA is not available: torch.cuda.is_available() is False "
                f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}). "
                "Run on a GPU machine, or use --dry-run to test the script on the CPU.",
            )
        props = torch.cuda.get_device_properties(0)
        result["device_name"] = torch.cuda.get_device_name(0)
        result["compute_capability"] = f"{props.major}.{props.minor}"
        result["gpu_memory_gib"] = round(props.total_memory / 2**30, 1)
        result["device_count"] = torch.cuda.device_count()
    else:
        result["device_name"] = "cpu (dry run)"

    # The project's own code: its train() and the serving model classes.
    sys.path.insert(0, str(PROJECT))
    from src import train as train_mod  # sets CUBLAS_WORKSPACE_CONFIG before CUDA starts
    from src.model import NumpyMLP, TorchPredictor

    # Warm-up: the first CUDA call pays for context and cuBLAS set-up; keep it
    # out of the timed runs, but report it.
    t0 = time.perf_counter()
    train_mod.train(DATA, device=gpu, epochs=5)
    result["warmup_seconds"] = round(time.perf_counter() - t0, 3)

    gpu_run = train_mod.train(DATA, device=gpu, epochs=args.epochs)
    cpu_run = train_mod.train(DATA, device="cpu", epochs=args.epochs)
    for name, r in ((gpu, gpu_run), ("cpu", cpu_run)):
        print(
            f"{name}: {args.epochs} epochs in {r.train_seconds:.3f} s, "
            f"validation accuracy {r.accuracy:.4f}"
        )
    diff = abs(gpu_run.accuracy - cpu_run.accuracy)
    result["per_device"] = {
        "gpu" if not args.dry_run else "gpu_dry_run_on_cpu": {
            "device": gpu_run.device,
            "train_seconds": round(gpu_run.train_seconds, 4),
            "accuracy": gpu_run.accuracy,
        },
        "cpu": {
            "device": cpu_run.device,
            "train_seconds": round(cpu_run.train_seconds, 4),
            "accuracy": cpu_run.accuracy,
        },
    }
    result["accuracy_diff"] = diff
    result["max_accuracy_diff"] = args.max_accuracy_diff
    result["weights_max_abs_diff_gpu_vs_cpu"] = float(
        max(
            np.abs(gpu_run.model.w1 - cpu_run.model.w1).max(),
            np.abs(gpu_run.model.w2 - cpu_run.model.w2).max(),
        )
    )

    # Serving: numpy inference vs torch on the GPU, same weights, many inputs.
    model: NumpyMLP = gpu_run.model
    X = np.random.default_rng(0).uniform(0, 8, size=(10_000, 4)).astype(np.float32)
    X = np.vstack([X, gpu_run.X_val])
    torch_logits = TorchPredictor(model, gpu).logits(X)
    numpy_logits = model.logits(X)
    agreement = float(np.mean(torch_logits.argmax(axis=1) == numpy_logits.argmax(axis=1)))
    logit_diff = float(np.abs(torch_logits - numpy_logits).max())
    result["numpy_vs_torch"] = {
        "torch_device": gpu,
        "inputs": len(X),
        "prediction_agreement": agreement,
        "max_logit_abs_diff": logit_diff,
    }

    # The API's backend choice in the cuda image (optional: needs FastAPI here).
    try:
        import tempfile

        from src import app as app_mod

        os.environ["VARIANT"] = "cuda"
        with tempfile.TemporaryDirectory() as tmp:
            model.save_npz(Path(tmp) / "model.npz")
            predictor, backend = app_mod.load_predictor(Path(tmp) / "model.npz")
            preds = predictor.predict(gpu_run.X_val)
        result["app_backend_with_variant_cuda"] = backend
        result["app_predictions_match_numpy"] = preds == model.predict(gpu_run.X_val)
    except ImportError as exc:
        result["app_backend_with_variant_cuda"] = f"skipped: {exc}"

    problems = []
    if diff > args.max_accuracy_diff:
        problems.append(
            f"accuracy differs by {diff:.4f} between {gpu} and cpu "
            f"(allowed {args.max_accuracy_diff})"
        )
    if agreement < MIN_AGREEMENT or logit_diff > MAX_LOGIT_DIFF:
        problems.append(
            f"numpy and torch inference disagree: agreement {agreement:.4f}, "
            f"max logit difference {logit_diff:.2e}"
        )
    if result.get("app_predictions_match_numpy") is False:
        problems.append("the API's predictions with VARIANT=cuda differ from numpy's")
    backend = str(result.get("app_backend_with_variant_cuda", ""))
    if not args.dry_run and not backend.startswith(("torch-cuda", "skipped")):
        problems.append(f"with VARIANT=cuda the API chose {backend!r}, not the GPU")

    result["total_seconds"] = round(time.perf_counter() - started, 2)
    result["problems"] = problems
    result["ok"] = not problems
    verdict = "OK" if not problems else "FAILED: " + "; ".join(problems)
    print(
        f"{result['device_name']}: accuracy {gpu} {gpu_run.accuracy:.4f} vs cpu "
        f"{cpu_run.accuracy:.4f} (diff {diff:.4f}); numpy vs torch agreement {agreement:.4f}, "
        f"max logit diff {logit_diff:.1e}; {verdict}"
    )
    emit(result)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
