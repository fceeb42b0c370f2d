"""Beginner project: "Basic ML model training and dockerization pipeline".

The learner's workflow trains a scikit-learn model on push to main, keeps it as an artifact,
and a second job logs in to a registry with secrets and pushes an image holding the model and
a FastAPI prediction API. This module runs that pipeline for real and grades what it made.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from docker.errors import APIError, DockerException, ImageNotFound

from harness import act_runner, engine
from harness.errors import KataError
from harness.redact import Redactor
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options, Stages, sigterm_as_interrupt
from harness.sandbox import make_sandbox, new_run_id
from harness.static.context import StaticContext
from harness.teardown import RUN_LABEL, tear_down_run
from world import base_image
from world.registry import LocalRegistry, free_port

from .runtime_checks import CONTAINER, IMAGE, MODEL, PIPELINE, RunContext, list_image_files
from .static_checks import STATIC

NAME = "beginner"
TITLE = "Beginner: ML model training and dockerization pipeline"
RUNTIME = [PIPELINE, MODEL, IMAGE, CONTAINER]
API_PORT = 8000


def all_check_ids() -> list[str]:
    return STATIC.ids() + [i for checks in RUNTIME for i in checks.ids()]


def grade(options: Options, console: Console) -> Report:
    run_id = new_run_id()
    report = Report(project=NAME, path=str(options.project_dir), run_id=run_id)
    stages = Stages(report, console)
    started = time.monotonic()
    try:
        console.banner(TITLE, {"project": str(options.project_dir), "run": run_id}, [])
        console.stage("static checks")
        stages.run("static", STATIC, StaticContext(options.project_dir))
        if options.static_only:
            for checks in RUNTIME:
                stages.skip(checks, "static tier only (--static-only)")
        else:
            with sigterm_as_interrupt():
                _run_pipeline(options, console, stages, report)
    finally:
        report.duration_s = time.monotonic() - started
    return report


def _skip_runtime(stages: Stages, reason: str) -> None:
    for checks in RUNTIME:
        stages.skip(checks, reason)


def _run_pipeline(options: Options, console: Console, stages: Stages, report: Report) -> None:
    status = engine.engine_status()
    if not status.available:
        report.stack["engine"] = f"none ({status.reason})"
        console.line(f"   no Docker engine: {status.reason}; fix: {status.fix}")
        _skip_runtime(stages, f"needs a Docker engine: {status.reason}; fix: {status.fix}")
        return
    if not LocalRegistry.available():
        from world.registry import REGISTRY_FIX

        _skip_runtime(stages, f"needs the local registry binary; fix: {REGISTRY_FIX}")
        return
    client = engine.client()
    workdir = Path(tempfile.mkdtemp(prefix=f"kata-{report.run_id}-"))
    registry: LocalRegistry | None = None
    try:
        with ExitStack() as stack:
            with stages.timed("setup"):
                base = base_image.ensure_base_image(client)
                registry = stack.enter_context(LocalRegistry(workdir / "registry"))
                sandbox = make_sandbox(
                    options.project_dir,
                    workdir,
                    report.run_id,
                    branch=options.branch or "main",
                    level=NAME,
                )
            report.stack.update(
                {
                    "engine": f"Docker {status.version}",
                    "registry": f"{registry.address} (CNCF distribution, basic auth)",
                    "base image": base.name,
                    "runner": "act, host mode",
                }
            )
            report.stand_ins += [
                f"local registry {registry.address} stands in for Docker Hub",
                "offline stand-ins for remote actions (world/actions/stand_ins)",
            ]
            if base.stand_in:
                report.stand_ins.append(base.note)
            for part, what in report.stack.items():
                console.line(f"   {part:<10} {what}")
            for note in report.stand_ins:
                console.line(f"   stand-in: {note}")
            ctx = RunContext(sandbox=sandbox, workdir=workdir, registry=registry)
            redact = Redactor([registry.credentials.password])
            _pipeline_stage(options, console, stages, ctx, base.name, redact)
            _image_stage(console, stages, ctx, client)
            _container_stage(console, stages, ctx, client, stack)
    finally:
        with stages.timed("teardown"):
            address = registry.address if registry else ""
            pids = [registry.pid] if registry and registry.pid else []
            report.teardown = tear_down_run(client, report.run_id, address, pids, cache_as=NAME)
            if not options.keep_workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                report.teardown["workdir"] = str(workdir)
            client.close()


def _pipeline_stage(
    options: Options, console: Console, stages: Stages, ctx: RunContext, base: str, redact: Redactor
) -> None:
    console.stage("pipeline (act)")
    assert ctx.registry is not None
    firing = act_runner.firing_workflows(ctx.sandbox)
    if not firing:
        reason = f"no workflow runs on a push to {ctx.sandbox.branch}"
        ctx.not_run_reason = reason + " (act ignores branch filters; the harness applies them)"
        console.line(f"   {reason}: nothing to run")
        stages.run("pipeline", PIPELINE, ctx)
        for checks in (MODEL, IMAGE, CONTAINER):
            stages.skip(checks, reason)
        return
    inputs, unsupported = act_runner.registry_run(
        ctx.sandbox,
        firing,
        ctx.registry,
        workdir=ctx.workdir,
        variables={"IMAGE_NAME": ctx.image_repository, "BASE_IMAGE": base},
        env={},
        timeout_s=options.act_timeout_s,
    )
    if unsupported:
        console.line(
            "   these actions have no offline stand-in and cannot run here: "
            + ", ".join(unsupported)
        )
    console.line(
        f"   running {', '.join(str(w.path) for w in firing)} for a push to {ctx.sandbox.branch}"
    )
    with stages.timed("act run"):
        ctx.act = act_runner.run_act(ctx.sandbox, inputs, redact, progress=console.progress)
    ctx.artifacts_dir = act_runner.artifact_dir(ctx.workdir)
    if unsupported:
        ctx.act.errors.insert(0, "unsupported actions: " + ", ".join(unsupported))
    stages.run("pipeline", PIPELINE, ctx)
    console.stage("model artifact")
    stages.run("model", MODEL, ctx)


def _image_stage(console: Console, stages: Stages, ctx: RunContext, client: Any) -> None:
    console.stage("image")
    assert ctx.registry is not None
    with stages.timed("image inspection"):
        try:
            for tag in ctx.registry.tags(ctx.image_repository):
                record = ctx.registry.image(ctx.image_repository, tag)
                if record is not None:
                    ctx.records[tag] = record
        except (httpx.HTTPError, KataError) as exc:
            ctx.container_problem = f"the registry could not be read: {exc}"
        if ctx.records:
            tag = "latest" if "latest" in ctx.records else next(iter(ctx.records))
            ref = f"{ctx.registry.address}/{ctx.image_repository}:{tag}"
            creds = ctx.registry.credentials
            try:
                client.images.pull(
                    ref, auth_config={"username": creds.username, "password": creds.password}
                )
                ctx.local_image = ref
                ctx.image_attrs = client.images.get(ref).attrs
                ctx.image_files = list_image_files(client, ref)
            except (DockerException, ImageNotFound) as exc:
                ctx.container_problem = f"pulling {ref} failed: {exc}"
    stages.run("image", IMAGE, ctx)


def _container_stage(
    console: Console, stages: Stages, ctx: RunContext, client: Any, stack: ExitStack
) -> None:
    console.stage("container")
    if ctx.local_image is None:
        stages.skip(CONTAINER, ctx.container_problem or "no image of this run to start")
        return
    with stages.timed("container start"):
        port = free_port()
        try:
            container = client.containers.run(
                ctx.local_image,
                detach=True,
                name=f"kata-{ctx.sandbox.run_id}-api",
                labels={RUN_LABEL: ctx.sandbox.run_id},
                ports={f"{API_PORT}/tcp": ("127.0.0.1", port)},
                mem_limit="1g",
            )
        except DockerException as exc:
            ctx.container_problem = f"the container could not start: {exc}"
            stages.run("container", CONTAINER, ctx)
            return
        stack.callback(_remove, container)
        base_url = f"http://127.0.0.1:{port}"
        if _wait_healthy(container, base_url, timeout_s=60):
            ctx.base_url = base_url
        else:
            container.reload()
            state = container.attrs.get("State", {})
            ctx.container_problem = (
                f"GET /health did not answer 200 within 60 s (container {state.get('Status')}, "
                f"exit code {state.get('ExitCode')})"
            )
            ctx.container_logs = container.logs(tail=15).decode(errors="replace").rstrip()
    stages.run("container", CONTAINER, ctx)


def _wait_healthy(container: Any, base_url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        container.reload()
        if container.status in ("exited", "dead"):
            return False
        time.sleep(0.3)
    return False


def _remove(container: Any) -> None:
    try:
        container.remove(force=True)
    except (APIError, DockerException):
        pass
