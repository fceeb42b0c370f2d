"""Checks more than one project grades, and the facts they share: written once, registered
by id in each project's own check list (each project's manifest holds its metadata).

    STATIC_CHECKS   check id -> function over a StaticContext
    PIPELINE_CHECKS check id -> function over any context with `act` and `not_run_reason`
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from harness.act_results import ActRun
from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.static.context import StaticContext
from harness.static.secrets_scan import scan_project
from harness.workflows import PushEvent, fires_on_push

OTHER_BRANCH = "feature/kata-check"
# The 30 iris flowers no project trains on (iris has 150; every solution trains on the same
# 120), so every level scores its models on this one file, kept here and in no project.
IRIS_HOLDOUT = Path(__file__).parent / "iris_holdout.csv"

# One unambiguous flower per class (close to the class means).
CANONICAL = [
    ([5.0, 3.4, 1.5, 0.2], "setosa"),
    ([5.9, 2.8, 4.3, 1.3], "versicolor"),
    ([6.6, 3.0, 5.6, 2.0], "virginica"),
]


def workflow_problem(ctx: StaticContext) -> Outcome | None:
    if not ctx.workflows.workflows:
        return skipped("no readable workflow: " + "; ".join(ctx.workflows.errors))
    return None


def workflow_valid(ctx: StaticContext) -> Outcome:
    if ctx.workflows.errors:
        return failed("; ".join(ctx.workflows.errors))
    names = ", ".join(str(w.path) for w in ctx.workflows.workflows)
    return passed(f"{len(ctx.workflows.workflows)} workflow(s): {names}")


def trigger_main(ctx: StaticContext) -> Outcome:
    if (problem := workflow_problem(ctx)) is not None:
        return problem
    main = [w for w in ctx.workflows.workflows if fires_on_push(w, PushEvent("refs/heads/main"))]
    other = [
        w
        for w in ctx.workflows.workflows
        if fires_on_push(w, PushEvent(f"refs/heads/{OTHER_BRANCH}"))
    ]
    if not main:
        return failed("no workflow runs on a push to main")
    if other:
        names = ", ".join(str(w.path) for w in other)
        return failed(f"{names} also run(s) on a push to `{OTHER_BRANCH}`")
    return passed(f"{', '.join(str(w.path) for w in main)} run(s) on push to main only")


def no_hardcoded_secrets(ctx: StaticContext) -> Outcome:
    findings = scan_project(ctx.root)
    if findings:
        shown = "; ".join(str(f) for f in findings[:6])
        return failed(f"{len(findings)} finding(s): {shown}")
    return passed("no credential found in workflows, Dockerfile or code")


PROVIDED_SECRETS = ("REGISTRY_USERNAME", "REGISTRY_PASSWORD", "GITHUB_TOKEN")
SECRET_REF = re.compile(r"\bsecrets\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")


def secret_references(text: str) -> list[tuple[int, str]]:
    """(line, NAME) for every `secrets.NAME` or `secrets['NAME']` outside YAML comments."""
    refs = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for match in SECRET_REF.finditer(line):
            refs.append((number, match.group(1) or match.group(2)))
    return refs


def known_secrets(ctx: StaticContext) -> Outcome:
    folder = ctx.root / ".github" / "workflows"
    files = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    if not files:
        return skipped("no workflow file in .github/workflows")
    unknown: list[str] = []
    used: set[str] = set()
    for path in files:
        rel = path.relative_to(ctx.root)
        for line, name in secret_references(path.read_text(encoding="utf-8", errors="replace")):
            # GitHub matches secret names case-insensitively
            if name.upper() in PROVIDED_SECRETS:
                used.add(name.upper())
            else:
                unknown.append(f"`secrets.{name}` ({rel}:{line})")
    if unknown:
        return failed(
            f"{len(unknown)} reference(s) to a secret the repository does not define: "
            + ", ".join(unknown[:6])
            + f"; defined: {', '.join(PROVIDED_SECRETS)}"
        )
    if not used:
        return passed("the workflows reference no secret")
    return passed("every referenced secret exists: " + ", ".join(sorted(used)))


class PipelineFacts(Protocol):
    act: ActRun | None
    not_run_reason: str


def act_run(ctx: PipelineFacts) -> Outcome:
    run = ctx.act
    if run is None:
        return skipped(ctx.not_run_reason or "the workflow was not run")
    if run.timed_out:
        return failed(f"the workflow did not finish within its time limit ({run.duration_s:.0f} s)")
    cannot = blocked_verdicts(run)
    if not run.jobs:
        errors = "; ".join(run.errors[:3]) or "act started no job"
        return failed(cannot + f"no job ran: {errors}")
    bad = [j for j in run.jobs.values() if j.result != "success"]
    unstarted = sorted({b.job for b in run.blocked if b.cannot != "cannot run offline"})
    if unstarted and not bad:
        # GitHub fails a job whose service or container cannot start before any step runs
        return failed(
            cannot
            + "; ".join(f"job `{job}` would fail on GitHub before its steps" for job in unstarted)
        )
    if bad or run.returncode != 0:
        parts = []
        for job in bad:
            step = job.failed_step()
            where = f" at step `{step.name.splitlines()[0][:80]}`" if step else ""
            parts.append(f"job `{job.job}` {job.result}{where}")
        detail = "; ".join(parts) or f"act exited {run.returncode}"
        failing = next((j for j in bad if j.output), None)
        tail = failing.tail(12) if failing else ""
        step = failing.failed_step() if failing else None
        label = f"output of `{step.name.splitlines()[0][:60]}`" if step else "last output"
        return failed(cannot + detail + (f"\n--- {label} ---\n{tail}" if tail else ""))
    jobs = ", ".join(
        f"{j.job} ({len([s for s in j.steps if s.stage == 'Main'])} steps)"
        for j in run.jobs.values()
    )
    note = f" (never reached: {cannot.strip()})" if cannot else ""
    return passed(f"all jobs succeeded in {run.duration_s:.1f} s: {jobs}{note}")


def blocked_verdicts(run: ActRun) -> str:
    """One paragraph per `uses:` that cannot run offline: what, where, why, what to do
    (these fail their job before anything else can, so they lead the message)."""
    if not run.blocked:
        return ""
    lines = [f"- {item.describe()}" for item in run.blocked]
    heading = (
        "use(s) cannot run offline"
        if all(item.cannot == "cannot run offline" for item in run.blocked)
        else "part(s) of the workflows cannot run here"
    )
    return f"{len(lines)} {heading}:\n" + "\n".join(lines) + "\n"


STATIC_CHECKS: dict[str, Callable[[StaticContext], Outcome]] = {
    "workflow.valid": workflow_valid,
    "workflow.trigger-main": trigger_main,
    "secrets.none-hardcoded": no_hardcoded_secrets,
    "workflow.known-secrets": known_secrets,
}
PIPELINE_CHECKS: dict[str, Callable[[Any], Outcome]] = {"pipeline.act-run": act_run}


WORKFLOW_BASICS = (
    "workflow.valid",
    "workflow.trigger-main",
    "secrets.none-hardcoded",
    "workflow.known-secrets",
)


def register(checks: CheckList[Any], *ids: str) -> None:
    """Grade these shared checks in `checks` (metadata from that list's manifest)."""
    for check_id in ids:
        checks.check(check_id)({**STATIC_CHECKS, **PIPELINE_CHECKS}[check_id])
