"""Intermediate, the facts its stages gather: the Terraform tier's scratch copy and
emulator, the pipeline run with a watcher on the emulator and the VMs, and what the run left
behind in the cloud."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from harness.pipeline import Run, run_workflows
from harness.services import TERRAFORM, AwsService, ServiceSet, VmService, terraform_env

from .runtime_checks import DeployContext, Watcher
from .tf_checks import TfContext

STATE_BUCKET = "kata-tfstate"
LOCK_TABLE = "kata-tflock"
STATE_KEY = "iris-api/terraform.tfstate"
RUNNER_CIDR = "127.0.0.1/32"
IMAGE_NAME = "kata/iris-api"


def _keypair(workdir: Path) -> str:
    key = workdir / "plan_key"
    subprocess.run(
        ["ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return (key.with_suffix(".pub")).read_text().strip()


def terraform_tier(run: Run, services: ServiceSet) -> TfContext:
    """A scratch copy of terraform/ and an emulator of the tier's own, for validate,
    checkov and a plan made with the harness's own variable values."""
    options, report, workdir = run.options, run.report, run.workdir
    source = options.project_dir / "terraform"
    scratch = workdir / "tf-check"
    problem = TERRAFORM.missing() or ""
    if not problem and not source.is_dir():
        problem = "no terraform/ folder"
    if problem:
        return TfContext(scratch, {}, "", problem=problem)
    shutil.copytree(source, scratch, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    with run.stages.timed("terraform setup"):
        try:
            aws = services.start(AwsService())
        except Exception as exc:
            return TfContext(scratch, {}, "", problem=f"the AWS emulator did not start: {exc}")
        tfenv = terraform_env(
            workdir / "tf-static", aws.emulator.endpoint, offline=not options.real_providers
        )
        report.stack["terraform"] = tfenv.describe()
        if tfenv.offline:
            report.stand_ins.append(
                "hashicorp/aws: offline stand-in provider (world/terraform/aws_provider)"
            )
        return TfContext(scratch, tfenv.full_env(), _keypair(workdir))


def run_pipeline(run: Run) -> None:
    ctx: DeployContext = run.ctx
    vms = run.service(VmService).manager
    emulator = run.service(AwsService).emulator
    watcher = Watcher(ctx, vms, emulator.client("s3"), STATE_BUCKET, emulator.resources)
    variables = {"IMAGE_NAME": IMAGE_NAME, "RUNNER_CIDR": RUNNER_CIDR}
    if run_workflows(run, ctx, variables=variables, watch=watcher):
        record_leftovers(run, ctx)


def record_leftovers(run: Run, ctx: DeployContext) -> None:
    """What the pipeline's own destroy left: emulator resources, per-run workspace state,
    VM containers."""
    emulator = run.service(AwsService).emulator
    vms = run.service(VmService).manager
    assert vms is not None
    if not emulator.alive():
        ctx.emulator_problem = "the AWS emulator died during the run"
        return
    try:
        ctx.leftover_resources = emulator.resources()
        listing: Any = emulator.client("s3").list_objects_v2(Bucket=STATE_BUCKET, Prefix="env:/")
        ctx.state_keys_left = [str(o["Key"]) for o in listing.get("Contents") or []]
    except Exception as exc:
        ctx.emulator_problem = f"the emulator could not be read: {exc}"
    try:
        vms.sync()
        ctx.vms_left = [f"{v.container_name} ({v.address})" for v in vms.vms()]
    except Exception:
        ctx.vms_left = None


def record_resources(run: Run) -> None:
    """The cloud resources the watcher saw while act ran (first and last look, seconds after
    act started) and what was left after it, for the run page."""
    ctx: DeployContext = run.ctx
    if ctx is None or ctx.act is None:
        return
    left = set(ctx.leftover_resources or [])
    run.report.facts["resources"] = {
        "poll_s": 1.0,
        "watched_s": ctx.watched_s,
        "seen": [
            {"name": name, "first_s": first, "last_s": last, "left": name in left}
            for name, (first, last) in sorted(ctx.seen_at.items(), key=lambda kv: kv[1][0])
        ],
        "left": sorted(left),
        "state_keys_left": ctx.state_keys_left or [],
        "vms_left": ctx.vms_left or [],
        "api": [
            {
                "address": o.address,
                "health": o.health,
                "predictions_ok": o.predictions_ok,
                "detail": o.detail,
            }
            for o in ctx.api.values()
        ],
    }
