"""Service containers for jobs that run on the host.

GitHub starts a job's `services:` (a database, a cache, an MLflow server) before its steps
and removes them after. act does so only for jobs with a `container:`; in host mode, the
way the harness runs jobs, it ignores them (nektos/act issue 2711). So the harness does it:
for each firing host-mode job with services, it starts each service from an image already in
the engine, with its `env`, `ports` (published on 127.0.0.1, as a hosted runner reaches them
at localhost), `--health-*` options (and waits for healthy, as GitHub does), on a network
where the job's services reach each other by their ids, labelled with the run so teardown
finds them. `${{ job.services.ID.ports[N] }}`, `.id` and `.network` have no value in host
mode either, so the run's copy of the workflow gets the real ones written in.

Differences from GitHub, said where a user sees them: a job's services live for the whole
act run, not just the job (matrix legs share them); images are never pulled (offline).
"""

from __future__ import annotations

import re
import shlex
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from docker.errors import APIError, DockerException

from world.actions.catalog import Verdict

from . import engine as docker_engine
from .act_results import BlockedUse
from .teardown import RUN_LABEL
from .waits import WaitAborted, WaitTimeout, container_exited, health_status, wait_until
from .workflows import Workflow

SERVICE_LABEL = "kata.job-service"
CANNOT = "cannot start"
HEALTH_OPTIONS = {
    "--health-cmd": "test",
    "--health-interval": "interval",
    "--health-timeout": "timeout",
    "--health-retries": "retries",
    "--health-start-period": "start_period",
}
SIMPLE_OPTIONS = {"-e", "--env", "--entrypoint", "--user", "-u", "--shm-size", "--tmpfs"}
REFUSED_OPTIONS = {
    "--privileged": "a privileged container can take over the machine that grades you",
    "--network": "GitHub itself refuses --network in service options",
    "--net": "GitHub itself refuses --network in service options",
    "-v": "a bind mount would expose this machine's files (use the service's own storage)",
    "--volume": "a bind mount would expose this machine's files (use the service's own storage)",
    "--mount": "a bind mount would expose this machine's files (use the service's own storage)",
    "--cap-add": "extra kernel capabilities are refused for graded code",
    "--device": "host devices are refused for graded code",
    "--pid": "sharing the host's processes is refused for graded code",
    "--ipc": "sharing the host's IPC namespace is refused for graded code",
}
CONTEXT = re.compile(
    r"\$\{\{\s*job\.services\.([A-Za-z_][\w-]*)\."
    r"(?:ports\[\s*['\"]?(\d+)['\"]?\s*\]|(id|network))\s*\}\}"
)
DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)")
UNITS_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}


@dataclass(frozen=True)
class Port:
    container: int
    host: int | None  # None: any free port, as `- 5432` asks
    protocol: str = "tcp"


@dataclass(frozen=True)
class ServiceSpec:
    """One `jobs.<job>.services.<name>` of a host-mode job."""

    workflow: str
    job: str
    name: str
    image: str
    env: dict[str, str] = field(default_factory=dict)
    ports: tuple[Port, ...] = ()
    health: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"services.{self.name}"


@dataclass
class Started:
    spec: ServiceSpec
    container: Any
    ports: dict[int, int]  # container port -> host port


def _problem(workflow: str, job: str, name: str, what: str, reason: str, fix: str) -> BlockedUse:
    return BlockedUse(Verdict(what, reason, fix), workflow, job, f"services.{name}", CANNOT)


def _duration_ns(text: str) -> int | None:
    parts = DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    return int(sum(float(n) * UNITS_NS[u] for n, u in parts))


def _ports(raw: Any) -> list[Port] | str:
    ports = []
    for item in raw if isinstance(raw, list) else [raw]:
        text, _, protocol = str(item).partition("/")
        host, _, container = text.rpartition(":")
        host = host.rpartition(":")[2]  # "127.0.0.1:5432:5432" keeps the host port
        if not container.isdigit() or (host and not host.isdigit()):
            return f"port `{item}` is not `CONTAINER` or `HOST:CONTAINER`"
        ports.append(Port(int(container), int(host) if host else None, protocol or "tcp"))
    return ports


