"""One graded run, declared: workspace -> static tier -> plan tier -> services -> the
project's stages -> teardown proof -> report.

A project is a `Project` declaration (name, title, branch, requirements, services, the
workflow's inputs, its stages); `grade` below is the only place that runs one. Stages gather
facts into the project's context and judge them with their checks; a stage whose
prerequisite failed, or that needs a missing tool, is skipped with the reason, so a project
of the wrong shape still gets a full report. Teardown has one owner, the run's
`ServiceSet`, and always ends with the proof that nothing of the run is left.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from harness import act_runner, engine, job_services
from harness.checks import CheckList
from harness.errors import UsageError
from harness.redact import Redactor
from harness.report.jobs import job_records
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options, Stages, sigterm_as_interrupt
from harness.sandbox import Sandbox, make_sandbox, new_run_id
from harness.services import (
    EngineService,
    RegistryService,
    Requirement,
    Service,
    ServiceSet,
    first_missing,
)
from harness.teardown import tear_down_run
from harness.workflows import Workflow
from world.actions.catalog import uses_in_workflow

S = TypeVar("S")

STATIC_ONLY = "static tier only (--static-only)"


@dataclass
class Run:
    """Everything one graded run holds while it goes: the declaration, the options, the
    report being written, its services and the project's context (its facts)."""

    project: Project
    options: Options
    console: Console
    report: Report
    stages: Stages
    workdir: Path
    services: ServiceSet = field(default_factory=ServiceSet)
    sandbox: Sandbox | None = None
    ctx: Any = None
    blocked: dict[str, str] = field(default_factory=dict)  # stage -> why dependents skip
    problems: list[str] = field(default_factory=list)  # teardown problems of earlier tiers

    @property
    def branch(self) -> str:
        return self.options.branch or self.project.branch

    def service(self, kind: type[S]) -> S:
        """The started service of this type (a project asks for what it declared)."""
        for service in self.services.started:
            if isinstance(service, kind):
                return service
        raise LookupError(f"no {kind.__name__} started in this run")

    def block(self, stage: str, reason: str) -> None:
        """Stages that need `stage` are skipped with `reason`."""
        self.blocked[stage] = reason


@dataclass(frozen=True)
class Tier:
    """Checks judged before the run's services start: the static tier (files only) and a
    plan tier (Terraform validate/plan against services of its own, stopped right after)."""

    name: str
    heading: str
    checks: CheckList[Any]
    prepare: Callable[[Run, ServiceSet], Any]


def static_tier(checks: CheckList[Any], context: Callable[[Path], Any]) -> Tier:
    """The static tier: `checks` over `context(project folder)`, no services."""
    return Tier("static", "static checks", checks, lambda run, _: context(run.options.project_dir))


@dataclass(frozen=True)
class Stage:
    """A runtime stage: `gather` collects the facts its checks judge (timed as `timing`);
    `needs` names earlier stages whose block skips this one; `skip_if` gives a reason of the
    project's own to skip (e.g. no image to start)."""

    name: str
    checks: CheckList[Any]
    heading: str = ""
    gather: Callable[[Run], None] | None = None
    timing: str = ""
    needs: tuple[str, ...] = ()
    skip_if: Callable[[Run], str | None] | None = None


@dataclass(frozen=True)
class Project:
    """A graded project, declared. `services` builds the run's services in start order;
    `context` makes the facts object the stages fill; `setup` runs once the services are up
    (e.g. the advanced project's current production); `finish` after the last stage."""

    name: str
    title: str
    branch: str
    static: Tier
    stages: tuple[Stage, ...]
    requires: tuple[Requirement, ...]
    services: Callable[[Run], list[Service]]
    context: Callable[[Run], Any]
    plan: Tier | None = None
    banner: tuple[str, ...] | None = None  # stack parts echoed under the banner; None: all
    setup: Callable[[Run], None] | None = None
    finish: Callable[[Run], None] | None = None

    def check_lists(self) -> list[CheckList[Any]]:
        tiers = [self.static, *([self.plan] if self.plan else [])]
        return [t.checks for t in tiers] + [s.checks for s in self.stages]

    def all_check_ids(self) -> list[str]:
        return [check_id for checks in self.check_lists() for check_id in checks.ids()]

    def grade(self, options: Options, console: Console) -> Report:
        return grade(self, options, console)


