"""Any repository's workflows, run as the grader runs a project's: `python -m harness grade
workflows --path DIR [--branch B] [--changed FILE ...]`.

Not one of the graded projects (it is not in `PROJECTS`, has no exercise or solution): it is
how a learner tries a pipeline written the way public projects write them, and how the
kata's workflow corpus (tests/corpus/) proves which of them run here. The run has the
engine, a registry (`vars.REGISTRY`, `secrets.REGISTRY_USERNAME/PASSWORD`) and act with the
offline stand-ins; jobs' `services:` are started by the harness; workflows chained by
`workflow_run` run after the ones they wait for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.act_results import ActRun
from harness.checks import CheckList
from harness.manifest import load_manifest
from harness.pipeline import Project, Run, Stage, run_workflows, static_tier
from harness.projects import common
from harness.sandbox import Sandbox
from harness.services import ENGINE, REGISTRY_BINARY, ActService, Service, image_services
from harness.static.context import StaticContext


@dataclass
class WorkflowsContext:
    sandbox: Sandbox
    workdir: Path
    act: ActRun | None = None
    not_run_reason: str = ""
    artifacts_dir: Path | None = None


MANIFEST = load_manifest("workflows")
STATIC = CheckList[StaticContext](MANIFEST)
common.register(STATIC, "workflow.valid")
PIPELINE = CheckList[WorkflowsContext](MANIFEST)
common.register(PIPELINE, "pipeline.act-run")


def _services(run: Run) -> list[Service]:
    return [*image_services(run.workdir), ActService()]


def _context(run: Run) -> WorkflowsContext:
    assert run.sandbox is not None
    return WorkflowsContext(sandbox=run.sandbox, workdir=run.workdir)


def _run(run: Run) -> None:
    run_workflows(run, run.ctx, variables={})


PROJECT = Project(
    name="workflows",
    title="Any repository's workflows, run as the grader runs them",
    branch="main",
    static=static_tier(STATIC, StaticContext),
    requires=(ENGINE, REGISTRY_BINARY),
    services=_services,
    context=_context,
    stages=(Stage("pipeline", PIPELINE, "pipeline (act)", gather=_run),),
)
