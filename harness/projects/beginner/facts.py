"""Beginner, runtime facts: what the pipeline pushed (read from the registry's API, then
pulled) and the API container started from it, for the image and container checks."""

from __future__ import annotations

import time
from typing import Any

import httpx
from docker.errors import APIError, DockerException, ImageNotFound

from harness import engine, waits
from harness.errors import KataError
from harness.pipeline import Run, run_workflows
from harness.services import QuietService
from harness.teardown import RUN_LABEL
from world.registry import free_port

from . import health as docker_health
from .runtime_checks import RunContext

API_PORT = 8000


def run_pipeline(run: Run) -> None:
    ctx: RunContext = run.ctx
    run_workflows(run, ctx, variables={"IMAGE_NAME": ctx.image_repository})


def inspect_image(run: Run) -> None:
    """The pushed tags and their config from the registry's HTTP API, then the image itself,
    pulled back with the learner's credentials and listed (never started)."""
    ctx: RunContext = run.ctx
    assert ctx.registry is not None
    docker = engine.current()
    try:
        for tag in ctx.registry.tags(ctx.image_repository):
            record = ctx.registry.image(ctx.image_repository, tag)
            if record is not None:
                ctx.records[tag] = record
    except (httpx.HTTPError, KataError) as exc:
        ctx.container_problem = f"the registry could not be read: {exc}"
    if not ctx.records:
        return
    tag = "latest" if "latest" in ctx.records else next(iter(ctx.records))
    ref = f"{ctx.registry.address}/{ctx.image_repository}:{tag}"
    creds = ctx.registry.credentials
    try:
        docker.pull(ref, auth_config={"username": creds.username, "password": creds.password})
        ctx.local_image = ref
        ctx.image_attrs = docker.image_attrs(ref)
        ctx.image_files = docker.image_files(ref)
    except (DockerException, ImageNotFound) as exc:
        ctx.container_problem = f"pulling {ref} failed: {exc}"


def no_image(run: Run) -> str | None:
    ctx: RunContext = run.ctx
    if ctx.local_image is None:
        return ctx.container_problem or "no image of this run to start"
    return None


class ApiContainer(QuietService):
    """The learner's image, started as the prediction API on a loopback port: a service of
    the run (labelled, removed at teardown like every other)."""

    name = "API container"

    def __init__(self, run: Run, image: str) -> None:
        self.run_id = run.report.run_id
        self.image = image
        self.port = 0
        self.container: Any = None
        self.started = 0.0  # time.monotonic() at start: the HEALTHCHECK budget counts from it

    def start(self) -> None:
        self.port = free_port()
        self.started = time.monotonic()
        self.container = engine.current().run(
            self.image,
            name=f"kata-{self.run_id}-api",
            labels={RUN_LABEL: self.run_id},
            ports={f"{API_PORT}/tcp": ("127.0.0.1", self.port)},
            mem_limit="1g",
        )

    def stop(self) -> list[str]:
        if self.container is not None:
            try:
                self.container.remove(force=True)
            except (APIError, DockerException):
                pass
        return []


def start_container(run: Run) -> None:
    ctx: RunContext = run.ctx
    assert ctx.local_image is not None
    api = ApiContainer(run, ctx.local_image)
    try:
        run.services.start(api)
    except DockerException as exc:
        ctx.container_problem = f"the container could not start: {exc}"
        return
    base_url = f"http://127.0.0.1:{api.port}"
    health = waits.http_ok(f"{base_url}/health", request_timeout_s=2)
    exited = waits.container_exited(api.container)
    if waits.succeeds_within(health, timeout_s=60, interval_s=0.3, abort=exited):
        ctx.base_url = base_url
        _wait_docker_health(ctx, api)
        return
    api.container.reload()
    state = api.container.attrs.get("State", {})
    ctx.container_problem = (
        f"GET /health did not answer 200 within 60 s (container {state.get('Status')}, "
        f"exit code {state.get('ExitCode')})"
    )
    ctx.container_logs = api.container.logs(tail=15).decode(errors="replace").rstrip()


def _wait_docker_health(ctx: RunContext, api: ApiContainer) -> None:
    """The image's own HEALTHCHECK, as Docker runs it: `container.health` needs `healthy`."""
    check = docker_health.declared(ctx.image_attrs)
    if check is None:
        return
    try:
        ctx.health = docker_health.wait_healthy(api.container, check, started=api.started)
    except (DockerException, KataError) as exc:
        ctx.container_problem = f"Docker's health status could not be read: {exc}"
