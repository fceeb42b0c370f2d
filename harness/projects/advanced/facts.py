"""Advanced, the facts its stages gather: the canary plan tier against a cluster of its own,
current production (v1) put in place, the gated pipeline run with the canary measured live,
and the environments' final state; then the decisions for the report."""

from __future__ import annotations

import shutil

import httpx

from harness import engine
from harness.errors import KataError
from harness.pipeline import Run, run_workflows
from harness.services import (
    TERRAFORM,
    BaseImageService,
    ClusterService,
    QuietService,
    RegistryService,
    ServiceSet,
    TerraformService,
    terraform_env,
)
from world.cluster import LocalClusterStandIn

from .gates import apply_gates, describe_gate
from .predeploy import IMAGE_NAME, build_baseline, predeploy
from .runtime_checks import (
    HOSTS,
    NAMESPACES,
    CanaryWatcher,
    KubeApi,
    PromoteContext,
    canary_of,
    images,
)
from .scoring import score_model
from .tf_checks import TfContext


class PlanCluster(QuietService):
    """A cluster stand-in of the plan tier's own: Terraform plans against its API."""

    name = "plan cluster"

    def __init__(self, run: Run) -> None:
        self.cluster = LocalClusterStandIn(f"{run.report.run_id}p", run.workdir / "plan-cluster")

    def start(self) -> None:
        self.cluster.start()

    def stop(self) -> list[str]:
        self.cluster.stop()
        return []


def terraform_tier(run: Run, services: ServiceSet) -> TfContext:
    options, workdir = run.options, run.workdir
    scratch = workdir / "tf-check"
    problem = TERRAFORM.missing() or ""
    status = engine.engine_status()
    if not problem and not status.available:
        problem = f"planning against the cluster stand-in needs a Docker engine: {status.reason}"
    if problem:
        return TfContext(scratch, {}, problem)
    shutil.copytree(
        options.project_dir,
        scratch,
        ignore=shutil.ignore_patterns(".git", ".terraform", "*.tfstate*"),
    )
    with run.stages.timed("terraform setup"):
        cluster = services.start(PlanCluster(run)).cluster
        tfenv = terraform_env(workdir / "tf-static", "http://127.0.0.1:9", kubernetes=True)
        env = tfenv.full_env()
        env["KUBE_CONFIG_PATH"] = str(cluster.kubeconfig_path)
        run.report.stack["terraform"] = tfenv.describe().split(" against")[0]
    return TfContext(scratch, env, problem)


def current_production(run: Run) -> None:
    """v1 into staging and prod through the learner's Terraform (or the reason it failed)."""
    ctx: PromoteContext = run.ctx
    assert run.sandbox is not None
    registry = run.service(RegistryService).registry
    tfenv = run.service(TerraformService).tfenv
    assert tfenv is not None
    with run.stages.timed("baseline v1"):
        try:
            ctx.stable_image, ctx.baseline_accuracy = build_baseline(
                registry, run.service(BaseImageService).name_or_empty, run.workdir
            )
            env = tfenv.full_env({**tfenv.env(), **run.service(ClusterService).exposes().env})
            predeploy(run.sandbox.repo, run.workdir, env, registry, ctx.stable_image)
        except (KataError, OSError) as exc:
            ctx.prepare_problem = (
                f"staging and prod could not be prepared with v1 through your Terraform: {exc}"
            )
    ctx.new_image = f"{registry.address}/{IMAGE_NAME}:sha-{run.sandbox.sha}"


def _health(ingress_url: str, host: str) -> str:
    try:
        resp = httpx.get(f"{ingress_url}/health", headers={"Host": host}, timeout=5)
    except httpx.HTTPError as exc:
        return f"no answer ({type(exc).__name__})"
    return "ok" if resp.status_code == 200 else f"GET /health answered {resp.status_code}"


def run_pipeline(run: Run) -> None:
    """Gates applied, the workflow run with a canary watcher, the model scored, and the
    final state of every environment read back from the cluster."""
    ctx: PromoteContext = run.ctx
    assert run.sandbox is not None
    if ctx.prepare_problem:
        run.console.line(f"   {ctx.prepare_problem}")
        return
    ctx.gated_jobs = apply_gates(run.sandbox.repo, ctx.approvals)
    for job, env in ctx.gated_jobs.items():
        run.console.line("   gate: " + describe_gate(job, env, ctx.approvals))
    service = run.service(ClusterService)
    assert service.cluster is not None and service.connection is not None
    api = KubeApi(service.connection)
    variables = {
        "IMAGE_NAME": IMAGE_NAME,
        "INGRESS_URL": ctx.ingress_url,
        "STABLE_IMAGE": ctx.stable_image,
        "BASELINE_ACCURACY": f"{ctx.baseline_accuracy:.4f}",
    }
    fired = run_workflows(
        run,
        ctx,
        variables=variables,
        extra_labels=frozenset({"gpu", "self-hosted"}),
        watch=CanaryWatcher(ctx, api),
    )
    if not fired:
        return
    score_model(ctx, run.sandbox.repo)
    with run.stages.timed("final state"):
        service.cluster.wait_synced()
        for env_name, ns in NAMESPACES.items():
            ctx.final_images[env_name] = images(api.deployments(ns))
        ctx.final_canary = canary_of(api.ingresses(NAMESPACES["staging"]))[1]
        ctx.dev_health = _health(ctx.ingress_url, HOSTS["dev"])
        ctx.prod_health = _health(ctx.ingress_url, HOSTS["prod"])
        ctx.warnings = {env: service.cluster.warnings(ns) for env, ns in NAMESPACES.items()}


def record_decisions(run: Run) -> None:
    """The decisions in words, and the same facts as data for the run page."""
    ctx: PromoteContext = run.ctx
    record = run.report.decisions
    facts = run.report.facts
    facts["gates"] = [
        {"job": job, "environment": env, "approved_by": ctx.approvals.get(env, "")}
        for job, env in ctx.gated_jobs.items()
    ]
    for job, env in ctx.gated_jobs.items():
        who = ctx.approvals.get(env)
        record.append(
            f"gate {env}: job `{job}` " + (f"approved by {who}" if who else "waits for approval")
        )
    if ctx.canary is not None:
        facts["canary"] = ctx.canary.facts()
    if ctx.model_accuracy is not None:
        record.append(
            f"metric gate: held-out accuracy {ctx.model_accuracy:.3f}, baseline "
            f"{ctx.baseline_accuracy:.3f} (tolerance 0.02)"
        )
    if ctx.canary is not None:
        record.append(f"canary split: {ctx.canary.split.describe()}")
        record += [
            f"canary analysis {d.iteration}: {d.verdict} ({d.reason}, {d.requests} requests)"
            for d in ctx.canary.decisions
        ]