def grade(project: Project, options: Options, console: Console) -> Report:
    """Grade `options.project_dir` as `project`: the one implementation of a run."""
    run_id = new_run_id()
    report = Report(project=project.name, path=str(options.project_dir), run_id=run_id)
    run = Run(
        project=project,
        options=options,
        console=console,
        report=report,
        stages=Stages(report, console),
        workdir=Path(tempfile.mkdtemp(prefix=f"kata-{run_id}-")),
    )
    started = time.monotonic()
    try:
        console.banner(project.title, {"project": str(options.project_dir), "run": run_id}, [])
        _tier(run, project.static)
        with sigterm_as_interrupt():
            if project.plan is not None:
                _tier(run, project.plan)
            if options.static_only:
                _skip_stages(run, project.stages, STATIC_ONLY)
            else:
                _runtime(run)
    finally:
        if options.keep_workdir:
            if report.teardown:
                report.teardown["workdir"] = str(run.workdir)
        else:
            shutil.rmtree(run.workdir, ignore_errors=True)
        report.duration_s = time.monotonic() - started
    return report


def _tier(run: Run, tier: Tier) -> None:
    if tier.heading:
        run.console.stage(tier.heading)
    own = ServiceSet()
    try:
        try:
            ctx = tier.prepare(run, own)
        except (KeyboardInterrupt, UsageError):
            raise
        except Exception as exc:
            run.stages.skip(tier.checks, f"the {tier.name} tier could not run: {_say(exc)}")
            return
        run.stages.run(tier.name, tier.checks, ctx)
    finally:
        run.problems += own.stop_all()


def _skip_stages(run: Run, stages: tuple[Stage, ...], reason: str) -> None:
    for stage in stages:
        run.stages.skip(stage.checks, reason)


def _runtime(run: Run) -> None:
    project, report, console = run.project, run.report, run.console
    missing = first_missing(project.requires)
    if missing is not None:
        if missing.startswith("needs a Docker engine"):
            report.stack["engine"] = "none (" + missing.split(": ", 1)[1].split("; fix")[0] + ")"
        console.line(f"   {missing}")
        _skip_stages(run, project.stages, missing)
        return
    try:
        try:
            with run.stages.timed("setup"):
                for service in project.services(run):
                    run.services.start(service)
                run.sandbox = make_sandbox(
                    run.options.project_dir,
                    run.workdir,
                    report.run_id,
                    branch=run.branch,
                    level=project.name,
                )
        except (KeyboardInterrupt, UsageError):
            raise
        except Exception as exc:
            reason = f"the run could not be set up: {_say(exc)}"
            report.harness_error = reason
            console.line(f"   {reason}")
            _skip_stages(run, project.stages, reason)
            return
        described = run.services.describe()
        report.stack.update(described.stack)
        report.stand_ins += described.stand_ins
        for part, what in report.stack.items():
            if project.banner is None or part in project.banner:
                console.line(f"   {part:<10} {what}")
        for note in report.stand_ins:
            console.line(f"   stand-in: {note}")
        run.ctx = project.context(run)
        if project.setup is not None:
            project.setup(run)
        _stages(run)
        if project.finish is not None:
            project.finish(run)
    finally:
        with run.stages.timed("teardown"):
            exposure_pids = run.services.exposure().pids  # read before the services stop
            registry_address = _registry_address(run)
            uses_engine = any(isinstance(s, EngineService) for s in run.services.started)
            problems = [*run.problems, *run.services.stop_all()]
            report.teardown = tear_down_run(
                engine.current() if uses_engine else None,
                report.run_id,
                registry_address,
                exposure_pids,
                cache_as=project.name,
                problems=problems,
            )


def _registry_address(run: Run) -> str:
    try:
        return run.service(RegistryService).registry.address
    except LookupError:
        return ""


def _stages(run: Run) -> None:
    broken = ""
    for stage in run.project.stages:
        if stage.heading:
            run.console.stage(stage.heading)
        reason = broken or next((run.blocked[n] for n in stage.needs if n in run.blocked), "")
        if not reason and stage.skip_if is not None:
            reason = stage.skip_if(run) or ""
        if reason:
            run.stages.skip(stage.checks, reason)
            continue
        if stage.gather is not None:
            try:
                with run.stages.timed(stage.timing) if stage.timing else nullcontext():
                    stage.gather(run)
            except (KeyboardInterrupt, UsageError):
                raise
            except Exception as exc:
                broken = f"the {stage.name} stage could not run: {_say(exc)}"
                run.console.line(f"   {broken}")
                run.stages.skip(stage.checks, broken)
                continue
        run.stages.run(stage.name, stage.checks, run.ctx)


def _say(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, FileNotFoundError) and exc.filename:
        text = f"{exc.filename} does not exist"
    return text


# --- the workflow run every project shares ------------------------------------------