def _options(text: str) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """(health settings, other container options, refusal) from a service's `options:`."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        return {}, {}, f"`options` cannot be read as command-line flags ({exc})"
    health: dict[str, Any] = {}
    other: dict[str, Any] = {"environment": {}}
    i = 0
    while i < len(words):
        word = words[i]
        flag, eq, inline = word.partition("=")
        if flag in REFUSED_OPTIONS:
            return {}, {}, f"option `{flag}` is refused: {REFUSED_OPTIONS[flag]}"
        if flag not in HEALTH_OPTIONS and flag not in SIMPLE_OPTIONS:
            return {}, {}, f"option `{flag}` is not supported for service containers here"
        if eq:
            value = inline
        elif i + 1 < len(words):
            i += 1
            value = words[i]
        else:
            return {}, {}, f"option `{flag}` has no value"
        i += 1
        if flag in HEALTH_OPTIONS:
            key = HEALTH_OPTIONS[flag]
            if key == "test":
                health[key] = ["CMD-SHELL", value]
            elif key == "retries":
                if not value.isdigit():
                    return {}, {}, f"`{flag} {value}` is not a whole number"
                health[key] = int(value)
            else:
                ns = _duration_ns(value)
                if ns is None:
                    return {}, {}, f"`{flag} {value}` is not a duration like 10s or 1m30s"
                health[key] = ns
        elif flag in ("-e", "--env"):
            name, _, val = value.partition("=")
            other["environment"][name] = val
        elif flag == "--entrypoint":
            other["entrypoint"] = value
        elif flag in ("--user", "-u"):
            other["user"] = value
        elif flag == "--shm-size":
            other["shm_size"] = value
        elif flag == "--tmpfs":
            path, _, opts = value.partition(":")
            other.setdefault("tmpfs", {})[path] = opts
    return health, other, None


EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars|env)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class Contexts:
    """What a service's `image`, `env` and `options` may read before the job starts:
    `${{ secrets.X }}`, `${{ vars.X }}` and the workflow's and job's `${{ env.X }}`."""

    secrets: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)

    def resolve(self, text: str, env: dict[str, str]) -> str | None:
        """`text` with those expressions filled in; None when another expression is left."""

        def value(match: re.Match[str]) -> str:
            kind, name = match.group(1), match.group(2)
            source = {"secrets": self.secrets, "vars": self.variables, "env": env}[kind]
            return source.get(name, "")

        filled = EXPRESSION.sub(value, text)
        return None if "${{" in filled else filled


def declared(
    workflows: list[Workflow], contexts: Contexts | None = None
) -> tuple[list[ServiceSpec], list[BlockedUse]]:
    """The services the harness must start (host-mode jobs only: act starts a `container:`
    job's own), and what in any `services:` cannot run, with where and why."""
    contexts = contexts or Contexts()
    specs: list[ServiceSpec] = []
    problems: list[BlockedUse] = []
    for wf in workflows:
        for job_id, job in wf.jobs.items():
            services = job.get("services") or {}
            if not isinstance(services, dict):
                problems.append(
                    _problem(
                        str(wf.path),
                        job_id,
                        "?",
                        "services",
                        "`services:` is not a mapping",
                        "write `services:` as NAME: {image: ..., ports: [...]}",
                    )
                )
                continue
            for name, body in services.items():
                env = {**_plain(wf.data.get("env")), **_plain(job.get("env"))}
                spec_or_problem = _one(
                    wf, job_id, str(name), body, "container" in job, contexts, env
                )
                if isinstance(spec_or_problem, BlockedUse):
                    problems.append(spec_or_problem)
                elif spec_or_problem is not None:
                    specs.append(spec_or_problem)
    return specs, problems


def job_containers(workflows: list[Workflow]) -> list[BlockedUse]:
    """What in a job's `container:` cannot run: act runs such a job in that image, which
    must already be in the engine (offline), with no host bind mounts or privileges."""
    problems: list[BlockedUse] = []
    for wf in workflows:
        for job_id, job in wf.jobs.items():
            if "container" not in job:
                continue
            body = job["container"]
            body = {"image": body} if isinstance(body, str) else body
            image = body.get("image") if isinstance(body, dict) else None

            def problem(
                what: str, reason: str, fix: str, job_id: str = job_id, where: str = str(wf.path)
            ) -> BlockedUse:
                return BlockedUse(Verdict(what, reason, fix), where, job_id, "container", CANNOT)

            if not isinstance(image, str) or not image or "${{" in image:
                problems.append(
                    problem(
                        "container",
                        "the job's `container:` names no literal image",
                        "write `container: IMAGE` (an image in your Docker engine)",
                    )
                )
            elif not docker_engine.current().has_image(image):
                problems.append(
                    problem(
                        image,
                        "the job's container image is not in the Docker engine and nothing "
                        "can be pulled offline",
                        f"`docker pull {image}` where there is network "
                        "access (or `docker load` it), or run the job on the runner itself",
                    )
                )
            elif isinstance(body, dict) and body.get("volumes"):
                problems.append(
                    problem(
                        image,
                        "`volumes:` would mount this machine's files into the job",
                        "remove `volumes:`",
                    )
                )
            elif isinstance(body, dict) and body.get("options"):
                _, _, refusal = _options(str(body["options"]))
                if refusal and "refused" in refusal:
                    problems.append(problem(image, refusal, "drop that option"))
    return problems


def _plain(mapping: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else {}


def _one(
    wf: Workflow,
    job: str,
    name: str,
    body: Any,
    in_container: bool,
    contexts: Contexts,
    job_env: dict[str, str],
) -> ServiceSpec | BlockedUse | None:
    where = str(wf.path)
    image = body.get("image") if isinstance(body, dict) else None
    if not isinstance(image, str) or not image.strip():
        return _problem(
            where,
            job,
            name,
            f"services.{name}",
            "it has no `image:`",
            "give the service an `image:` that is in your Docker engine",
        )
    image = contexts.resolve(image, job_env) or image
    if "${{" in image:
        return _problem(
            where,
            job,
            name,
            image,
            "its image is an expression the harness cannot resolve before the run",
            "name the image literally",
        )
    if not docker_engine.current().has_image(image):
        return _problem(
            where,
            job,
            name,
            image,
            "the image is not in the Docker engine and nothing can be pulled offline",
            f"`docker pull {image}` on a machine with network access (or `docker load` it), "
            "then run again",
        )
    if in_container:
        return None  # act starts a container job's services itself
    assert isinstance(body, dict)
    ports = _ports(body.get("ports") or [])
    if isinstance(ports, str):
        return _problem(where, job, name, image, ports, "write ports as `- 5432` or `- 5432:5432`")
    options = contexts.resolve(str(body.get("options") or ""), job_env)
    if options is None:
        return _problem(
            where,
            job,
            name,
            image,
            "its `options` use an expression the harness cannot resolve before the job",
            "use secrets.X, vars.X or env.X only",
        )
    health, other, refusal = _options(options)
    if refusal:
        return _problem(where, job, name, image, refusal, "drop that option")
    for key in ("volumes", "credentials"):
        if body.get(key):
            return _problem(
                where,
                job,
                name,
                image,
                f"`{key}:` is not supported for service containers here",
                f"remove `{key}:` (images come from the local engine; data stays in the container)",
            )
    env: dict[str, str] = {}
    for key, raw in _plain(body.get("env")).items():
        filled = contexts.resolve(raw, job_env)
        if filled is None:
            return _problem(
                where,
                job,
                name,
                image,
                f"env `{key}` uses an expression the harness cannot resolve before the job",
                "use secrets.X, vars.X or env.X only",
            )
        env[key] = filled
    return ServiceSpec(where, job, name, image, env, tuple(ports), health, other)


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _health_budget_s(health: dict[str, Any]) -> float:
    interval = health.get("interval", 30 * 10**9) / 1e9
    timeout = health.get("timeout", 30 * 10**9) / 1e9
    retries = health.get("retries", 3)
    return float(health.get("start_period", 0) / 1e9 + retries * (interval + timeout) + 10)


def _host_ports(container: Any) -> dict[int, int]:
    container.reload()
    mapped: dict[int, int] = {}
    for key, bindings in (
        (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    ).items():
        if bindings:
            mapped[int(key.split("/")[0])] = int(bindings[0]["HostPort"])
    return mapped


class JobServices:
    """Starts the declared services for one run and removes them (and their network)."""

    def __init__(self, specs: list[ServiceSpec], run_id: str) -> None:
        self.specs = specs
        self.run_id = run_id
        self.started: list[Started] = []
        self.network: Any = None
        self.problems: list[BlockedUse] = []

    @property
    def network_name(self) -> str:
        return f"kata-svc-{self.run_id[:12]}"

    def start(self) -> list[BlockedUse]:
        """Start every service; returns the ones that could not start or become healthy
        (their jobs will fail; the verdict says why first)."""
        if not self.specs:
            return []
        docker = docker_engine.current()
        labels = {RUN_LABEL: self.run_id, SERVICE_LABEL: "1"}
        self.network = docker.create_network(self.network_name, labels=labels)
        for spec in self.specs:
            problem = self._start_one(spec, labels)
            if problem is not None:
                self.problems.append(problem)
        return self.problems

    def _start_one(self, spec: ServiceSpec, labels: dict[str, str]) -> BlockedUse | None:
        busy = [p.host for p in spec.ports if p.host is not None and not _free(p.host)]
        if busy:
            return _problem(
                spec.workflow,
                spec.job,
                spec.name,
                spec.image,
                f"port {busy[0]} on this machine is already in use",
                f"write the port as `- {spec.ports[0].container}` and read the one chosen "
                f"with `${{{{ job.services.{spec.name}.ports[{spec.ports[0].container}] }}}}`, "
                "or free the port",
            )
        docker = docker_engine.current()
        other = dict(spec.options)
        environment = {**spec.env, **other.pop("environment", {})}
        name = f"kata-svc-{self.run_id[:12]}-{spec.job}-{spec.name}"[:120]
        try:
            container = docker.create(
                spec.image,
                name=re.sub(r"[^\w.-]", "-", name),
                labels={**labels, "kata.job": spec.job, "kata.service": spec.name},
                environment=environment,
                ports={f"{p.container}/{p.protocol}": ("127.0.0.1", p.host) for p in spec.ports},
                healthcheck=spec.health or None,
                mem_limit="2g",
                pids_limit=1024,
                **other,
            )
            self.network.connect(container, aliases=[spec.name])
            container.start()
        except (APIError, DockerException) as exc:
            return _problem(
                spec.workflow,
                spec.job,
                spec.name,
                spec.image,
                f"the engine could not start it ({str(exc).splitlines()[0][:160]})",
                "check the service's image and options",
            )
        started = Started(spec, container, {})
        self.started.append(started)
        try:
            if spec.health:
                wait_until(
                    health_status(container),
                    timeout_s=_health_budget_s(spec.health),
                    interval_s=0.5,
                    abort=container_exited(container),
                )
            started.ports = _host_ports(container)
        except (WaitTimeout, WaitAborted) as exc:
            last = _last_probe(container)
            return _problem(
                spec.workflow,
                spec.job,
                spec.name,
                spec.image,
                f"the service did not become healthy ({exc})" + last,
                "check its --health-cmd and env (docker logs show why)",
            )
        return None

    def rewrite(self, repo: Path, workflows: list[Workflow]) -> None:
        """Write the services' real ports, ids and network into the run's copy of each
        workflow, job by job (act leaves `job.services` empty in host mode)."""
        by_job = {(s.spec.workflow, s.spec.job, s.spec.name): s for s in self.started}
        for wf in workflows:
            if not any(key[0] == str(wf.path) for key in by_job):
                continue
            path = repo / wf.path
            text = path.read_text(encoding="utf-8")
            for job, start, end in reversed(_job_spans(text)):

                def sub(match: re.Match[str], job: str = job, where: str = str(wf.path)) -> str:
                    found = by_job.get((where, job, match.group(1)))
                    if found is None:
                        return match.group(0)
                    if match.group(2):
                        port = found.ports.get(int(match.group(2)))
                        return str(port) if port is not None else ""
                    if match.group(3) == "id":
                        return str(found.container.id)
                    return self.network_name

                text = text[:start] + CONTEXT.sub(sub, text[start:end]) + text[end:]
            path.write_text(text, encoding="utf-8")

    def stop(self) -> list[str]:
        """Remove the containers and the network; returns what could not be removed."""
        left: list[str] = []
        for started in self.started:
            with suppress(DockerException):
                started.container.remove(force=True)
        if self.network is not None:
            try:
                self.network.remove()
            except DockerException as exc:
                if "not found" not in str(exc).lower():
                    left.append(f"network {self.network_name}: {str(exc)[:120]}")
        self.started.clear()
        self.network = None
        return left

    def describe(self) -> list[str]:
        return [
            f"service `{s.spec.name}` of job `{s.spec.job}` ({s.spec.image}) on "
            + (", ".join(f"localhost:{h}->{c}" for c, h in sorted(s.ports.items())) or "no ports")
            for s in self.started
        ]


def _last_probe(container: Any) -> str:
    with suppress(DockerException):
        container.reload()
        log = ((container.attrs.get("State") or {}).get("Health") or {}).get("Log") or []
        if log:
            return f"; last probe output: {str(log[-1].get('Output', '')).strip()[:200]}"
    return ""


def _job_spans(text: str) -> list[tuple[str, int, int]]:
    """(job id, start, end) character offsets of each job's body in the workflow text."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    spans = []
    for key, value in root.value:
        if key.value == "jobs" and isinstance(value, yaml.MappingNode):
            for job_key, job_value in value.value:
                spans.append(
                    (str(job_key.value), job_value.start_mark.index, job_value.end_mark.index)
                )
    return spans


@contextmanager
def running(specs: list[ServiceSpec], run_id: str) -> Iterator[JobServices]:
    """`JobServices` started for the block and removed after it, whatever happens."""
    services = JobServices(specs, run_id)
    try:
        services.start()
        yield services
    finally:
        services.stop()
