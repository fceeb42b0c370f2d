"""Beginner, static tier: what can be judged from the files alone, in milliseconds."""

from __future__ import annotations

import re

from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.projects import common
from harness.projects.common import PROVIDED_SECRETS, secret_references
from harness.static.context import (
    StaticContext,
    step_runs,
    step_uses,
    transitive_needs,
    unknown_need,
)
from harness.static.dockerfile import hadolint
from harness.static.requirements import parse_requirements

MANIFEST = load_manifest("beginner")
STATIC = CheckList[StaticContext](MANIFEST)
TRAIN_RUN = re.compile(r"\bpython3?\s+(-m\s+)?[\w./-]*train")
IMAGE_RUN = re.compile(r"\bdocker\s+(push|buildx\s+build|build)\b")
ROOT_USERS = {"", "root", "0", "0:0", "root:root"}
__all__ = ["PROVIDED_SECRETS", "STATIC", "secret_references"]

common.register(STATIC, *common.WORKFLOW_BASICS)


@STATIC.check("workflow.job-needs")
def job_needs(ctx: StaticContext) -> Outcome:
    if (problem := common.workflow_problem(ctx)) is not None:
        return problem
    for wf in ctx.workflows.workflows:
        jobs = wf.jobs
        if (unknown := unknown_need(jobs)) is not None:
            return failed(f"{wf.path}: {unknown}")
        trainers = [j for j, job in jobs.items() if TRAIN_RUN.search(step_runs(job))]
        builders = [
            j
            for j, job in jobs.items()
            if any(u.startswith("docker/build-push-action") for u in step_uses(job))
            or IMAGE_RUN.search(step_runs(job))
        ]
        if not trainers or not builders:
            continue
        for builder in builders:
            if builder in trainers:
                return failed(f"job `{builder}` both trains and builds the image: split it in two")
            if not set(trainers) & transitive_needs(jobs, builder):
                return failed(
                    f"job `{builder}` builds the image but does not need the training job "
                    f"`{trainers[0]}`: both start at once and the model may not exist yet"
                )
        return passed(f"{', '.join(builders)} need(s) {', '.join(trainers)}")
    return failed("found no pair of jobs where one runs a training script and one builds an image")


@STATIC.check("workflow.registry-login")
def registry_login(ctx: StaticContext) -> Outcome:
    if (problem := common.workflow_problem(ctx)) is not None:
        return problem
    for wf in ctx.workflows.workflows:
        for _job, step in wf.steps():
            uses = str(step.get("uses", ""))
            if uses.startswith("docker/login-action"):
                password = str((step.get("with") or {}).get("password", ""))
                if "secrets." in password:
                    return passed(f"{wf.path}: docker/login-action with a password from secrets")
                return failed(
                    f"{wf.path}: docker/login-action's password does not come from secrets"
                )
            run = str(step.get("run", ""))
            if re.search(r"docker\s+login", run):
                env = " ".join(str(v) for v in (step.get("env") or {}).values())
                if "--password-stdin" in run and "secrets." in (env + run):
                    return passed(f"{wf.path}: `docker login --password-stdin` fed from secrets")
                return failed(f"{wf.path}: `docker login` without --password-stdin from a secret")
    return failed("no step logs in to the registry, so the push will be refused")


@STATIC.check("deps.pinned")
def deps_pinned(ctx: StaticContext) -> Outcome:
    path = ctx.root / "requirements.txt"
    if not path.is_file():
        return failed("requirements.txt is missing")
    reqs = parse_requirements(path)
    if not reqs:
        return failed("requirements.txt lists no requirement")
    loose = [r for r in reqs if not r.pinned]
    if loose:
        shown = ", ".join(f"`{r.text}` (line {r.line})" for r in loose[:6])
        return failed(f"{len(loose)} of {len(reqs)} not pinned: {shown}")
    return passed(f"all {len(reqs)} requirements pinned with ==")


def _dockerfile_missing(ctx: StaticContext) -> Outcome | None:
    if ctx.dockerfile is None:
        return failed("no Dockerfile at the project root")
    if not ctx.dockerfile.stages:
        return failed("the Dockerfile has no FROM instruction")
    return None


@STATIC.check("dockerfile.lint")
def dockerfile_lint(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    try:
        findings = hadolint(ctx.root / "Dockerfile")
    except FileNotFoundError as exc:
        return skipped(f"hadolint is not installed: {exc}")
    serious = [f for f in findings if f.level in ("error", "warning")]
    if serious:
        return failed(f"{len(serious)} finding(s): " + "; ".join(str(f) for f in serious[:5]))
    info = f" ({len(findings)} info/style note(s))" if findings else ""
    return passed("hadolint found no warning or error" + info)


@STATIC.check("dockerfile.base-arg")
def base_arg(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    assert ctx.dockerfile is not None
    first = ctx.dockerfile.stages[0].base
    declared = {a.args.split("=", 1)[0].strip() for a in ctx.dockerfile.pre_from_args}
    used = re.fullmatch(r"\$\{?(\w+)\}?", first)
    if used and used.group(1) in declared:
        return passed(f"FROM ${{{used.group(1)}}}, declared with ARG")
    return failed(f"the first stage is FROM {first!r}, not FROM a declared build argument")


@STATIC.check("dockerfile.non-root")
def dockerfile_non_root(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    assert ctx.dockerfile is not None and ctx.dockerfile.final is not None
    user = ctx.dockerfile.final.last("USER")
    if user is None:
        return failed("the final stage has no USER instruction, so it runs as root")
    if user.args.strip() in ROOT_USERS:
        return failed(f"line {user.line}: USER {user.args} is root")
    return passed(f"line {user.line}: USER {user.args}")


@STATIC.check("dockerfile.healthcheck")
def dockerfile_healthcheck(ctx: StaticContext) -> Outcome:
    if (problem := _dockerfile_missing(ctx)) is not None:
        return problem
    assert ctx.dockerfile is not None and ctx.dockerfile.final is not None
    health = ctx.dockerfile.final.last("HEALTHCHECK")
    if health is None:
        return failed("the final stage has no HEALTHCHECK")
    if health.args.strip().upper() == "NONE":
        return failed(f"line {health.line}: HEALTHCHECK NONE switches health checking off")
    return passed(f"line {health.line}: HEALTHCHECK {health.args[:60]}")
