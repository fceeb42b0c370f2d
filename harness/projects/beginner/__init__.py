"""Beginner project: "Basic ML model training and dockerization pipeline".

The learner's workflow trains a scikit-learn model on push to main, keeps it as an artifact,
and a second job logs in to a registry with secrets and pushes an image holding the model and
a FastAPI prediction API. The run executes that pipeline for real and grades what it made:
the model on held-out rows, the pushed image, and the API container started from it.
"""

from __future__ import annotations

from harness.pipeline import Project, Run, Stage, static_tier
from harness.services import (
    ENGINE,
    REGISTRY_BINARY,
    ActService,
    RegistryService,
    Service,
    image_services,
)
from harness.static.context import StaticContext

from .facts import inspect_image, no_image, run_pipeline, start_container
from .runtime_checks import CONTAINER, IMAGE, MODEL, PIPELINE, RunContext
from .static_checks import STATIC


def _services(run: Run) -> list[Service]:
    return [*image_services(run.workdir), ActService()]


def _context(run: Run) -> RunContext:
    assert run.sandbox is not None
    registry = run.service(RegistryService).registry
    return RunContext(sandbox=run.sandbox, workdir=run.workdir, registry=registry)


PROJECT = Project(
    name="beginner",
    title="Beginner: ML model training and dockerization pipeline",
    branch="main",
    static=static_tier(STATIC, StaticContext),
    requires=(ENGINE, REGISTRY_BINARY),
    services=_services,
    context=_context,
    stages=(
        Stage("pipeline", PIPELINE, "pipeline (act)", gather=run_pipeline),
        Stage("model", MODEL, "model artifact", needs=("pipeline",)),
        Stage("image", IMAGE, "image", inspect_image, "image inspection", needs=("pipeline",)),
        Stage(
            "container",
            CONTAINER,
            "container",
            start_container,
            "container start",
            needs=("pipeline",),
            skip_if=no_image,
        ),
    ),
)
