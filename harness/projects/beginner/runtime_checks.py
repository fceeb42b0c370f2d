"""Beginner, runtime tiers: what the pipeline really produced, inspected for real.

pipeline: the act run itself; model: the artifact the training job uploaded; image: what the
registry holds and what the image contains; container: the API answering on a real port.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from harness.act_results import ActRun
from harness.checks import CheckList, Outcome, failed, passed, skipped
from harness.manifest import load_manifest
from harness.projects import common
from harness.projects.common import CANONICAL
from harness.sandbox import Sandbox
from world.actions.artifacts import artifact_files, artifact_names
from world.registry import ImageRecord, LocalRegistry

from . import health as docker_health
from .evaluate import load_rows

HERE = Path(__file__).parent
HOLDOUT = common.IRIS_HOLDOUT
IMAGE_NAME = "kata/iris-api"
MIN_ACCURACY = 0.90
SIZE_BUDGET_MB = 600
LATENCY_BUDGET_MS = 500
MODEL_SUFFIXES = (".joblib", ".pkl", ".pickle")
MAX_INSTANCES = 1000  # the API contract's limit (exercises/beginner/README.md)
ROW = [5.1, 3.5, 1.4, 0.2]
JSON = "application/json"


@dataclass(frozen=True)
class Malformed:
    """One body the API contract calls malformed: it must get a 4xx, never a 2xx or a 500."""

    name: str
    body: str | bytes
    content_type: str = JSON


def _body(instances: object) -> str:
    """`json.dumps` as Python writes it: NaN and Infinity become the bare tokens `NaN`,
    `Infinity` and `-Infinity`, which many JSON parsers (Starlette's too) accept."""
    return json.dumps({"instances": instances})


MALFORMED: list[Malformed] = [
    Malformed("missing `instances`", json.dumps({"features": [ROW]})),
    Malformed("empty list", _body([])),
    Malformed("`instances` not a list", _body("5.1,3.5,1.4,0.2")),
    Malformed("a row that is not a list", _body(ROW)),
    Malformed("3 features instead of 4", _body([ROW[:3]])),
    Malformed("5 features instead of 4", _body([[*ROW, 0.1]])),
    Malformed('numbers as strings ("5.1")', _body([[str(v) for v in ROW]])),
    Malformed("words instead of numbers", _body([["a", "b", "c", "d"]])),
    Malformed("null", _body([[None, 3.5, 1.4, 0.2]])),
    Malformed("NaN", _body([[float("nan"), 3.5, 1.4, 0.2]])),
    Malformed("Infinity", _body([[float("inf"), 3.5, 1.4, 0.2]])),
    Malformed("-Infinity", _body([[5.1, float("-inf"), 1.4, 0.2]])),
    Malformed(f"too many rows ({MAX_INSTANCES + 1})", _body([ROW] * (MAX_INSTANCES + 1))),
    Malformed("wrong content type (text/plain)", _body([ROW]), "text/plain"),
    Malformed("form data", b"instances=5.1,3.5,1.4,0.2", "application/x-www-form-urlencoded"),
    Malformed("not JSON", b"sepal_length=5.1"),
]


@dataclass
class RunContext:
    sandbox: Sandbox
    workdir: Path
    registry: LocalRegistry | None = None
    act: ActRun | None = None
    artifacts_dir: Path | None = None
    image_repository: str = IMAGE_NAME
    records: dict[str, ImageRecord] = field(default_factory=dict)
    local_image: str | None = None
    image_attrs: dict[str, Any] = field(default_factory=dict)
    image_files: list[str] = field(default_factory=list)
    base_url: str | None = None
    container_logs: str = ""
    container_problem: str = ""
    health: docker_health.HealthObservation | None = None  # Docker's, when a HEALTHCHECK exists
    not_run_reason: str = ""
    _model_eval: dict[str, Any] | None = None


MANIFEST = load_manifest("beginner")
PIPELINE = CheckList[RunContext](MANIFEST)
common.register(PIPELINE, "pipeline.act-run")
MODEL = CheckList[RunContext](MANIFEST)
IMAGE = CheckList[RunContext](MANIFEST)
CONTAINER = CheckList[RunContext](MANIFEST)


# --- pipeline -------------------------------------------------------------------------------


# --- model artifact -------------------------------------------------------------------------


def _model_files(ctx: RunContext) -> list[tuple[str, Path]]:
    """(artifact name/relative path, file) for every model file in any artifact of the run."""
    root = ctx.artifacts_dir
    if root is None or not root.is_dir():
        return []
    found = []
    for name in artifact_names(root):
        try:
            files = artifact_files(root, name)
        except (OSError, zipfile.BadZipFile):
            continue
        found += [
            (f"{name}/{rel}", path) for rel, path in files.items() if path.suffix in MODEL_SUFFIXES
        ]
    return sorted(found)


@MODEL.check("model.artifact")
def model_artifact(ctx: RunContext) -> Outcome:
    if ctx.act is None:
        return skipped("the workflow was not run")
    files = _model_files(ctx)
    if not files:
        return failed("no artifact of this run holds a .joblib/.pkl model file")
    shown = ", ".join(rel for rel, _ in files[:3])
    return passed(f"model in artifact: {shown}")


def _evaluate(ctx: RunContext, model: Path) -> dict[str, Any]:
    if ctx._model_eval is None:
        proc = subprocess.run(
            [sys.executable, "-m", "harness.projects.beginner.evaluate", str(model), str(HOLDOUT)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        try:
            ctx._model_eval = json.loads(proc.stdout.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            ctx._model_eval = {"error": (proc.stderr.strip() or "no output")[-400:]}
    return ctx._model_eval


@MODEL.check("model.accuracy")
def model_accuracy(ctx: RunContext) -> Outcome:
    files = _model_files(ctx)
    if not files:
        return skipped("no model artifact to score")
    result = _evaluate(ctx, files[0][1])
    if "error" in result:
        return failed(f"the model could not be loaded and scored: {result['error']}")
    accuracy = float(result["accuracy"])
    message = f"held-out accuracy {accuracy:.3f} on {result['n']} rows ({result['model']})"
    if accuracy < MIN_ACCURACY:
        return failed(message + f", below {MIN_ACCURACY:.2f}", accuracy=accuracy)
    return passed(message, accuracy=accuracy)


# --- image in the registry ------------------------------------------------------------------


def sha_tags(ctx: RunContext) -> set[str]:
    sha = ctx.sandbox.sha
    return {sha, sha[:7], f"sha-{sha[:7]}", f"sha-{sha}"}


@IMAGE.check("image.tags")
def image_tags(ctx: RunContext) -> Outcome:
    if ctx.registry is None:
        return skipped("no registry was running")
    repos = ctx.registry.repositories()
    if ctx.image_repository not in repos:
        found = ", ".join(repos) or "nothing"
        return failed(
            f"{ctx.registry.address}/{ctx.image_repository} not found; the registry holds {found}"
        )
    tags = set(ctx.registry.tags(ctx.image_repository))
    has_sha = bool(tags & sha_tags(ctx))
    has_latest = "latest" in tags
    shown = ", ".join(sorted(tags))
    if has_sha and has_latest:
        return passed(f"tags: {shown}")
    missing = [name for name, ok in (("the commit SHA", has_sha), ("latest", has_latest)) if not ok]
    return failed(f"tags: {shown}; missing {' and '.join(missing)}", credit=0.5 if tags else 0.0)


def _record(ctx: RunContext) -> ImageRecord | None:
    return ctx.records.get("latest") or next(iter(ctx.records.values()), None)


@IMAGE.check("image.labels")
def image_labels(ctx: RunContext) -> Outcome:
    record = _record(ctx)
    if record is None:
        return skipped("no image of this run in the registry")
    labels = record.labels
    want = {
        "org.opencontainers.image.revision": ctx.sandbox.sha,
        "org.opencontainers.image.source": None,
        "org.opencontainers.image.created": None,
    }
    problems = []
    for key, value in want.items():
        if key not in labels:
            problems.append(f"{key} missing")
        elif value is not None and labels[key] != value:
            problems.append(f"{key} is {labels[key]!r}, not this commit")
    if problems:
        return failed("; ".join(problems), credit=(3 - len(problems)) / 3)
    return passed(
        f"revision {labels['org.opencontainers.image.revision'][:7]}, source "
        f"{labels['org.opencontainers.image.source']}"
    )


@IMAGE.check("image.model-inside")
def image_model_inside(ctx: RunContext) -> Outcome:
    if ctx.local_image is None:
        return skipped("no image of this run could be pulled")
    models = [f for f in ctx.image_files if f.endswith(MODEL_SUFFIXES) and "-packages/" not in f]
    if not models:
        return failed("no .joblib/.pkl file in the image's filesystem")
    return passed(f"model file(s) in the image: {', '.join('/' + m for m in models[:3])}")


@IMAGE.check("image.non-root")
def image_non_root(ctx: RunContext) -> Outcome:
    record = _record(ctx)
    if record is None:
        return skipped("no image of this run in the registry")
    user = record.user
    if user.split(":")[0] in ("", "root", "0"):
        return failed(f"the image's configured user is {user or 'unset (root)'}")
    return passed(f"runs as user {user}")


@IMAGE.check("image.size")
def image_size(ctx: RunContext) -> Outcome:
    if not ctx.image_attrs:
        return skipped("no image of this run could be pulled")
    size_mb = int(ctx.image_attrs.get("Size", 0)) / 1e6
    record = _record(ctx)
    pushed = f", {record.compressed_size / 1e6:.0f} MB compressed in the registry" if record else ""
    message = f"{size_mb:.0f} MB unpacked{pushed}"
    if size_mb > SIZE_BUDGET_MB:
        return failed(message + f", over the {SIZE_BUDGET_MB} MB budget", size_mb=size_mb)
    return passed(message, size_mb=size_mb)


# --- the running container -------------------------------------------------------------------


def _api(ctx: RunContext) -> Outcome | None:
    if ctx.base_url is None:
        return skipped(ctx.container_problem or "the container did not start")
    return None


@CONTAINER.check("container.health")
def container_health(ctx: RunContext) -> Outcome:
    if ctx.base_url is None:
        if ctx.local_image is None:
            return skipped(ctx.container_problem or "no image to run")
        logs = f"\n--- container log ---\n{ctx.container_logs}" if ctx.container_logs else ""
        return failed((ctx.container_problem or "the API never became healthy") + logs)
    answered = f"GET /health answered 200 at {ctx.base_url}"
    check = docker_health.declared(ctx.image_attrs)
    if check is None:
        return passed(
            answered + "; the image declares no HEALTHCHECK, so Docker's health status could "
            "not be checked (see dockerfile.healthcheck)"
        )
    seen = ctx.health
    if seen is None:
        return failed(
            answered
            + "; but Docker's health status could not be read: "
            + (ctx.container_problem or "the container was not watched")
        )
    if seen.status == "healthy":
        return passed(answered + f"; Docker reports it healthy after {seen.waited_s:.0f} s")
    code = "" if seen.last_exit_code is None else f" (exit code {seen.last_exit_code})"
    output = seen.last_output or "no output"
    return failed(
        f"{answered}, but Docker's HEALTHCHECK never reported healthy within "
        f"{check.budget_s:.0f} s (start period + retries x (interval + timeout)); status "
        f"{seen.status or 'none'}. Its command `{check.command[:120]}` last said{code}: {output}"
    )


def _predict(ctx: RunContext, instances: list[list[float]]) -> httpx.Response:
    assert ctx.base_url is not None
    return httpx.post(f"{ctx.base_url}/predict", json={"instances": instances}, timeout=10)


@CONTAINER.check("container.predictions")
def container_predictions(ctx: RunContext) -> Outcome:
    if (problem := _api(ctx)) is not None:
        return problem
    features, labels = load_rows(HOLDOUT)
    features = [f for f, _ in CANONICAL] + features
    labels = [label for _, label in CANONICAL] + labels
    resp = _predict(ctx, features)
    if resp.status_code != 200:
        return failed(f"POST /predict answered {resp.status_code}: {resp.text[:200]}")
    try:
        predictions = resp.json()["predictions"]
    except (ValueError, KeyError, TypeError):
        return failed(f"the answer has no `predictions` list: {resp.text[:200]}")
    if not isinstance(predictions, list) or len(predictions) != len(labels):
        return failed(f"expected {len(labels)} predictions, got {str(predictions)[:120]}")
    wrong_canonical = [
        f"{f} -> {p!r} (expected {t})"
        for (f, t), p in zip(CANONICAL, predictions[: len(CANONICAL)], strict=True)
        if p != t
    ]
    accuracy = sum(p == t for p, t in zip(predictions, labels, strict=True)) / len(labels)
    if wrong_canonical:
        return failed("wrong for unambiguous flowers: " + "; ".join(wrong_canonical))
    if accuracy < MIN_ACCURACY:
        return failed(f"accuracy through the API {accuracy:.3f}, below {MIN_ACCURACY:.2f}")
    return passed(f"{len(labels)} predictions, accuracy {accuracy:.3f} through the API")


def _answer(base_url: str, case: Malformed) -> str:
    """The status code the API gave `case`, or the transport error's name."""
    try:
        resp = httpx.post(
            f"{base_url}/predict",
            content=case.body,
            headers={"Content-Type": case.content_type},
            timeout=10,
        )
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return str(resp.status_code)


@CONTAINER.check("container.rejects-malformed")
def container_rejects_malformed(ctx: RunContext) -> Outcome:
    if (problem := _api(ctx)) is not None:
        return problem
    assert ctx.base_url is not None
    answers = {case.name: _answer(ctx.base_url, case) for case in MALFORMED}
    accepted = [f"{n} ({a})" for n, a in answers.items() if a.startswith("2")]
    other = [
        f"{n} ({a})" for n, a in answers.items() if not a.startswith("2") and not a.startswith("4")
    ]
    if accepted or other:
        parts = []
        if accepted:
            parts.append("accepted: " + "; ".join(accepted))
        if other:
            parts.append("not a 4xx: " + "; ".join(other))
        good = len(MALFORMED) - len(accepted) - len(other)
        return failed(
            f"{good}/{len(MALFORMED)} malformed requests got a 4xx; " + " | ".join(parts),
            credit=good / len(MALFORMED),
        )
    codes = ", ".join(sorted(set(answers.values())))
    return passed(f"all {len(MALFORMED)} malformed requests of the contract got a 4xx ({codes})")


@CONTAINER.check("container.latency")
def container_latency(ctx: RunContext) -> Outcome:
    if (problem := _api(ctx)) is not None:
        return problem
    assert ctx.base_url is not None
    samples = []
    with httpx.Client(base_url=ctx.base_url, timeout=10) as client:
        for i in range(50):
            body = {"instances": [CANONICAL[i % 3][0]]}
            start = time.perf_counter()
            resp = client.post("/predict", json=body)
            samples.append((time.perf_counter() - start) * 1000)
            if resp.status_code != 200:
                return failed(f"request {i + 1} answered {resp.status_code}")
    p50 = statistics.median(samples)
    p95 = sorted(samples)[int(0.95 * len(samples)) - 1]
    message = f"50 requests: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(samples):.1f} ms"
    if p95 > LATENCY_BUDGET_MS:
        return failed(message, p50_ms=p50, p95_ms=p95)
    return passed(message, p50_ms=p50, p95_ms=p95)
