"""Intermediate, Terraform tier: validate, security scan and the plan's contents.

The plan is made by real terraform with the harness's own variable values (a documentation
CIDR for SSH and a fresh public key) against a scratch emulator, so it shows what the code
would create, whatever the learner's workflow passes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.static import checkov
from harness.terraform import runner
from harness.terraform.runner import PlannedResource

PLAN_SSH_CIDR = "203.0.113.7/32"  # TEST-NET-3: never a real runner
API_PORT = 8000
INSTANCE_TYPE = "t3.micro"
REQUIRED_TYPES = (
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_route_table",
    "aws_route_table_association",
    "aws_security_group",
    "aws_key_pair",
    "aws_instance",
)


@dataclass
class TfContext:
    tf_dir: Path  # a scratch copy: terraform writes lock files and plan overrides into it
    env: dict[str, str]
    public_key: str
    problem: str = ""  # why the Terraform tier could not run (no terraform binary...)
    _plan: dict[str, Any] | None = None
    _plan_error: str = ""
    cache: dict[str, Any] = field(default_factory=dict)

    def plan(self) -> dict[str, Any] | None:
        if self._plan is None and not self._plan_error:
            var_args = [
                "-var",
                f"allowed_ssh_cidr={PLAN_SSH_CIDR}",
                "-var",
                f"public_key={self.public_key}",
            ]
            try:
                self._plan = runner.plan_json(self.tf_dir, self.env, var_args, timeout=240)
            except runner.TerraformError as exc:
                self._plan_error = str(exc)
        return self._plan

    def planned(self) -> list[PlannedResource]:
        plan = self.plan()
        return [r for r in runner.planned_resources(plan) if r.mode == "managed"] if plan else []


MANIFEST = load_manifest("intermediate")
TERRAFORM = CheckList[TfContext](MANIFEST)


def _unavailable(ctx: TfContext) -> Outcome | None:
    return skipped(ctx.problem) if ctx.problem else None


@TERRAFORM.check("terraform.validate")
def tf_validate(ctx: TfContext) -> Outcome:
    if (problem := _unavailable(ctx)) is not None:
        return problem
    ok, diagnostics = runner.validate(ctx.tf_dir, ctx.env)
    if not ok:
        return failed("; ".join(diagnostics[:4]) or "terraform validate failed")
    warnings = f" ({len(diagnostics)} warning(s))" if diagnostics else ""
    return passed("configuration is valid" + warnings)


@TERRAFORM.check("terraform.security")
def tf_security(ctx: TfContext) -> Outcome:
    if (problem := _unavailable(ctx)) is not None:
        return problem
    try:
        binary = checkov.find_checkov()
    except (RuntimeError, OSError) as exc:
        return skipped(f"checkov is not available: {exc}")
    if binary is None:
        return skipped("checkov is not installed")
    findings = checkov.scan(ctx.tf_dir, binary)
    blocking = [f for f in findings if f.check_id in checkov.BLOCKING]
    other = len(findings) - len(blocking)
    if blocking:
        shown = "; ".join(f"{checkov.BLOCKING[f.check_id]}: {f}" for f in blocking[:4])
        return failed(shown, findings=len(findings))
    return passed(
        f"no blocking finding ({other} advisory checkov finding(s), e.g. flow logs, IMDSv2)",
        findings=len(findings),
    )


def _by_type(resources: list[PlannedResource], kind: str) -> list[PlannedResource]:
    return [r for r in resources if r.type == kind]


def _covers(rule: dict[str, Any], port: int) -> bool:
    return int(rule.get("from_port", -1)) <= port <= int(rule.get("to_port", -1))


def _ingress_rules(sg: PlannedResource) -> list[dict[str, Any]]:
    return [dict(r) for r in sg.values.get("ingress") or []]


@TERRAFORM.check("terraform.plan")
def tf_plan(ctx: TfContext) -> Outcome:
    if (problem := _unavailable(ctx)) is not None:
        return problem
    resources = ctx.planned()
    if not resources:
        error = ctx._plan_error.splitlines()
        return failed(" ".join(error[:6])[:600] if error else "terraform plan planned nothing")
    problems: list[str] = []
    missing = [t for t in REQUIRED_TYPES if not _by_type(resources, t)]
    if missing:
        problems.append("missing " + ", ".join(missing))
    rules = [
        (sg, r) for sg in _by_type(resources, "aws_security_group") for r in _ingress_rules(sg)
    ]
    ssh = [(sg, r) for sg, r in rules if _covers(r, 22)]
    for sg, rule in ssh:
        cidrs = list(rule.get("cidr_blocks") or [])
        if cidrs != [PLAN_SSH_CIDR]:
            problems.append(
                f"{sg.address}: SSH allowed from {cidrs}, not only var.allowed_ssh_cidr"
            )
    if not ssh:
        problems.append("no security group rule allows SSH for the deploy")
    if not any(_covers(r, API_PORT) for _, r in rules):
        problems.append(f"no security group opens the API port {API_PORT}")
    for vpc in _by_type(resources, "aws_vpc"):
        cidr = str(vpc.values.get("cidr_block", ""))
        try:
            ipaddress.ip_network(cidr)
        except ValueError:
            problems.append(f"{vpc.address}: cidr_block {cidr!r} is not a CIDR")
    subnets = _by_type(resources, "aws_subnet")
    public_subnet = any(s.values.get("map_public_ip_on_launch") for s in subnets)
    public_instance = any(
        i.values.get("associate_public_ip_address") for i in _by_type(resources, "aws_instance")
    )
    if subnets and not public_subnet and not public_instance:
        problems.append("neither the subnet nor the instance gives the instance a public IP")
    routes = [
        route
        for table in _by_type(resources, "aws_route_table")
        for route in table.values.get("route") or []
        if route.get("cidr_block") == "0.0.0.0/0"
    ]
    if _by_type(resources, "aws_route_table") and not routes:
        problems.append("no route table sends 0.0.0.0/0 to the internet gateway")
    instances = _by_type(resources, "aws_instance")
    if len(instances) > 1:
        problems.append(f"{len(instances)} instances planned, the task asks for one")
    for instance in instances:
        if instance.values.get("instance_type") != INSTANCE_TYPE:
            kind = instance.values.get("instance_type")
            problems.append(f"{instance.address}: instance_type {kind!r}, not {INSTANCE_TYPE}")
        tags = instance.values.get("tags_all") or instance.values.get("tags") or {}
        if "Project" not in tags:
            problems.append(
                f"{instance.address}: no Project tag (set default_tags in the provider)"
            )
    for key in _by_type(resources, "aws_key_pair"):
        if key.values.get("public_key") != ctx.public_key:
            problems.append(f"{key.address}: public_key is not var.public_key")
    if problems:
        credit = max(0.0, 1 - len(problems) / 6)
        return failed("; ".join(problems), credit=credit)
    kinds = ", ".join(sorted({r.type.removeprefix("aws_") for r in resources}))
    return passed(f"{len(resources)} resources planned ({kinds}); SSH only from the given CIDR")
