"""Advanced project: "Multi-environment, gated ML deployment pipeline".

A push to `dev` trains (GPU runner label, CPU fallback), passes a metric gate, builds and
deploys to dev; a job bound to the `staging` environment (approval required) runs the new
version as a canary beside the current one; the canary is measured and analysed; the
`production` job shifts all traffic, or the canary is rolled back. Kubernetes is the local
cluster stand-in (real nginx for the Ingress canary) or, with `--cluster kind`, a kind
cluster with ingress-nginx; Terraform state lives in S3 on moto.
"""

from __future__ import annotations

from harness.pipeline import Project, Run, Stage, Tier, static_tier
from harness.services import (
    ENGINE,
    REGISTRY_BINARY,
    TERRAFORM,
    ActService,
    AwsService,
    ClusterService,
    Service,
    TerraformService,
    cuda_note,
    image_services,
)
from harness.static.context import StaticContext
from world.cluster import ClusterBackend

from .facts import current_production, record_decisions, run_pipeline, terraform_tier
from .gates import apply_gates, parse_approvals
from .runtime_checks import CANARY, GATES, OUTCOME, PIPELINE, PromoteContext
from .static_checks import STATIC
from .tf_checks import TERRAFORM as TERRAFORM_CHECKS

__all__ = ["PROJECT", "apply_gates", "parse_approvals"]

STATE_BUCKET = "kata-tfstate"


def _services(run: Run) -> list[Service]:
    docker, base, registry = image_services(run.workdir)
    aws = AwsService(
        bucket=STATE_BUCKET,
        stack={"state": "S3 on moto at {endpoint}"},
        stand_in="moto stands in for the S3 state backend",
    )
    return [
        docker,
        base,
        registry,
        aws,
        ClusterService(run.options.cluster, run.report.run_id, run.workdir / "cluster", registry),
        TerraformService(run.workdir / "tf-run", aws, kubernetes=True),
        ActService("act, host mode; `gpu` label mapped to the host " + cuda_note()),
    ]


def _context(run: Run) -> PromoteContext:
    assert run.sandbox is not None
    ctx = PromoteContext(
        sandbox=run.sandbox,
        workdir=run.workdir,
        ingress_url=_cluster(run).ingress_url,
    )
    ctx.approvals = parse_approvals(run.options)
    return ctx


def _cluster(run: Run) -> ClusterBackend:
    cluster = run.service(ClusterService).cluster
    assert cluster is not None
    return cluster


PROJECT = Project(
    name="advanced",
    title="Advanced: gated multi-environment promotion with a measured canary",
    branch="dev",
    static=static_tier(STATIC, StaticContext),
    plan=Tier("terraform", "terraform (validate, canary plan)", TERRAFORM_CHECKS, terraform_tier),
    requires=(ENGINE, REGISTRY_BINARY, TERRAFORM),
    services=_services,
    context=_context,
    banner=("cluster", "state", "runner"),
    setup=current_production,
    stages=(
        Stage("pipeline", PIPELINE, "pipeline (act)", gather=run_pipeline),
        Stage("gates", GATES, "gates"),
        Stage("canary", CANARY, "canary"),
        Stage("outcome", OUTCOME, "outcome"),
    ),
    finish=record_decisions,
)
