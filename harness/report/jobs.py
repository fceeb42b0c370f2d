"""The jobs of a run as the report keeps them: each workflow job (from the YAML, so a job
act never started still has its node) with its `needs`, environment, act's result, duration
and steps with their own (already masked) log lines, capped so a report stays small."""

from __future__ import annotations

from typing import Any

from harness.act_results import ActRun, JobResult, StepResult
from harness.workflows import Workflow

STEP_LOG_LINES = 80
"""The newest lines of each step's log the report keeps (act's own log holds the rest)."""
LINE_CHARS = 400


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _environment(job: dict[str, Any]) -> str:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return str(env or "")


def _step(step: StepResult) -> dict[str, Any]:
    lines = [line.rstrip("\n")[:LINE_CHARS] for line in step.output]
    return {
        "name": step.name.splitlines()[0] if step.name else step.step_id,
        "stage": step.stage,
        "result": step.result,
        "duration_s": round(step.duration_s, 2),
        "log": lines[-STEP_LOG_LINES:],
        "log_dropped": max(0, len(lines) - STEP_LOG_LINES),
    }


def _record(
    workflow: str, job_id: str, job: dict[str, Any], ran: JobResult | None
) -> dict[str, Any]:
    # a composite action's inner steps are reported again by its outer step: kept once
    steps = [_step(s) for s in ran.steps if s.depth == 1] if ran is not None else []
    return {
        "workflow": workflow,
        "id": job_id,
        "name": str(job.get("name") or job_id),
        "needs": _listed(job.get("needs")),
        "environment": _environment(job),
        "result": ran.result if ran is not None else "not run",
        "duration_s": round(sum(s["duration_s"] for s in steps), 2),
        "steps": steps,
    }


def job_records(workflows: list[Workflow], act: ActRun) -> list[dict[str, Any]]:
    """One record a job of the firing workflows, in file order; jobs act reported that no
    workflow declares (a matrix or reusable-workflow name) come last."""
    records: list[dict[str, Any]] = []
    declared: set[str] = set()
    for wf in workflows:
        for job_id, job in wf.jobs.items():
            declared.add(job_id)
            records.append(_record(wf.name, job_id, job, act.jobs.get(job_id)))
    for job_id, ran in act.jobs.items():
        if job_id not in declared:
            records.append(_record("", job_id, {}, ran))
    return records
