"""The metric gate's ground truth: the uploaded model scored by the harness on held-out rows
the project never sees, with the learner's own numpy serving code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from world.actions.artifacts import artifact_files, artifact_names

from .runtime_checks import PromoteContext

HOLDOUT = Path(__file__).parent.parent / "beginner" / "holdout.csv"

_SCRIPT = (
    "import csv, json, sys; sys.path.insert(0, sys.argv[1]); from model import NumpyMLP\n"
    "rows = list(csv.DictReader(open(sys.argv[3])))\n"
    "y = [r.pop('species') for r in rows]; X = [[float(v) for v in r.values()] for r in rows]\n"
    "p = NumpyMLP.from_npz(sys.argv[2]).predict(X)\n"
    "print(json.dumps({'accuracy': sum(a == b for a, b in zip(p, y)) / len(y)}))\n"
)


def score_model(ctx: PromoteContext, repo: Path) -> None:
    root = ctx.artifacts_dir
    if root is None or "model" not in artifact_names(root):
        ctx.model_problem = "no `model` artifact was uploaded"
        return
    files = artifact_files(root, "model")
    npz = [p for rel, p in files.items() if rel.endswith(".npz")]
    if not npz:
        ctx.model_problem = "the `model` artifact holds no .npz file"
        return
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(repo / "src"), str(npz[0]), str(HOLDOUT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        ctx.model_accuracy = float(json.loads(proc.stdout.strip().splitlines()[-1])["accuracy"])
    except (ValueError, IndexError, KeyError):
        ctx.model_problem = f"the model could not be scored: {proc.stderr.strip()[-300:]}"
