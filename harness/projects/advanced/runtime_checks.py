"""Advanced, runtime tiers: gates, the canary measured while it is live, and where each
environment ends up. Every decision the harness makes is recorded in the report."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.act_results import ActRun
from harness.canary import Decision, SplitVerdict, Thresholds, Traffic, analyse, judge_split, send
from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.projects import common
from harness.sandbox import Sandbox
from world.terraform.k8s_provider.client import Connection, KubeClient

CANARY_ANNOTATION = "nginx.ingress.kubernetes.io/canary"
WEIGHT_ANNOTATION = "nginx.ingress.kubernetes.io/canary-weight"
HEADER_ANNOTATION = "nginx.ingress.kubernetes.io/canary-by-header"
HOSTS = {"dev": "dev.iris.local", "staging": "staging.iris.local", "prod": "prod.iris.local"}
NAMESPACES = {"dev": "iris-dev", "staging": "iris-staging", "prod": "iris-prod"}
SPLIT_REQUESTS = 1000
THRESHOLDS = Thresholds(min_success_rate=0.99, max_p95_ms=250.0)
GATE_TOLERANCE = 0.02


class KubeApi:
    """Just enough of the cluster's REST API for the harness's own observations."""

    def __init__(self, conn: Connection) -> None:
        self.client = KubeClient(conn, timeout=10)  # the provider stand-in's API client

    def items(self, path: str) -> list[dict[str, Any]]:
        return list((self.client.find(path) or {}).get("items") or [])

    def ingresses(self, ns: str) -> list[dict[str, Any]]:
        return self.items(f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses")

    def deployments(self, ns: str) -> list[dict[str, Any]]:
        return self.items(f"/apis/apps/v1/namespaces/{ns}/deployments")


def canary_of(
    ingresses: list[dict[str, Any]],
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    main = canary = None
    for ing in ingresses:
        notes = (ing.get("metadata") or {}).get("annotations") or {}
        if str(notes.get(CANARY_ANNOTATION, "")).lower() == "true":
            canary = ing
        else:
            main = ing
    return main, canary


def backend_service(ingress: dict[str, Any]) -> str:
    for rule in (ingress.get("spec") or {}).get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            return str(((path.get("backend") or {}).get("service") or {}).get("name", ""))
    return ""


def images(deployments: list[dict[str, Any]]) -> dict[str, str]:
    out = {}
    for dep in deployments:
        containers = (((dep.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
            "containers"
        ) or []
        if containers:
            out[str(dep["metadata"]["name"])] = str(containers[0].get("image", ""))
    return out


@dataclass
class CanaryObservation:
    weight: float
    canary_service: str
    stable_service: str
    split: SplitVerdict
    header_always: Traffic
    header_never: Traffic
    header_name: str
    decisions: list[Decision] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        """What the run page's canary chart draws: the observed share against the interval
        the weight allows, header routing, the analysis against its thresholds."""
        split = self.split
        return {
            "weight": split.weight,
            "requests": split.n,
            "canary_requests": split.canary,
            "share": round(split.share, 4),
            "interval": [round(split.interval[0], 4), round(split.interval[1], 4)],
            "inside": split.inside,
            "canary_service": self.canary_service,
            "stable_service": self.stable_service,
            "header": {
                "name": self.header_name,
                "always": [
                    self.header_always.count(self.canary_service),
                    len(self.header_always.samples),
                ],
                "never": [
                    self.header_never.count(self.canary_service),
                    len(self.header_never.samples),
                ],
            },
            "thresholds": {
                "min_success_rate": THRESHOLDS.min_success_rate,
                "max_p95_ms": THRESHOLDS.max_p95_ms,
                "min_requests": THRESHOLDS.min_requests,
            },
            "analysis": [
                {
                    "iteration": d.iteration,
                    "requests": d.requests,
                    "success_rate": round(d.success_rate, 4),
                    "p95_ms": round(d.p95_ms, 1),
                    "verdict": d.verdict,
                    "reason": d.reason,
                }
                for d in self.decisions
            ],
        }


@dataclass
class PromoteContext:
    sandbox: Sandbox
    workdir: Path
    ingress_url: str = ""
    new_image: str = ""
    stable_image: str = ""
    baseline_accuracy: float = 0.0
    approvals: dict[str, str] = field(default_factory=dict)  # environment -> approver
    gated_jobs: dict[str, str] = field(default_factory=dict)  # job -> environment
    act: ActRun | None = None
    artifacts_dir: Path | None = None
    not_run_reason: str = ""
    prepare_problem: str = ""
    model_accuracy: float | None = None
    model_problem: str = ""
    canary: CanaryObservation | None = None
    canary_error: str = ""
    final_images: dict[str, dict[str, str]] = field(default_factory=dict)
    final_canary: dict[str, Any] | None = None
    dev_health: str = ""
    prod_health: str = ""
    # environment -> the cluster's warning events for its namespace (crash loops, failing
    # probes, image pulls), shown with a failed check so the learner sees why
    warnings: dict[str, list[str]] = field(default_factory=dict)


def _why(ctx: PromoteContext, env: str, message: str, last: int = 2) -> str:
    """`message`, plus the last warning events of `env`'s namespace, if any."""
    seen = ctx.warnings.get(env) or []
    if not seen:
        return message
    return f"{message}; cluster events: " + " | ".join(seen[-last:])


