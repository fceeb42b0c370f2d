"""Intermediate, static tier: the workflow's Terraform lifecycle and the Terraform code itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.projects import common
from harness.static.context import StaticContext
from harness.static.tracked import tracked_files

TF_DIR = "terraform"
RUN_UNIQUE = re.compile(r"github\.run_id|GITHUB_RUN_ID|github\.sha|GITHUB_SHA|github\.run_number")
ALWAYS = re.compile(r"always\(\)|!\s*cancelled\(\)|failure\(\)\s*\|\|\s*success\(\)")
WORKSPACE_CMD = re.compile(
    r"terraform\b[^\n]*\bworkspace\s+(?:new|select)\s+(?:-or-create(?:=true)?\s+)?(?P<name>\S+)"
)
STATE_FILE = re.compile(r"(^|/)(terraform\.tfstate(\.backup)?|[^/]+\.tfstate)$")


@dataclass
class TfStaticContext(StaticContext):
    """Static context plus what the Terraform checks share (tool results computed once)."""

    tool_results: dict[str, Any] = field(default_factory=dict)

    @property
    def tf_dir(self) -> Path:
        return self.root / TF_DIR

    @cached_property
    def tracked(self) -> list[str]:
        return tracked_files(self.root)


MANIFEST = load_manifest("intermediate")
STATIC = CheckList[TfStaticContext](MANIFEST)


common.register(STATIC, *common.WORKFLOW_BASICS)


def _run_unique(name: str, text: str) -> bool:
    """Is the workspace name made from the run's id, directly or through a variable?"""
    if RUN_UNIQUE.search(name):
        return True
    for var in re.findall(r"\$\{?(\w+)\}?", name):
        if re.search(rf"\b{var}\s*[=:][^\n]*({RUN_UNIQUE.pattern})", text):
            return True
    return False


def _tf_missing(ctx: TfStaticContext) -> Outcome | None:
    if not ctx.tf_dir.is_dir() or not list(ctx.tf_dir.glob("*.tf")):
        return failed(f"no {TF_DIR}/ folder with .tf files")
    return None


def _run_steps(ctx: TfStaticContext) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(workflow, job id, job, step) for every step with a `run:` script."""
    out = []
    for wf in ctx.workflows.workflows:
        for job_id, job in wf.jobs.items():
            for step in job.get("steps") or []:
                if isinstance(step, dict) and step.get("run"):
                    out.append((str(wf.path), job_id, job, step))
    return out


@STATIC.check("terraform.workspace-per-run")
def workspace_per_run(ctx: TfStaticContext) -> Outcome:
    if not ctx.workflows.workflows:
        return skipped("no readable workflow")
    for wf in ctx.workflows.workflows:
        for _job, step in wf.steps():
            for match in WORKSPACE_CMD.finditer(str(step.get("run", ""))):
                name = match.group("name").strip("'\"")
                if name == "default":
                    continue
                if _run_unique(name, wf.text):
                    return passed(f"{wf.path}: workspace `{name}` is named after the run")
                return failed(f"{wf.path}: workspace `{name}` is not unique to the run")
    return failed("no step creates or selects a Terraform workspace: every run shares `default`")


@STATIC.check("workflow.destroy-always")
def destroy_always(ctx: TfStaticContext) -> Outcome:
    if not ctx.workflows.workflows:
        return skipped("no readable workflow")
    found = [
        (wf, job_id, job, step)
        for wf, job_id, job, step in _run_steps(ctx)
        if re.search(r"terraform\b[^\n]*\bdestroy\b", str(step["run"]))
    ]
    if not found:
        return failed("no step runs `terraform destroy`")
    for wf, job_id, job, step in found:
        step_if = str(step.get("if", ""))
        job_if = str(job.get("if", ""))
        if ALWAYS.search(step_if) or (ALWAYS.search(job_if) and not step_if):
            name = step.get("name") or "terraform destroy"
            return passed(
                f"{wf}: job `{job_id}`, step `{name}` runs with `if: {step_if or job_if}`"
            )
    wf, job_id, _job, step = found[0]
    shown = f"`if: {step.get('if')}`" if step.get("if") else "no `if:`"
    return failed(f"{wf}: the destroy step in job `{job_id}` has {shown}, so a failure skips it")


@STATIC.check("terraform.no-state-committed")
def no_state_committed(ctx: TfStaticContext) -> Outcome:
    bad = [
        f
        for f in ctx.tracked
        if STATE_FILE.search(f) or "/.terraform/" in f"/{f}" or f.endswith("tfplan")
    ]
    if bad:
        return failed("committed: " + ", ".join(bad[:5]))
    return passed(f"{len(ctx.tracked)} committed files, no state, plan or .terraform/")


@STATIC.check("terraform.fmt")
def tf_fmt(ctx: TfStaticContext) -> Outcome:
    if (problem := _tf_missing(ctx)) is not None:
        return problem
    from harness.terraform import runner

    try:
        unformatted = runner.fmt_check(ctx.tf_dir)
    except runner.TerraformError as exc:
        return skipped(str(exc))
    if unformatted:
        return failed("needs `terraform fmt`: " + ", ".join(unformatted[:6]))
    return passed("all .tf files formatted")
