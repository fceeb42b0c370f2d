"""Intermediate project: "End-to-end ML pipeline with cloud infrastructure provisioning".

The learner's workflow trains and builds as in beginner, then provisions a VPC, a security
group and an instance with Terraform in a per-run workspace, deploys the image to the
instance over SSH, runs integration tests against its public address, and always destroys
what it made. The cloud is an AWS emulator (moto in its own process); each instance becomes
a local VM container with sshd at the instance's (loopback) public IP.
"""

from __future__ import annotations

from harness.pipeline import Project, Run, Stage, Tier, static_tier
from harness.services import (
    ENGINE,
    REGISTRY_BINARY,
    TERRAFORM,
    ActService,
    AwsService,
    Service,
    TerraformService,
    VmService,
    image_services,
)

from .facts import (
    LOCK_TABLE,
    STATE_BUCKET,
    STATE_KEY,
    record_resources,
    run_pipeline,
    terraform_tier,
)
from .runtime_checks import DEPLOY, PIPELINE, TEARDOWN, DeployContext
from .static_checks import STATIC, TfStaticContext
from .tf_checks import TERRAFORM as TERRAFORM_CHECKS


def _services(run: Run) -> list[Service]:
    docker, base, registry = image_services(run.workdir)
    aws = AwsService(
        bucket=STATE_BUCKET,
        lock_table=LOCK_TABLE,
        stack={"cloud": "AWS emulator: moto at {endpoint} (own process)"},
        stand_in="moto stands in for AWS (EC2, S3 state backend, DynamoDB locks)",
    )
    return [
        docker,
        base,
        registry,
        aws,
        TerraformService(run.workdir / "tf-run", aws, state_key=STATE_KEY),
        VmService(base, aws, run.report.run_id, run.console.progress),
        ActService(),
    ]


def _context(run: Run) -> DeployContext:
    assert run.sandbox is not None
    return DeployContext(sandbox=run.sandbox, workdir=run.workdir)


PROJECT = Project(
    name="intermediate",
    title="Intermediate: Terraform-provisioned environment, SSH deploy, integration tests, destroy",
    branch="main",
    static=static_tier(STATIC, TfStaticContext),
    plan=Tier("terraform", "terraform (validate, checkov, plan)", TERRAFORM_CHECKS, terraform_tier),
    requires=(ENGINE, REGISTRY_BINARY, TERRAFORM),
    services=_services,
    context=_context,
    banner=("cloud", "terraform", "VMs"),
    stages=(
        Stage("pipeline", PIPELINE, "pipeline (act)", gather=run_pipeline),
        Stage("deploy", DEPLOY, "deploy"),
        Stage("teardown", TEARDOWN, "teardown by the pipeline"),
    ),
    finish=record_resources,
)