class CanaryWatcher:
    """While act runs: the moment staging has a live canary, measure it (once)."""

    def __init__(self, ctx: PromoteContext, api: KubeApi) -> None:
        self.ctx, self.api = ctx, api
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kata-canary", daemon=True)

    def __enter__(self) -> CanaryWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def _loop(self) -> None:
        while not self._stop.wait(0.5) and self.ctx.canary is None:
            try:
                self.poll()
            except Exception as exc:  # the cluster may be mid-change; try again
                self.ctx.canary_error = f"{type(exc).__name__}: {exc}"

    def poll(self) -> None:
        main, canary = canary_of(self.api.ingresses(NAMESPACES["staging"]))
        if main is None or canary is None:
            return
        notes = canary["metadata"].get("annotations") or {}
        weight = float(notes.get(WEIGHT_ANNOTATION, "0") or 0)
        if not 0 < weight < 100:
            return
        canary_service, stable_service = backend_service(canary), backend_service(main)
        host = HOSTS["staging"]
        by_header = str(notes.get(HEADER_ANNOTATION, ""))
        header = by_header or "X-Canary"
        probe = send(self.ctx.ingress_url, host, 5, headers={header: "always"}, time_limit_s=10)
        if not probe.samples or any(
            s.status != 200 or (by_header and s.upstream != canary_service) for s in probe.samples
        ):
            return  # the canary is not serving yet (or the router still has the old routes)
        split_traffic = send(self.ctx.ingress_url, host, SPLIT_REQUESTS, time_limit_s=90)
        always = send(self.ctx.ingress_url, host, 50, headers={header: "always"}, time_limit_s=30)
        never = send(self.ctx.ingress_url, host, 50, headers={header: "never"}, time_limit_s=30)
        observation = CanaryObservation(
            weight=weight,
            canary_service=canary_service,
            stable_service=stable_service,
            split=judge_split(split_traffic, canary_service, weight),
            header_always=always,
            header_never=never,
            header_name=header,
        )
        canary_samples = split_traffic.of(canary_service) + always.of(canary_service)
        observation.decisions.append(analyse(canary_samples, THRESHOLDS))
        self.ctx.canary = observation


MANIFEST = load_manifest("advanced")
PIPELINE = CheckList[PromoteContext](MANIFEST)
GATES = CheckList[PromoteContext](MANIFEST)
CANARY = CheckList[PromoteContext](MANIFEST)
OUTCOME = CheckList[PromoteContext](MANIFEST)