def run_workflows(
    run: Run,
    ctx: Any,
    *,
    variables: dict[str, str],
    env: dict[str, str] | None = None,
    extra_labels: frozenset[str] = frozenset(),
    watch: AbstractContextManager[Any] | None = None,
) -> bool:
    """Run the workflows that fire for a push to the run's branch with act, the run's
    registry and the services' exposure handed in. Fills `ctx.act`, `ctx.artifacts_dir`
    and the report's jobs; when nothing fires, sets `ctx.not_run_reason`, blocks the stages
    that need the pipeline, and returns False."""
    assert run.sandbox is not None
    console = run.console
    changed = run.options.changed_files
    firing = act_runner.firing_workflows(run.sandbox, changed)
    if not firing:
        reason = f"no workflow runs on a push to {run.sandbox.branch}" + (
            f" that changes {', '.join(changed)}" if changed else ""
        )
        ctx.not_run_reason = reason + " (act ignores branch filters; the harness applies them)"
        console.line(f"   {reason}: nothing to run")
        run.block("pipeline", reason)
        return False
    exposure = run.services.exposure()
    later = [w for w in act_runner.chain_candidates(run.sandbox) if w not in firing]
    inputs, blocked = act_runner.registry_run(
        run.sandbox,
        firing + later,
        run.service(RegistryService).registry,
        workdir=run.workdir,
        variables={**exposure.variables, **variables},
        env={**exposure.env, **(env or {})},
        timeout_s=run.options.act_timeout_s,
        extra_labels=extra_labels,
        actions=run.options.actions,
    )
    inputs.workflow_files = [w.path for w in firing]
    _say_actions(run, firing + later)
    inputs.secrets.update(run.options.secrets)
    specs, cannot_start = job_services.declared(
        firing + later, job_services.Contexts(inputs.secrets, inputs.variables)
    )
    blocked += cannot_start + job_services.job_containers(firing + later)
    redact = Redactor([*exposure.redact, *run.options.secrets.values()])
    with job_services.running(specs, run.sandbox.run_id) as services:
        blocked += services.problems
        services.rewrite(run.sandbox.repo, firing + later)
        for line in services.describe():
            console.line(f"   {line} (started by the harness: act's host mode does not)")
        for item in blocked:
            console.line(f"   {item.describe()}")
        console.line(
            f"   running {', '.join(str(w.path) for w in firing)} for a push to "
            f"{run.sandbox.branch}"
        )
        with run.stages.timed("act run"), watch or nullcontext():
            ctx.act = act_runner.run_each(
                run.sandbox, inputs, firing, redact, progress=console.progress
            )
            run.report.jobs += job_records(firing, ctx.act)
            _run_chained(run, ctx, inputs, redact, firing, later)
    ctx.artifacts_dir = act_runner.artifact_dir(run.workdir)
    ctx.act.blocked = blocked
    return True


def _say_actions(run: Run, workflows: list[Workflow]) -> None:
    """Which remote actions run for real (fetched by act) and which are stood in: on the
    console and in the report's stand-in list."""
    uses: set[str] = set()
    for wf in workflows:
        uses |= uses_in_workflow(wf.data)
    fetched = act_runner.fetched_for_real(uses, run.options.actions)
    stood_in = sorted(u for u in uses if not u.startswith(".") and u not in fetched)
    if run.options.actions == "offline":
        return
    line = f"actions ({run.options.actions}): fetched by act for real: " + (
        ", ".join(fetched) or "none"
    )
    line += "; stood in offline: " + (", ".join(stood_in) or "none")
    run.console.line(f"   {line}")
    run.report.stand_ins.append(line)


def _run_chained(
    run: Run,
    ctx: Any,
    inputs: act_runner.ActInputs,
    redact: Redactor,
    finished: list[Workflow],
    candidates: list[Workflow],
) -> None:
    """Workflows that wait on others with `workflow_run`, each started after the one it
    waits for, with its conclusion (GitHub follows such chains three levels deep); their
    jobs join `ctx.act`."""
    assert run.sandbox is not None
    for _level in range(3):
        chained = act_runner.chained_runs(run.sandbox, finished, ctx.act, candidates)
        if not chained:
            return
        finished = []
        for upstream, waiting, payload in chained:
            conclusion = payload["workflow_run"]["conclusion"]
            run.console.line(
                f"   running {', '.join(str(w.path) for w in waiting)} on workflow_run: "
                f"{upstream.name} completed ({conclusion})"
            )
            more = act_runner.run_each(
                run.sandbox,
                replace(
                    inputs,
                    event="workflow_run",
                    payload=payload,
                    log_name=f"act-workflow_run-{Path(upstream.path).stem}.log",
                ),
                waiting,
                redact,
                progress=run.console.progress,
            )
            ctx.act = ctx.act.joined(more)
            run.report.jobs += job_records(waiting, more)
            finished += waiting
