"""What act reported, parsed from its `--json` log: jobs, their steps with each step's own
output, the run's errors and what could not run offline. act_runner runs act; this module
only reads what it said."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from world.actions.catalog import Verdict

MAX_KEPT_LINES = 400
"""Output lines kept in memory per job and per step, and error lines per run (the newest)."""
# colour and cursor codes (terraform, pytest and pip colour their output): kept out of
# reports, where they read as "[0m[1m" noise
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ProgressFn = Callable[[str], None]


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
    cannot: str = "cannot run offline"
    """How it fails: `uses:` cannot run offline; a job's service or container cannot start."""

    def describe(self) -> str:
        where = f"job `{self.job}`" + (f", step `{self.step}`" if self.step else "")
        return (
            f"`{self.verdict.uses}` ({self.workflow}, {where}) {self.cannot}: "
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

    def joined(self, later: ActRun) -> ActRun:
        """This run and a later one (workflows chained by `workflow_run`) as one: the
        later run's jobs added, the worst exit status, the times added, this run's log."""
        return ActRun(
            max(self.returncode, later.returncode),
            {**self.jobs, **later.jobs},
            self.duration_s + later.duration_s,
            self.log_path,
            [*self.errors, *later.errors][-MAX_KEPT_LINES:],
            self.timed_out or later.timed_out,
            [*self.blocked, *later.blocked],
        )

    @property
    def succeeded(self) -> bool:
        return (
            self.returncode == 0
            and not self.timed_out
            and bool(self.jobs)
            and all(j.result == "success" for j in self.jobs.values())
        )


def consume_line(
    line: str, jobs: dict[str, JobResult], errors: list[str], progress: ProgressFn | None
) -> None:
    """One line of act's JSON log into `jobs` (steps, results, output) and `errors`."""
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
        text = "Error: " + str(entry.get("arg", msg)).strip() + "\n"
        _keep(job, str(step_ids[0]), text)
        # the step's own log (the run page, the report) shows its ::error:: annotations too
        job.pending.setdefault((str(step_ids[0]), str(entry.get("stage", ""))), []).append(text)
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
