"""Advanced, static tier: gates, environments, GPU fallback and rollback in the workflow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.projects import common
from harness.static.context import StaticContext, step_runs, transitive_needs, unknown_need
from harness.workflows import PushEvent, Workflow, fires_on_push

MANIFEST = load_manifest("advanced")
STATIC = CheckList[StaticContext](MANIFEST)
PROTECTED = {"staging": ("staging",), "production": ("production", "prod")}
TRAIN_RUN = re.compile(r"\bpython3?\s+[\w./-]*train[\w.]*")
VALIDATE_RUN = re.compile(r"\bpython3?\s+[\w./-]*validate[\w.]*")
FORCED_CUDA = re.compile(r"--device[ =]cuda\b")


common.register(STATIC, "workflow.valid", "secrets.none-hardcoded")


def environment_of(job: dict[str, Any]) -> str:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return str(env or "")


def _deploy_workflows(ctx: StaticContext) -> list[Workflow]:
    return [w for w in ctx.workflows.workflows if "terraform" in w.text]


@STATIC.check("workflow.trigger-dev")
def trigger_dev(ctx: StaticContext) -> Outcome:
    workflows = _deploy_workflows(ctx)
    if not workflows:
        return skipped("no workflow that runs terraform")
    dev = [w for w in workflows if fires_on_push(w, PushEvent("refs/heads/dev"))]
    stray = [w for w in workflows if fires_on_push(w, PushEvent("refs/heads/feature/kata-check"))]
    if not dev:
        return failed("no deploying workflow runs on a push to dev")
    if stray:
        return failed(f"{', '.join(str(w.path) for w in stray)} also run(s) on a feature branch")
    return passed(f"{', '.join(str(w.path) for w in dev)} run(s) on push to dev")


@STATIC.check("workflow.environments")
def environments(ctx: StaticContext) -> Outcome:
    jobs = {(str(wf.path), j): job for wf in _deploy_workflows(ctx) for j, job in wf.jobs.items()}
    if not jobs:
        return skipped("no workflow that runs terraform")
    found: dict[str, str] = {}
    for (_path, job_id), job in jobs.items():
        env = environment_of(job)
        for name, aliases in PROTECTED.items():
            if env in aliases:
                found[name] = job_id
    missing = [name for name in PROTECTED if name not in found]
    if missing:
        return failed(f"no job bound to the {' or '.join(missing)} environment: nothing gates it")
    return passed(", ".join(f"job `{j}` → environment {n}" for n, j in found.items()))


@STATIC.check("workflow.gpu-fallback")
def gpu_fallback(ctx: StaticContext) -> Outcome:
    for wf in ctx.workflows.workflows:
        for job_id, job in wf.jobs.items():
            runs = step_runs(job)
            if not TRAIN_RUN.search(runs):
                continue
            labels = job.get("runs-on")
            labels = labels if isinstance(labels, list) else [labels]
            if "gpu" not in [str(label) for label in labels]:
                return failed(f"job `{job_id}` trains, but not on a `gpu`-labelled runner")
            if FORCED_CUDA.search(runs):
                return failed(f"job `{job_id}` forces `--device cuda`: no CPU fallback")
            return passed(f"job `{job_id}` runs on {labels} and picks its device itself")
    return failed("no job runs a training script")


@STATIC.check("workflow.metric-gate")
def metric_gate(ctx: StaticContext) -> Outcome:
    for wf in ctx.workflows.workflows:
        jobs = wf.jobs
        gates = [j for j, job in jobs.items() if VALIDATE_RUN.search(step_runs(job))]
        builders = [
            j
            for j, job in jobs.items()
            if any(
                str(s.get("uses", "")).startswith("docker/build-push-action")
                for s in job.get("steps") or []
                if isinstance(s, dict)
            )
        ]
        if not builders:
            continue
        if (unknown := unknown_need(jobs)) is not None:
            return failed(f"{wf.path}: {unknown}")
        if not gates:
            return failed("no job runs a validation script before the build")
        for builder in builders:
            if not set(gates) & transitive_needs(jobs, builder):
                return failed(f"job `{builder}` does not need the validation job `{gates[0]}`")
        return passed(f"{', '.join(builders)} need(s) {', '.join(gates)}")
    return failed("no job builds an image")


@STATIC.check("workflow.rollback")
def rollback(ctx: StaticContext) -> Outcome:
    for wf in ctx.workflows.workflows:
        for job_id, job in wf.jobs.items():
            if environment_of(job) not in PROTECTED["staging"] and "staging" not in job_id:
                continue
            for step in job.get("steps") or []:
                if not isinstance(step, dict):
                    continue
                condition = str(step.get("if", ""))
                if "failure()" in condition and re.search(r"terraform", str(step.get("run", ""))):
                    name = step.get("name") or "rollback"
                    return passed(f"job `{job_id}`: step `{name}` runs `if: {condition}`")
    return failed("no step in the staging job runs terraform `if: failure()` to roll back")


@STATIC.check("terraform.fmt")
def tf_fmt(ctx: StaticContext) -> Outcome:
    from harness.terraform import runner

    folders = [ctx.root / d for d in ("env", "modules") if (ctx.root / d).is_dir()]
    if not folders:
        return failed("no env/ or modules/ folder with Terraform code")
    unformatted: list[str] = []
    try:
        for folder in folders:
            unformatted += [str(Path(folder.name) / f) for f in runner.fmt_check(folder)]
    except runner.TerraformError as exc:
        return skipped(str(exc))
    if unformatted:
        return failed("needs `terraform fmt`: " + ", ".join(unformatted[:6]))
    return passed("all .tf files formatted")
