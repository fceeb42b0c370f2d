"""Advanced drills: faults in the gated promotion (static tier, and the Terraform tier planned
against the cluster stand-in for the canary weight)."""

from __future__ import annotations

from .model import Drill, Replace

LEVEL = "advanced"
WORKFLOW = ".github/workflows/promote.yml"

DRILLS: tuple[Drill, ...] = (
    Drill(
        name="canary-all-traffic",
        level=LEVEL,
        title="The canary took all of staging",
        difficulty="medium",
        scenario=(
            "Yesterday's release candidate had a bug that only showed on long inputs. The "
            "canary stage was supposed to expose it to a small share of staging traffic, but "
            "every staging client hit it at once and the QA team's whole regression run "
            "failed. The stable pods sat idle the whole time. The Terraform under env/ and "
            "modules/ has not changed in weeks; the release pull request only 'tidied up' the "
            "promotion workflow."
        ),
        targets=("terraform.canary-config",),
        # the pipeline applies staging with the workflow's weight (-var canary_weight=...),
        # so that is where the fault has to be for the incident to happen
        edits=(Replace(WORKFLOW, '      CANARY_WEIGHT: "10"\n', '      CANARY_WEIGHT: "100"\n'),),
        unchanged=("env/*", "modules/*"),
    ),
    Drill(
        name="gpu-no-fallback",
        level=LEVEL,
        title="Training fails whenever the GPU runner is busy",
        difficulty="easy",
        scenario=(
            "Since the training step was 'optimised', every run that lands on the spare "
            "runner (same `gpu` label, but its driver is being upgraded) fails in `Train the "
            "model` with `RuntimeError: Found no NVIDIA driver on your system`. Before, those "
            "runs were just slower."
        ),
        targets=("workflow.gpu-fallback",),
        edits=(
            Replace(
                WORKFLOW, "python src/train.py --device auto", "python src/train.py --device cuda"
            ),
        ),
    ),
)
