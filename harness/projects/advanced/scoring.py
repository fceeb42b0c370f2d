"""The metric gate's ground truth: the uploaded model scored by the harness on held-out rows
the project never sees, with the learner's own numpy serving code."""

from __future__ import annotations

from pathlib import Path

from harness.errors import KataError
from world.actions.artifacts import artifact_files, artifact_names

from .baseline import holdout_accuracy
from .runtime_checks import PromoteContext
from .variants import HOLDOUT


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
    try:
        ctx.model_accuracy, _rows = holdout_accuracy(repo / "src", npz[0], HOLDOUT)
    except KataError as exc:
        ctx.model_problem = str(exc)
