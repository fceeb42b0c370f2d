"""The advanced project's variants, made from the reference solution when needed, never
committed as copies: the bad-model variant (the solution plus one marked, exactly invertible
edit, the drills' kind) and the held-out data the grader scores models on.

    materialize_bad_model(dest)  ->  dest: solutions/advanced with BAD_MODEL_EDITS applied

`revert_edits(dest, BAD_MODEL_EDITS)` gives the solution back byte for byte; an edit that no
longer fits the solution (it changed under it) raises `DrillError` instead of guessing. The
baseline "v1" app is in `baseline.py` beside this module.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from harness.drills.model import Edit, Replace
from harness.drills.workspace import COPY_IGNORE
from harness.grading import KATA_ROOT
from harness.projects.common import IRIS_HOLDOUT

SOLUTION = KATA_ROOT / "solutions" / "advanced"
"""The reference solution every variant is made from."""

HOLDOUT = IRIS_HOLDOUT  # the flowers no solution trains on (harness/projects/common.py)
"""Advanced's own held-out rows (30 iris flowers, 10 per species) that the solution's
training data (`data/iris_train.csv`, 120 rows) never contains: the grader scores the
uploaded model and the baseline v1 on it. Iris has 150 flowers, so these are the same 30
that the beginner project holds out."""

_TRAIN = "src/train.py"
_SPLIT = "    X_val, y_val = X[val_idx], y[val_idx]\n\n"
_BUG = """\
    # >>> THE BUG (the only difference from solutions/advanced) <<<
    # "Shuffle the training rows" -- but features and labels are shuffled with
    # two different permutations, so every row gets a random flower's label.
    # The model learns noise; its validation accuracy falls to about chance.
    rng = np.random.default_rng(seed)
    X_train = X_train[rng.permutation(len(X_train))]
    y_train = y_train[rng.permutation(len(y_train))]

"""
_TITLE = "# Iris API: reference solution (advanced)\n"
_BANNER = """\
# Iris API: reference solution (advanced), **bad-model variant**

> **This is `solutions/advanced` with ONE deliberate bug**, to show that the
> pipeline's metric gate works. In `src/train.py`, `train()` "shuffles the
> training rows" with two different permutations for features and labels
> (look for `THE BUG`), so the model learns noise: validation accuracy about
> 0.46 against a production baseline of about 0.90. Everything else (code,
> tests, Dockerfile, Terraform, workflow) is identical.
>
> Expected pipeline result: `train` passes (unit tests do not judge model
> quality), **`validate` fails** (`metric gate FAILED`), and `build`,
> `deploy-dev`, `deploy-staging-canary` and `deploy-prod` never run. Nothing
> reaches any environment.
"""

BAD_MODEL_EDITS: tuple[Edit, ...] = (
    Replace(_TRAIN, _SPLIT, _SPLIT + _BUG),
    Replace("README.md", _TITLE, _BANNER),
)
"""solutions/advanced -> the bad-model variant: the model learns noise, the metric gate must
stop it (train passes, validate fails, nothing is built or deployed)."""


def copy_solution(dest: Path, source: Path = SOLUTION) -> Path:
    """A clean copy of the solution at `dest` (which must not exist): no .git, no trained
    model, no caches or Terraform state (the drills' COPY_IGNORE)."""
    shutil.copytree(source, dest, ignore=COPY_IGNORE)
    return dest


def apply_edits(root: Path, edits: Sequence[Edit]) -> None:
    for edit in edits:
        edit.apply(root)


def revert_edits(root: Path, edits: Sequence[Edit]) -> None:
    for edit in reversed(edits):
        edit.revert(root)


def materialize_bad_model(dest: Path, source: Path = SOLUTION) -> Path:
    """The bad-model variant at `dest` (a new folder): the solution plus BAD_MODEL_EDITS.
    Grade it like any project folder (`python -m harness grade advanced --path DEST`)."""
    copy_solution(dest, source)
    apply_edits(dest, BAD_MODEL_EDITS)
    return dest
