"""Intermediate project: "End-to-end ML pipeline with cloud infrastructure provisioning".

The learner's workflow trains and builds as in beginner, then provisions a VPC, a security
group and an instance with Terraform in a per-run workspace, deploys the image to the
instance over SSH, runs integration tests against its public address, and always destroys
what it made. The cloud is an AWS emulator (moto in its own process by default); each
instance becomes a local VM container with sshd at the instance's (loopback) public IP.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from harness import act_runner, engine
from harness.redact import Redactor
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options, Stages, sigterm_as_interrupt
from harness.sandbox import make_sandbox, new_run_id
from harness.teardown import tear_down_run
from harness.terraform import runner as tf
from harness.terraform.overrides import backend_config_args
from world import base_image
from world.aws.emulator import EmulatorUnavailable
from world.aws.moto_process import MotoProcessEmulator
from world.registry import REGISTRY_FIX, LocalRegistry
from world.terraform.mirror import TerraformEnv
from world.vm.image import ensure_vm_image
from world.vm.manager import VmManager

from .runtime_checks import DEPLOY, PIPELINE, TEARDOWN, DeployContext, Watcher
from .static_checks import STATIC, TfStaticContext
from .tf_checks import TERRAFORM, TfContext

NAME = "intermediate"
TITLE = "Intermediate: Terraform-provisioned environment, SSH deploy, integration tests, destroy"
RUNTIME = [PIPELINE, DEPLOY, TEARDOWN]
STATE_BUCKET = "kata-tfstate"
LOCK_TABLE = "kata-tflock"
STATE_KEY = "iris-api/terraform.tfstate"
RUNNER_CIDR = "127.0.0.1/32"


def all_check_ids() -> list[str]:
    return STATIC.ids() + TERRAFORM.ids() + [i for c in RUNTIME for i in c.ids()]


def grade(options: Options, console: Console) -> Report:
    run_id = new_run_id()
    report = Report(project=NAME, path=str(options.project_dir), run_id=run_id)
    stages = Stages(report, console)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=f"kata-{run_id}-"))
    try:
        console.banner(TITLE, {"project": str(options.project_dir), "run": run_id}, [])
        console.stage("static checks")
        stages.run("static", STATIC, TfStaticContext(options.project_dir))
        with sigterm_as_interrupt():
            console.stage("terraform (validate, checkov, plan)")
            _terraform_tier(options, stages, report, workdir)
            if options.static_only:
                for checks in RUNTIME:
                    stages.skip(checks, "static tier only (--static-only)")
            else:
                _run_pipeline(options, console, stages, report, workdir)
    finally:
        if not options.keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        report.duration_s = time.monotonic() - started
    return report


def _keypair(workdir: Path) -> str:
    key = workdir / "plan_key"
    subprocess.run(
        ["ssh-keygen", "-t", "ed25519", "-N", "", "-q", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return (key.with_suffix(".pub")).read_text().strip()


def _terraform_tier(options: Options, stages: Stages, report: Report, workdir: Path) -> None:
    source = options.project_dir / "terraform"
    scratch = workdir / "tf-check"
    problem = ""
    try:
        tf.find_terraform()
    except tf.TerraformError as exc:
        problem = str(exc)
    if not problem and not source.is_dir():
        problem = "no terraform/ folder"
    with ExitStack() as stack:
        env: dict[str, str] = {}
        public_key = ""
        if not problem:
            shutil.copytree(
                source, scratch, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*")
            )
            with stages.timed("terraform setup"):
                try:
                    emulator = MotoProcessEmulator()
                    emulator.start()
                    stack.callback(emulator.stop)
                except EmulatorUnavailable as exc:
                    problem = f"the AWS emulator did not start: {exc}"
                else:
                    tfenv = TerraformEnv.prepare(
                        workdir / "tf-static", emulator.endpoint, offline=not options.real_providers
                    )
                    env = tfenv.full_env()
                    public_key = _keypair(workdir)
                    report.stack["terraform"] = tfenv.describe()
                    if tfenv.offline:
                        report.stand_ins.append(
                            "hashicorp/aws: offline stand-in provider "
                            "(world/terraform/aws_provider)"
                        )
        ctx = TfContext(scratch, env, public_key, problem=problem)
        stages.run("terraform", TERRAFORM, ctx)


def _skip_runtime(stages: Stages, reason: str) -> None:
    for checks in RUNTIME:
        stages.skip(checks, reason)


def _run_pipeline(
    options: Options, console: Console, stages: Stages, report: Report, workdir: Path
) -> None:
    status = engine.engine_status()
    if not status.available:
        _skip_runtime(stages, f"needs a Docker engine: {status.reason}; fix: {status.fix}")
        return
    if not LocalRegistry.available():
        _skip_runtime(stages, f"needs the local registry binary; fix: {REGISTRY_FIX}")
        return
    try:
        tf.find_terraform()
    except tf.TerraformError as exc:
        _skip_runtime(stages, str(exc))
        return
    client = engine.client()
    registry: LocalRegistry | None = None
    vms: VmManager | None = None
    emulator = MotoProcessEmulator()
    try:
        with ExitStack() as stack:
            with stages.timed("setup"):
                base = base_image.ensure_base_image(client)
                registry = stack.enter_context(LocalRegistry(workdir / "registry"))
                emulator.start()
                stack.callback(emulator.stop)
                emulator.ensure_bucket(STATE_BUCKET)
                emulator.ensure_lock_table(LOCK_TABLE)
                vm_image = ensure_vm_image(client, base=base.name, report=console.progress)
                sandbox = make_sandbox(
                    options.project_dir,
                    workdir,
                    report.run_id,
                    branch=options.branch or "main",
                    level=NAME,
                )
                init_args = backend_config_args(
                    STATE_BUCKET, STATE_KEY, emulator.region, emulator.endpoint, LOCK_TABLE
                )
                tfenv = TerraformEnv.prepare(workdir / "tf-run", emulator.endpoint, offline=True)
                tfenv.init_args = tuple(init_args)
            report.stack.update(
                {
                    "engine": f"Docker {status.version}",
                    "registry": f"{registry.address} (CNCF distribution, basic auth)",
                    "base image": base.name,
                    "cloud": f"AWS emulator: moto at {emulator.endpoint} (own process)",
                    "terraform": tfenv.describe(),
                    "VMs": f"{vm_image} containers with sshd at each instance's public_ip",
                    "runner": "act, host mode",
                }
            )
            report.stand_ins += [
                f"local registry {registry.address} stands in for Docker Hub",
                "moto stands in for AWS (EC2, S3 state backend, DynamoDB locks)",
                "each EC2 instance is a local container with sshd at its loopback public_ip",
                "offline stand-ins for remote actions (world/actions/stand_ins)",
            ]
            if base.stand_in:
                report.stand_ins.append(base.note)
            for part in ("cloud", "terraform", "VMs"):
                console.line(f"   {part:<10} {report.stack[part]}")
            for note in report.stand_ins:
                console.line(f"   stand-in: {note}")
            ctx = DeployContext(sandbox=sandbox, workdir=workdir)
            creds = emulator.credentials()
            vms = VmManager(
                client,
                report.run_id,
                endpoint_url=emulator.endpoint,
                region=emulator.region,
                aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                image=vm_image,
            )
            stack.enter_context(vms)
            redact = Redactor([registry.credentials.password])
            _pipeline_stage(
                options, console, stages, ctx, registry, base.name, tfenv, vms, emulator, redact
            )
    finally:
        with stages.timed("teardown"):
            problems = vms.stop() if vms is not None else []
            emulator.stop()
            address = registry.address if registry else ""
            pids = [p for p in (registry.pid if registry else None, emulator.pid) if p]
            report.teardown = tear_down_run(
                client, report.run_id, address, pids, cache_as=NAME, problems=problems
            )
            client.close()


def _pipeline_stage(
    options: Options,
    console: Console,
    stages: Stages,
    ctx: DeployContext,
    registry: LocalRegistry,
    base: str,
    tfenv: TerraformEnv,
    vms: VmManager,
    emulator: MotoProcessEmulator,
    redact: Redactor,
) -> None:
    console.stage("pipeline (act)")
    firing = act_runner.firing_workflows(ctx.sandbox)
    if not firing:
        ctx.not_run_reason = f"no workflow runs on a push to {ctx.sandbox.branch}"
        for name, checks in (("pipeline", PIPELINE), ("deploy", DEPLOY), ("teardown", TEARDOWN)):
            stages.run(name, checks, ctx)
        return
    inputs, unsupported = act_runner.registry_run(
        ctx.sandbox,
        firing,
        registry,
        workdir=ctx.workdir,
        variables={"IMAGE_NAME": "kata/iris-api", "BASE_IMAGE": base, "RUNNER_CIDR": RUNNER_CIDR},
        env=tfenv.env(),
        timeout_s=options.act_timeout_s,
    )
    if unsupported:
        console.line("   no offline stand-in for: " + ", ".join(unsupported))
    console.line(
        f"   running {', '.join(str(w.path) for w in firing)} for a push to {ctx.sandbox.branch}"
    )
    with stages.timed("act run"), Watcher(ctx, vms, emulator.client("s3"), STATE_BUCKET):
        ctx.act = act_runner.run_act(ctx.sandbox, inputs, redact, progress=console.progress)
    ctx.artifacts_dir = act_runner.artifact_dir(ctx.workdir)
    if unsupported:
        ctx.act.errors.insert(0, "unsupported actions: " + ", ".join(unsupported))
    _record_leftovers(ctx, vms, emulator)
    stages.run("pipeline", PIPELINE, ctx)
    console.stage("deploy")
    stages.run("deploy", DEPLOY, ctx)
    console.stage("teardown by the pipeline")
    stages.run("teardown", TEARDOWN, ctx)


def _record_leftovers(ctx: DeployContext, vms: VmManager, emulator: MotoProcessEmulator) -> None:
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
