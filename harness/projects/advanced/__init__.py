"""Advanced project: "Multi-environment, gated ML deployment pipeline".

A push to `dev` trains (GPU runner label, CPU fallback), passes a metric gate, builds and
deploys to dev; a job bound to the `staging` environment (approval required) runs the new
version as a canary beside the current one; the canary is measured and analysed; the
`production` job shifts all traffic, or the canary is rolled back. Kubernetes is the local
cluster stand-in (real nginx for the Ingress canary) or, with `--cluster kind`, a kind
cluster with ingress-nginx; Terraform state lives in S3 on moto.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import yaml

from harness import act_runner, engine
from harness.errors import KataError
from harness.redact import Redactor
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options, Stages, sigterm_as_interrupt
from harness.sandbox import make_sandbox, new_run_id
from harness.static.context import StaticContext
from harness.teardown import tear_down_run
from harness.terraform import runner as tf
from harness.terraform.overrides import backend_config_args
from world import base_image
from world.aws.moto_process import MotoProcessEmulator
from world.cluster import ClusterBackend, LocalClusterStandIn, open_cluster
from world.registry import REGISTRY_FIX, LocalRegistry
from world.terraform.k8s_provider.client import Connection
from world.terraform.k8s_provider.config import resolve
from world.terraform.mirror import TerraformEnv

from .runtime_checks import (
    CANARY,
    GATES,
    HOSTS,
    NAMESPACES,
    OUTCOME,
    PIPELINE,
    CanaryWatcher,
    KubeApi,
    PromoteContext,
    canary_of,
    images,
)
from .static_checks import PROTECTED, STATIC, environment_of
from .tf_checks import TERRAFORM, TfContext

NAME = "advanced"
TITLE = "Advanced: gated multi-environment promotion with a measured canary"
RUNTIME = [("pipeline", PIPELINE), ("gates", GATES), ("canary", CANARY), ("outcome", OUTCOME)]
HERE = Path(__file__).parent
BASELINE_APP = HERE / "baseline_app"
HOLDOUT = HERE.parent / "beginner" / "holdout.csv"
STATE_BUCKET = "kata-tfstate"
IMAGE_NAME = "kata/iris-api"


def all_check_ids() -> list[str]:
    return STATIC.ids() + TERRAFORM.ids() + [i for _, c in RUNTIME for i in c.ids()]


def grade(options: Options, console: Console) -> Report:
    run_id = new_run_id()
    report = Report(project=NAME, path=str(options.project_dir), run_id=run_id)
    stages = Stages(report, console)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=f"kata-{run_id}-"))
    try:
        console.banner(TITLE, {"project": str(options.project_dir), "run": run_id}, [])
        console.stage("static checks")
        stages.run("static", STATIC, StaticContext(options.project_dir))
        with sigterm_as_interrupt():
            console.stage("terraform (validate, canary plan)")
            _terraform_tier(options, stages, report, workdir)
            if options.static_only:
                for _, checks in RUNTIME:
                    stages.skip(checks, "static tier only (--static-only)")
            else:
                _run_pipeline(options, console, stages, report, workdir)
    finally:
        if not options.keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        report.duration_s = time.monotonic() - started
    return report


def _tf_env(workdir: Path, endpoint: str, kubeconfig: Path | None) -> TerraformEnv:
    from world.terraform.mirror import install_k8s_stand_in, write_cli_config

    tfenv = TerraformEnv.prepare(workdir, endpoint, offline=True)
    install_k8s_stand_in(workdir / "mirror")
    tfenv.cli_config = write_cli_config(workdir / "terraform.rc", workdir / "mirror", offline=True)
    return tfenv


def _terraform_tier(options: Options, stages: Stages, report: Report, workdir: Path) -> None:
    problem = ""
    try:
        tf.find_terraform()
    except tf.TerraformError as exc:
        problem = str(exc)
    status = engine.engine_status()
    if not problem and not status.available:
        problem = f"planning against the cluster stand-in needs a Docker engine: {status.reason}"
    scratch = workdir / "tf-check"
    with ExitStack() as stack:
        env: dict[str, str] = {}
        if not problem:
            shutil.copytree(
                options.project_dir,
                scratch,
                ignore=shutil.ignore_patterns(".git", ".terraform", "*.tfstate*"),
            )
            with stages.timed("terraform setup"):
                client = engine.client()
                stack.callback(client.close)
                cluster = stack.enter_context(
                    LocalClusterStandIn(client, f"{report.run_id}p", workdir / "plan-cluster")
                )
                tfenv = _tf_env(
                    workdir / "tf-static", "http://127.0.0.1:9", cluster.kubeconfig_path
                )
                env = tfenv.full_env()
                env["KUBE_CONFIG_PATH"] = str(cluster.kubeconfig_path)
                report.stack["terraform"] = tfenv.describe().split(" against")[0]
        stages.run("terraform", TERRAFORM, TfContext(scratch, env, problem))


def _skip_runtime(stages: Stages, reason: str) -> None:
    for _, checks in RUNTIME:
        stages.skip(checks, reason)


def parse_approvals(options: Options) -> dict[str, str]:
    """environment -> who approved, from --approve and --approvals FILE (YAML or JSON)."""
    approvals = {env: options.approved_by for env in options.approve}
    if options.approvals_file is not None:
        try:
            data = yaml.safe_load(options.approvals_file.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise KataError(
                f"cannot read the approvals file {options.approvals_file}: {exc}"
            ) from exc
        for env, value in dict(data).items():
            who = value.get("approved_by") if isinstance(value, dict) else value
            approvals[str(env)] = str(who or "approvals file")
    return approvals


def apply_gates(repo: Path, approvals: dict[str, str]) -> dict[str, str]:
    """Hold every job bound to a protected environment that has no approval (act would run
    it regardless): the job gets `if: ${{ false }}` in the run's working copy, so it and its
    dependents are skipped, the way GitHub keeps them waiting. Returns job -> environment.
    The edit is textual, so the rest of the file (comments, `on:`) stays exactly as written."""
    gated: dict[str, str] = {}
    aliases = {alias: name for name, names in PROTECTED.items() for alias in names}
    for path in sorted((repo / ".github" / "workflows").glob("*.y*ml")):
        text = path.read_text()
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            continue
        lines = text.splitlines(keepends=True)
        for job_id, job in (data.get("jobs") or {}).items():
            env = aliases.get(environment_of(job) if isinstance(job, dict) else "")
            if env is None:
                continue
            gated[str(job_id)] = env
            if env not in approvals:
                lines = _hold_job(lines, str(job_id))
        path.write_text("".join(lines))
    return gated


def _hold_job(lines: list[str], job_id: str) -> list[str]:
    header = re.compile(rf"^(\s+){re.escape(job_id)}:\s*(#.*)?$")
    for i, line in enumerate(lines):
        match = header.match(line.rstrip("\n"))
        if not match:
            continue
        indent = match.group(1) + "  "
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith(indent)):
            if re.match(rf"^{indent}if:", lines[j]):
                return [*lines[:j], f"{indent}if: ${{{{ false }}}}\n", *lines[j + 1 :]]
            j += 1
        return [*lines[: i + 1], f"{indent}if: ${{{{ false }}}}\n", *lines[i + 1 :]]
    return lines


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise KataError(tf.readable(proc.stderr or proc.stdout)[-800:])


def _build_baseline(client: Any, registry: LocalRegistry, base: str) -> tuple[str, float]:
    ref = f"{registry.address}/{IMAGE_NAME}:v1"
    client.images.build(path=str(BASELINE_APP), tag=ref, buildargs={"BASE_IMAGE": base}, rm=True)
    creds = registry.credentials
    for line in client.images.push(
        ref,
        auth_config={"username": creds.username, "password": creds.password},
        stream=True,
        decode=True,
    ):
        if "error" in line:
            raise KataError(f"pushing the baseline image failed: {line['error']}")
    metrics = json.loads((BASELINE_APP / "model" / "metrics.json").read_text())
    return ref, float(metrics.get("holdout_accuracy", metrics["accuracy"]))


def _predeploy(
    repo: Path, workdir: Path, env: dict[str, str], registry: LocalRegistry, stable: str
) -> None:
    """Put v1 into staging and prod with the learner's own Terraform, into the same remote
    state the pipeline will continue from: the "current production" the canary replaces."""
    copy = workdir / "predeploy"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git"))
    creds = registry.credentials
    common = [
        "-var",
        f"registry_server={registry.address}",
        "-var",
        f"registry_username={creds.username}",
        "-var",
        f"registry_password={creds.password}",
    ]
    plans = {
        "staging": [
            "-var",
            f"stable_image={stable}",
            "-var",
            "canary_image=",
            "-var",
            "canary_weight=0",
        ],
        "prod": ["-var", f"image={stable}"],
    }
    for name, extra in plans.items():
        folder = copy / "env" / name
        _run([tf.find_terraform(), "init", "-input=false", "-no-color"], folder, env)
        _run(
            [
                tf.find_terraform(),
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                *common,
                *extra,
            ],
            folder,
            env,
        )


def _score_model(ctx: PromoteContext, repo: Path) -> None:
    from world.actions.artifacts import artifact_files, artifact_names

    root = ctx.artifacts_dir
    if root is None or "model" not in artifact_names(root):
        ctx.model_problem = "no `model` artifact was uploaded"
        return
    files = artifact_files(root, "model")
    npz = [p for rel, p in files.items() if rel.endswith(".npz")]
    if not npz:
        ctx.model_problem = "the `model` artifact holds no .npz file"
        return
    script = (
        "import csv, json, sys; sys.path.insert(0, sys.argv[1]); from model import NumpyMLP\n"
        "rows = list(csv.DictReader(open(sys.argv[3])))\n"
        "y = [r.pop('species') for r in rows]; X = [[float(v) for v in r.values()] for r in rows]\n"
        "p = NumpyMLP.from_npz(sys.argv[2]).predict(X)\n"
        "print(json.dumps({'accuracy': sum(a == b for a, b in zip(p, y)) / len(y)}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(repo / "src"), str(npz[0]), str(HOLDOUT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        ctx.model_accuracy = float(json.loads(proc.stdout.strip().splitlines()[-1])["accuracy"])
    except (ValueError, IndexError, KeyError):
        ctx.model_problem = f"the model could not be scored: {proc.stderr.strip()[-300:]}"


def _health(ingress_url: str, host: str) -> str:
    try:
        resp = httpx.get(f"{ingress_url}/health", headers={"Host": host}, timeout=5)
    except httpx.HTTPError as exc:
        return f"no answer ({type(exc).__name__})"
    return "ok" if resp.status_code == 200 else f"GET /health answered {resp.status_code}"


def _run_pipeline(
    options: Options, console: Console, stages: Stages, report: Report, workdir: Path
) -> None:
    status = engine.engine_status()
    if not status.available:
        _skip_runtime(stages, f"needs a Docker engine: {status.reason}; fix: {status.fix}")
        return
    if not LocalRegistry.available():
        _skip_runtime(stages, f"needs the local registry binary; fix: {REGISTRY_FIX}")
        return
    client = engine.client()
    registry: LocalRegistry | None = None
    emulator = MotoProcessEmulator()
    cluster: ClusterBackend | None = None
    try:
        with ExitStack() as stack:
            with stages.timed("setup"):
                base = base_image.ensure_base_image(client)
                registry = stack.enter_context(LocalRegistry(workdir / "registry"))
                emulator.start()
                stack.callback(emulator.stop)
                emulator.ensure_bucket(STATE_BUCKET)
                cluster = open_cluster(
                    options.cluster,
                    client,
                    report.run_id,
                    workdir / "cluster",
                    registry=registry.address,
                )
                stack.callback(cluster.stop)
                cluster.start()
                branch = options.branch or "dev"
                sandbox = make_sandbox(
                    options.project_dir, workdir, report.run_id, branch=branch, level=NAME
                )
                tfenv = _tf_env(workdir / "tf-run", emulator.endpoint, cluster.kubeconfig_path)
                init_args = [
                    a
                    for a in backend_config_args(
                        STATE_BUCKET, "unused", emulator.region, emulator.endpoint
                    )
                    if not a.startswith("-backend-config=key=")
                ]
                tfenv.init_args = tuple(init_args)
                tf_env = {**tfenv.env(), "KUBE_CONFIG_PATH": str(cluster.kubeconfig_path)}
            report.stack.update(
                {
                    "engine": f"Docker {status.version}",
                    "registry": f"{registry.address} (CNCF distribution, basic auth)",
                    "cluster": cluster.describe(),
                    "state": f"S3 on moto at {emulator.endpoint}",
                    "terraform": tfenv.describe().split(" against")[0],
                    "runner": "act, host mode; `gpu` label mapped to the host "
                    + (
                        "(CUDA present)"
                        if shutil.which("nvidia-smi")
                        else "(no CUDA: CPU fallback)"
                    ),
                }
            )
            report.stand_ins += [
                f"local registry {registry.address} stands in for Docker Hub",
                *(
                    [
                        "a local Kubernetes stand-in (Deployments as containers, real nginx "
                        "Ingress with ingress-nginx canary annotations) stands in for the cluster"
                    ]
                    if cluster.is_stand_in
                    else []
                ),
                "hashicorp/kubernetes: offline stand-in provider",
                "moto stands in for the S3 state backend",
            ]
            for part in ("cluster", "state", "runner"):
                console.line(f"   {part:<10} {report.stack[part]}")
            ctx = PromoteContext(sandbox=sandbox, workdir=workdir, ingress_url=cluster.ingress_url)
            ctx.approvals = parse_approvals(options)
            with stages.timed("baseline v1"):
                try:
                    ctx.stable_image, ctx.baseline_accuracy = _build_baseline(
                        client, registry, base.name
                    )
                    _predeploy(
                        sandbox.repo, workdir, tfenv.full_env(tf_env), registry, ctx.stable_image
                    )
                except KataError as exc:
                    ctx.prepare_problem = (
                        "staging and prod could not be prepared with v1 through your "
                        f"Terraform: {exc}"
                    )
            ctx.new_image = f"{registry.address}/{IMAGE_NAME}:sha-{sandbox.sha}"
            kube = _kube_connection(cluster)
            redact = Redactor([registry.credentials.password, kube.token or ""])
            _pipeline_stage(
                options, console, stages, ctx, registry, base.name, tf_env, cluster, kube, redact
            )
    finally:
        with stages.timed("teardown"):
            address = registry.address if registry else ""
            pids = [p for p in (registry.pid if registry else None, emulator.pid) if p]
            leftover = cluster.leftovers() if cluster is not None else []
            report.teardown = tear_down_run(
                client,
                report.run_id,
                address,
                pids,
                cache_as=NAME,
                problems=[f"cluster: {item}" for item in leftover],
            )
            client.close()


def _pipeline_stage(
    options: Options,
    console: Console,
    stages: Stages,
    ctx: PromoteContext,
    registry: LocalRegistry,
    base: str,
    tf_env: dict[str, str],
    cluster: ClusterBackend,
    kube: Connection,
    redact: Redactor,
) -> None:
    console.stage("pipeline (act)")
    if ctx.prepare_problem:
        console.line(f"   {ctx.prepare_problem}")
        for name, checks in RUNTIME:
            stages.run(name, checks, ctx)
        return
    ctx.gated_jobs = apply_gates(ctx.sandbox.repo, ctx.approvals)
    for job, env in ctx.gated_jobs.items():
        who = ctx.approvals.get(env)
        console.line(
            f"   gate: job `{job}` ({env}) "
            + (f"approved by {who}" if who else "waits for approval")
        )
    firing = act_runner.firing_workflows(ctx.sandbox)
    if not firing:
        ctx.not_run_reason = f"no workflow runs on a push to {ctx.sandbox.branch}"
        for name, checks in RUNTIME:
            stages.run(name, checks, ctx)
        return
    inputs, unsupported = act_runner.registry_run(
        ctx.sandbox,
        firing,
        registry,
        workdir=ctx.workdir,
        variables={
            "IMAGE_NAME": IMAGE_NAME,
            "BASE_IMAGE": base,
            "INGRESS_URL": ctx.ingress_url,
            "STABLE_IMAGE": ctx.stable_image,
            "BASELINE_ACCURACY": f"{ctx.baseline_accuracy:.4f}",
        },
        env=tf_env,
        timeout_s=options.act_timeout_s,
        extra_labels=frozenset({"gpu", "self-hosted"}),
    )
    if unsupported:
        console.line("   no offline stand-in for: " + ", ".join(unsupported))
    api = KubeApi(kube)
    with stages.timed("act run"), CanaryWatcher(ctx, api):
        ctx.act = act_runner.run_act(ctx.sandbox, inputs, redact, progress=console.progress)
    ctx.artifacts_dir = act_runner.artifact_dir(ctx.workdir)
    _score_model(ctx, ctx.sandbox.repo)
    with stages.timed("final state"):
        cluster.wait_synced()
        for env_name, ns in NAMESPACES.items():
            ctx.final_images[env_name] = images(api.deployments(ns))
        ctx.final_canary = canary_of(api.ingresses(NAMESPACES["staging"]))[1]
        ctx.dev_health = _health(ctx.ingress_url, HOSTS["dev"])
        ctx.prod_health = _health(ctx.ingress_url, HOSTS["prod"])
        ctx.warnings = {env: cluster.warnings(ns) for env, ns in NAMESPACES.items()}
    for name, checks in RUNTIME:
        console.stage(name)
        stages.run(name, checks, ctx)
    record = stages.report.decisions
    for job, env in ctx.gated_jobs.items():
        who = ctx.approvals.get(env)
        record.append(
            f"gate {env}: job `{job}` " + (f"approved by {who}" if who else "waits for approval")
        )
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


def _kube_connection(cluster: ClusterBackend) -> Connection:
    """Server, token and cluster CA, read from the cluster's kubeconfig the way the
    hashicorp/kubernetes stand-in reads it (both backends write a token kubeconfig)."""
    return resolve({"config_path": str(cluster.kubeconfig_path)}, env={}).connection