common.register(PIPELINE, "pipeline.act-run")


def _ran(ctx: PromoteContext) -> Outcome | None:
    if ctx.prepare_problem:
        return skipped(ctx.prepare_problem)
    if ctx.act is None:
        return skipped(ctx.not_run_reason or "the workflow was not run")
    return None


def job_result(ctx: PromoteContext, *needles: str) -> tuple[str, str] | None:
    """(job id, result) of the first job whose id contains any of the needles."""
    if ctx.act is None:
        return None
    for job_id, job in ctx.act.jobs.items():
        if any(n in job_id for n in needles):
            return job_id, job.result
    return None


def gate_expected(ctx: PromoteContext) -> bool | None:
    if ctx.model_accuracy is None:
        return None
    return ctx.model_accuracy >= ctx.baseline_accuracy - GATE_TOLERANCE


@GATES.check("gate.metric")
def gate_metric(ctx: PromoteContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    expected = gate_expected(ctx)
    if expected is None:
        return failed(ctx.model_problem or "no model artifact could be scored")
    validate = job_result(ctx, "validate", "gate")
    build = job_result(ctx, "build")
    acc = f"held-out accuracy {ctx.model_accuracy:.3f} vs baseline {ctx.baseline_accuracy:.3f}"
    if validate is None:
        return failed(f"{acc}; no validate job ran")
    if expected:
        if validate[1] == "success":
            return passed(f"{acc}: gate passed the model, as it should")
        return failed(f"{acc}: the model is good enough but `{validate[0]}` {validate[1]}")
    if validate[1] == "success":
        return failed(f"{acc}: a worse model passed `{validate[0]}`")
    if build is not None and build[1] == "success":
        return failed(f"{acc}: the gate failed but `{build[0]}` still built the image")
    return passed(f"{acc}: the gate stopped the worse model, nothing was built")


@GATES.check("deploy.dev")
def deploy_dev(ctx: PromoteContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    if gate_expected(ctx) is False:
        dev = ctx.final_images.get("dev", {})
        if ctx.new_image in dev.values():
            return failed("a model that failed the gate reached dev")
        return passed("the model failed the gate, so dev was rightly left alone")
    dev = ctx.final_images.get("dev", {})
    if ctx.new_image not in dev.values():
        return failed(
            _why(ctx, "dev", f"dev runs {sorted(dev.values()) or 'nothing'}, not {ctx.new_image}")
        )
    if ctx.dev_health != "ok":
        return failed(_why(ctx, "dev", f"dev.iris.local: {ctx.dev_health}"))
    return passed(
        f"dev runs {ctx.new_image.rsplit(':', 1)[-1][:19]} and answers through the ingress"
    )


@GATES.check("gate.approval")
def gate_approval(ctx: PromoteContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    if not ctx.gated_jobs:
        return failed("no job is bound to a protected environment, so nothing waited for approval")
    waiting = [f"`{j}` ({e})" for j, e in ctx.gated_jobs.items() if e not in ctx.approvals]
    approved = [
        f"`{j}` ({e}, approved by {ctx.approvals[e]})"
        for j, e in ctx.gated_jobs.items()
        if e in ctx.approvals
    ]
    if waiting:
        return skipped(
            "waiting for approval: "
            + ", ".join(waiting)
            + "; approve with --approve "
            + " --approve ".join(
                sorted({e for e in ctx.gated_jobs.values() if e not in ctx.approvals})
            )
        )
    return passed("ran with approval: " + ", ".join(approved))


def _canary_ready(ctx: PromoteContext) -> Outcome | None:
    if (problem := _ran(ctx)) is not None:
        return problem
    if gate_expected(ctx) is False:
        return skipped("the model failed the metric gate: no canary was due")
    if "staging" not in ctx.approvals and "staging" in ctx.gated_jobs.values():
        return skipped("the staging job waits for approval")
    if ctx.canary is None:
        detail = f" (last error: {ctx.canary_error})" if ctx.canary_error else ""
        return failed(
            _why(
                ctx,
                "staging",
                "no live canary (0 < weight < 100, answering) was seen in staging" + detail,
            )
        )
    return None


@CANARY.check("canary.split")
def canary_split(ctx: PromoteContext) -> Outcome:
    if (problem := _canary_ready(ctx)) is not None:
        return problem
    assert ctx.canary is not None
    verdict = ctx.canary.split
    if verdict.weight > 0.5:
        return failed(verdict.describe() + ": more than half the traffic is not a canary")
    if not verdict.inside:
        return failed(verdict.describe())
    return passed(verdict.describe())


@CANARY.check("canary.header-routing")
def header_routing(ctx: PromoteContext) -> Outcome:
    if (problem := _canary_ready(ctx)) is not None:
        return problem
    assert ctx.canary is not None
    obs = ctx.canary
    always = obs.header_always.count(obs.canary_service)
    never = obs.header_never.count(obs.canary_service)
    n_always, n_never = len(obs.header_always.samples), len(obs.header_never.samples)
    message = (
        f"{obs.header_name}: always → {always}/{n_always} canary, never → {never}/{n_never} canary"
    )
    if n_always == 0 or always != n_always or never != 0:
        return failed(message)
    return passed(message)


@CANARY.check("canary.analysis")
def canary_analysis(ctx: PromoteContext) -> Outcome:
    if (problem := _canary_ready(ctx)) is not None:
        return problem
    assert ctx.canary is not None
    decision = ctx.canary.decisions[-1]
    staging = job_result(ctx, "staging")
    record = (
        f"harness analysis: {decision.verdict} ({decision.reason}, "
        f"{decision.requests} canary requests)"
    )
    if staging is None:
        return failed(record + "; no staging job result")
    if decision.verdict == "promote" and staging[1] != "success":
        return failed(record + f"; but `{staging[0]}` {staging[1]}")
    if decision.verdict == "rollback" and staging[1] == "success":
        return failed(record + f"; but `{staging[0]}` promoted it anyway")
    return passed(record + f"; `{staging[0]}` {staging[1]}")


def _prod_expected(ctx: PromoteContext) -> bool:
    return (
        gate_expected(ctx) is True
        and ctx.canary is not None
        and ctx.canary.decisions[-1].verdict == "promote"
        and "production" in ctx.approvals
    )


@OUTCOME.check("deploy.prod")
def deploy_prod(ctx: PromoteContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    prod = ctx.final_images.get("prod", {})
    running = sorted(set(prod.values()))
    if _prod_expected(ctx):
        if running != [ctx.new_image]:
            return failed(_why(ctx, "prod", f"prod runs {running}, expected only {ctx.new_image}"))
        if ctx.prod_health != "ok":
            return failed(_why(ctx, "prod", f"prod.iris.local: {ctx.prod_health}"))
        return passed("prod serves the new version with all the traffic")
    if ctx.new_image in running:
        return failed("the new version reached prod without passing every gate")
    if "production" not in ctx.approvals and gate_expected(ctx) and ctx.canary:
        return skipped("the production job waits for approval; prod is unchanged")
    return passed(f"prod still runs {running or 'the previous version'}: the new one was held back")


@OUTCOME.check("rollback.canary")
def rollback_canary(ctx: PromoteContext) -> Outcome:
    if (problem := _ran(ctx)) is not None:
        return problem
    if ctx.final_canary is None:
        return passed("staging has no canary Ingress")
    notes = ctx.final_canary["metadata"].get("annotations") or {}
    weight = notes.get(WEIGHT_ANNOTATION, "0")
    if str(weight) in ("0", ""):
        return passed("staging's canary Ingress is at weight 0")
    return failed(f"staging's canary still takes {weight}% of the traffic")
