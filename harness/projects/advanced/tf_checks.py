"""Advanced, Terraform tier: every environment root validates, and staging's plan puts a
small canary beside the stable version (planned against the cluster stand-in), at the weight
the workflow itself applies (a `-var canary_weight=...` in the workflow overrides the
default the plan reads)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.terraform import runner

from .runtime_checks import CANARY_ANNOTATION, HEADER_ANNOTATION, WEIGHT_ANNOTATION

ENVIRONMENTS = ("dev", "staging", "prod")
MAX_CANARY_WEIGHT = 50
# a literal weight the workflow passes to Terraform: `-var "canary_weight=10"` or an env
# value `CANARY_WEIGHT: "10"` that such a -var reads
WORKFLOW_WEIGHT = re.compile(r"""(?:canary_weight=|CANARY_WEIGHT:\s*)["']?(\d+)""")


@dataclass
class TfContext:
    root: Path  # a scratch copy of the project (roots reference ../../modules)
    env: dict[str, str]
    problem: str = ""


MANIFEST = load_manifest("advanced")
TERRAFORM = CheckList[TfContext](MANIFEST)


@TERRAFORM.check("terraform.validate")
def tf_validate(ctx: TfContext) -> Outcome:
    if ctx.problem:
        return skipped(ctx.problem)
    problems = []
    for name in ENVIRONMENTS:
        folder = ctx.root / "env" / name
        if not folder.is_dir():
            problems.append(f"env/{name} is missing")
            continue
        ok, diagnostics = runner.validate(folder, ctx.env)
        if not ok:
            problems.append(f"env/{name}: " + "; ".join(diagnostics[:2]))
    if problems:
        return failed(" | ".join(problems), credit=(3 - len(problems)) / 3)
    return passed("env/dev, env/staging and env/prod are valid")


@TERRAFORM.check("terraform.canary-config")
def canary_config(ctx: TfContext) -> Outcome:
    if ctx.problem:
        return skipped(ctx.problem)
    folder = ctx.root / "env" / "staging"
    if not folder.is_dir():
        return failed("env/staging is missing")
    var_args = [
        "-var",
        "stable_image=registry.invalid/kata/iris-api:v1",
        "-var",
        "canary_image=registry.invalid/kata/iris-api:v2",
        "-var",
        "registry_server=registry.invalid",
        "-var",
        "registry_username=kata",
        "-var",
        "registry_password=not-a-secret",
    ]
    try:
        plan = runner.plan_json(folder, ctx.env, var_args, timeout=240)
    except runner.TerraformError as exc:
        return failed(" ".join(str(exc).splitlines()[:6])[:600])
    ingresses = [r for r in runner.planned_resources(plan) if r.type == "kubernetes_ingress_v1"]
    canaries: list[dict[str, str]] = []
    mains: list[dict[str, str]] = []
    for ing in ingresses:
        metadata = (ing.values.get("metadata") or [{}])[0]
        notes = metadata.get("annotations") or {}
        (canaries if str(notes.get(CANARY_ANNOTATION, "")).lower() == "true" else mains).append(
            notes
        )
    if not mains or not canaries:
        return failed(
            f"planned {len(mains)} main and {len(canaries)} canary Ingress(es); need one of each"
        )
    weight_text = str(canaries[0].get(WEIGHT_ANNOTATION, ""))
    if not weight_text.isdigit():
        return failed(f"canary-weight is {weight_text!r}, not a number")
    weight = int(weight_text)
    if not 0 < weight <= MAX_CANARY_WEIGHT:
        return failed(
            f"canary-weight {weight}: a canary takes a small share (1..{MAX_CANARY_WEIGHT})"
        )
    if too_big := workflow_weights(ctx.root):
        return failed(
            f"the workflow applies staging with canary weight {too_big[0]}: a canary takes a "
            f"small share (1..{MAX_CANARY_WEIGHT}; 0 only to remove it)"
        )
    header = canaries[0].get(HEADER_ANNOTATION)
    extra = f", by-header {header}" if header else ""
    return passed(f"canary Ingress at weight {weight}%{extra} beside the main Ingress")


def workflow_weights(root: Path) -> list[str]:
    """Canary weights above the maximum that a workflow passes literally, as `N (file:line)`."""
    folder = root / ".github" / "workflows"
    out = []
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            if line.lstrip().startswith("#"):
                continue
            for match in WORKFLOW_WEIGHT.finditer(line):
                if int(match.group(1)) > MAX_CANARY_WEIGHT:
                    out.append(f"{match.group(1)} ({path.relative_to(root)}:{number})")
    return out
