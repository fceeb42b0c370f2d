"""Beginner runtime checks on fast, real inputs: a trained model, the API served by uvicorn
(no Docker), registry records. Each check passes on the solution's output and fails on a
matching wrong one; the full Docker/act run is in test_beginner_e2e.py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from harness.act_results import ActRun, JobResult, StepResult
from harness.checks import Status, run_check
from harness.projects.beginner import health as docker_health
from harness.projects.beginner import runtime_checks as rc
from harness.sandbox import Sandbox
from world.registry import ImageRecord

from .conftest import BASE, SOLUTION, STARTER, Project

if TYPE_CHECKING:
    from harness.engine import Engine

SHA = "0123456789abcdef0123456789abcdef01234567"


def ctx(tmp_path: Path, **kwargs: object) -> rc.RunContext:
    sandbox = Sandbox("run1", tmp_path, "main", SHA, "kata-learner/beginner")
    return rc.RunContext(sandbox=sandbox, workdir=tmp_path, **kwargs)  # type: ignore[arg-type]


def check(check_list: object, check_id: str, context: rc.RunContext) -> tuple[Status, str]:
    result = run_check(check_list.get(check_id), context)  # type: ignore[attr-defined]
    return result.status, result.message


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "model.joblib"
    subprocess.run(
        [
            sys.executable,
            str(SOLUTION / "src/train.py"),
            "--data",
            str(SOLUTION / "data/iris_train.csv"),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=SOLUTION,
    )
    return out


# --- pipeline -------------------------------------------------------------------------------


def test_act_run_reports_the_failed_step(tmp_path: Path) -> None:
    ok = JobResult("train", "success", [StepResult("train", "0", "Train", "Main", "success", 1.0)])
    bad = JobResult(
        "build",
        "failure",
        [StepResult("build", "3", "Log in", "Main", "failure", 0.1)],
        ["Error response from daemon: unauthorized\n"],
    )
    good_run = ActRun(0, {"train": ok}, 10.0, tmp_path / "log")
    bad_run = ActRun(1, {"train": ok, "build": bad}, 10.0, tmp_path / "log")
    assert check(rc.PIPELINE, "pipeline.act-run", ctx(tmp_path, act=good_run))[0] is Status.PASS
    status, message = check(rc.PIPELINE, "pipeline.act-run", ctx(tmp_path, act=bad_run))
    assert status is Status.FAIL
    assert "job `build` failure at step `Log in`" in message and "unauthorized" in message


# --- model ----------------------------------------------------------------------------------


def _artifacts_with(tmp_path: Path, model: Path) -> Path:
    """The layout act's artifact server leaves: <run id>/<name>/<name>.zip."""
    root = tmp_path / "artifacts" / "1" / "model"
    root.mkdir(parents=True)
    with zipfile.ZipFile(root / "model.zip", "w") as zf:
        zf.write(model, "model.joblib")
        zf.writestr("metrics.json", "{}")
    return tmp_path / "artifacts"


def test_model_accuracy_passes_on_the_solution_model(tmp_path: Path, trained_model: Path) -> None:
    context = ctx(
        tmp_path,
        act=ActRun(0, {}, 1.0, tmp_path),
        artifacts_dir=_artifacts_with(tmp_path, trained_model),
    )
    assert check(rc.MODEL, "model.artifact", context)[0] is Status.PASS
    status, message = check(rc.MODEL, "model.accuracy", context)
    assert status is Status.PASS, message


def test_model_accuracy_fails_on_a_broken_model(tmp_path: Path) -> None:
    bad = tmp_path / "bad.joblib"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import joblib; from sklearn.dummy import DummyClassifier; "
            "joblib.dump(DummyClassifier(strategy='constant', constant='setosa')"
            ".fit([[0,0,0,0]]*3, ['setosa','versicolor','virginica']), " + repr(str(bad)) + ")",
        ],
        check=True,
    )
    context = ctx(
        tmp_path, act=ActRun(0, {}, 1.0, tmp_path), artifacts_dir=_artifacts_with(tmp_path, bad)
    )
    status, message = check(rc.MODEL, "model.accuracy", context)
    assert status is Status.FAIL and "below 0.90" in message


def test_model_artifact_missing(tmp_path: Path) -> None:
    (tmp_path / "artifacts").mkdir()
    context = ctx(tmp_path, act=ActRun(1, {}, 1.0, tmp_path), artifacts_dir=tmp_path / "artifacts")
    assert check(rc.MODEL, "model.artifact", context)[0] is Status.FAIL
    assert check(rc.MODEL, "model.accuracy", context)[0] is Status.SKIP


def test_unloadable_model_fails_cleanly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"not a pickle")
    context = ctx(
        tmp_path, act=ActRun(0, {}, 1.0, tmp_path), artifacts_dir=_artifacts_with(tmp_path, junk)
    )
    status, message = check(rc.MODEL, "model.accuracy", context)
    assert status is Status.FAIL and "could not be loaded" in message


# --- image ----------------------------------------------------------------------------------


class FakeRegistry:
    address = "127.0.0.1:5000"

    def __init__(self, tags: dict[str, list[str]]) -> None:
        self._tags = tags

    def repositories(self) -> list[str]:
        return list(self._tags)

    def tags(self, repo: str) -> list[str]:
        return self._tags.get(repo, [])


def record(user: str = "10001", labels: dict[str, str] | None = None) -> ImageRecord:
    if labels is None:
        labels = {
            "org.opencontainers.image.revision": SHA,
            "org.opencontainers.image.source": "https://github.com/kata-learner/beginner",
            "org.opencontainers.image.created": "2026-11-26T00:00:00Z",
        }
    return ImageRecord(
        "kata/iris-api", "latest", "sha256:x", {"config": {"User": user, "Labels": labels}}, 1
    )


@pytest.mark.parametrize(
    ("tags", "status"),
    [
        ({"kata/iris-api": [SHA, "latest"]}, Status.PASS),
        ({"kata/iris-api": [f"sha-{SHA[:7]}", "latest"]}, Status.PASS),
        ({"kata/iris-api": ["latest"]}, Status.FAIL),
        ({"kata/iris-api": [SHA]}, Status.FAIL),
        ({"someone/else": [SHA, "latest"]}, Status.FAIL),
        ({}, Status.FAIL),
    ],
)
def test_image_tags(tmp_path: Path, tags: dict[str, list[str]], status: Status) -> None:
    context = ctx(tmp_path, registry=FakeRegistry(tags))
    assert check(rc.IMAGE, "image.tags", context)[0] is status


def test_image_labels_user_size_and_model(tmp_path: Path) -> None:
    good = ctx(
        tmp_path,
        records={"latest": record()},
        local_image="x",
        image_attrs={"Size": 473e6},
        image_files=["app/model/model.joblib", "usr/lib/python3/dist-packages/x.py"],
    )
    for check_id in ("image.labels", "image.non-root", "image.size", "image.model-inside"):
        assert check(rc.IMAGE, check_id, good)[0] is Status.PASS, check_id
    bad = ctx(
        tmp_path,
        records={"latest": record(user="", labels={})},
        local_image="x",
        image_attrs={"Size": 900e6},
        image_files=["app/src/app.py"],
    )
    for check_id in ("image.labels", "image.non-root", "image.size", "image.model-inside"):
        assert check(rc.IMAGE, check_id, bad)[0] is Status.FAIL, check_id
    wrong_revision = ctx(
        tmp_path,
        records={
            "latest": record(
                labels={
                    "org.opencontainers.image.revision": "f" * 40,
                    "org.opencontainers.image.source": "s",
                    "org.opencontainers.image.created": "c",
                }
            )
        },
    )
    assert check(rc.IMAGE, "image.labels", wrong_revision)[0] is Status.FAIL


# --- container: the real API, served by uvicorn without Docker -------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(project: Path, model: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "MODEL_PATH": str(model)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "src.app:app", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def solution_api(trained_model: Path) -> Iterator[str]:
    yield from _serve(SOLUTION, trained_model)


@pytest.fixture
def starter_api(trained_model: Path) -> Iterator[str]:
    yield from _serve(STARTER, trained_model)


def test_solution_api_passes_container_checks(tmp_path: Path, solution_api: str) -> None:
    context = ctx(tmp_path, local_image="x", base_url=solution_api)
    for check_id in (
        "container.health",
        "container.predictions",
        "container.rejects-malformed",
        "container.latency",
    ):
        status, message = check(rc.CONTAINER, check_id, context)
        assert status is Status.PASS, f"{check_id}: {message}"


def test_api_that_crashes_on_bad_input_fails(tmp_path: Path, starter_api: str) -> None:
    context = ctx(tmp_path, local_image="x", base_url=starter_api)
    status, message = check(rc.CONTAINER, "container.rejects-malformed", context)
    assert status is Status.FAIL and "500" in message
    assert check(rc.CONTAINER, "container.predictions", context)[0] is Status.PASS


def test_wrong_predictions_fail(tmp_path: Path, trained_model: Path) -> None:
    import joblib  # the harness env has scikit-learn for scoring
    from sklearn.dummy import DummyClassifier

    bad = tmp_path / "bad.joblib"
    joblib.dump(
        DummyClassifier(strategy="constant", constant="setosa").fit(
            [[0, 0, 0, 0]] * 3, ["setosa", "versicolor", "virginica"]
        ),
        bad,
    )
    for url in _serve(SOLUTION, bad):
        status, message = check(rc.CONTAINER, "container.predictions", ctx(tmp_path, base_url=url))
        assert status is Status.FAIL and "expected versicolor" in message


def test_container_that_never_gets_healthy(tmp_path: Path) -> None:
    context = ctx(
        tmp_path,
        local_image="x",
        container_problem="GET /health did not answer 200",
        container_logs="ModuleNotFoundError: No module named 'fastapi'",
    )
    status, message = check(rc.CONTAINER, "container.health", context)
    assert status is Status.FAIL and "ModuleNotFoundError" in message
    assert check(rc.CONTAINER, "container.predictions", context)[0] is Status.SKIP


def test_malformed_cases_are_really_malformed() -> None:
    for case in rc.MALFORMED:
        try:
            data = json.loads(case.body)
        except (ValueError, TypeError):
            continue
        assert data != {"instances": [rc.ROW]} or case.content_type != rc.JSON


def test_malformed_cases_cover_the_contract() -> None:
    """The API contract's list (exercises/beginner/README.md): each kind is sent."""
    bodies = " ".join(
        c.body.decode() if isinstance(c.body, bytes) else c.body for c in rc.MALFORMED
    )
    for token in ('"5.1"', "null", "NaN", "[Infinity", "-Infinity", '"instances": []'):
        assert token in bodies, token
    names = " ".join(c.name for c in rc.MALFORMED)
    for kind in ("3 features", "5 features", "too many rows (1001)", "content type", "not JSON"):
        assert kind in names, kind
    readme = (STARTER / "README.md").read_text()
    assert f"1 to {rc.MAX_INSTANCES} instances" in readme


def test_lenient_model_that_accepts_strings_and_nan_fails(
    tmp_path: Path, copy_project: Callable[[Path], Project], trained_model: Path
) -> None:
    """A non-strict pydantic model (plain floats, no length limits) coerces "5.1" and lets
    NaN through: each acceptance is named, so the learner sees what to tighten."""
    lenient = copy_project(SOLUTION)
    lenient.replace(
        "src/app.py",
        "Feature = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=100)]",
        "Feature = float",
    )
    lenient.replace(
        "src/app.py",
        "instances: list[Instance] = Field(min_length=1, max_length=MAX_INSTANCES)",
        "instances: list[Instance]",
    )
    for url in _serve(lenient.root, trained_model):
        status, message = check(
            rc.CONTAINER, "container.rejects-malformed", ctx(tmp_path, base_url=url)
        )
        assert status is Status.FAIL, message
        accepted = message.split("accepted: ", 1)[1]
        for name in ('numbers as strings ("5.1")', "too many rows (1001)", "empty list"):
            assert name in accepted, (name, message)
        assert "3 features" not in accepted


# --- container.health: Docker's own HEALTHCHECK status ---------------------------------------

HEALTHCHECK_ATTRS = {
    "Config": {
        "Healthcheck": {
            "Test": ["CMD", "python", "-c", "import urllib.request"],
            "Interval": 10_000_000_000,
            "Timeout": 3_000_000_000,
            "StartPeriod": 20_000_000_000,
            "Retries": 3,
        }
    }
}


def test_healthcheck_budget_follows_its_own_timings() -> None:
    check = docker_health.declared(HEALTHCHECK_ATTRS)
    assert check is not None and check.command.startswith("python -c")
    assert check.budget_s == 20 + 3 * (10 + 3) + docker_health.SLACK_S
    defaults = docker_health.declared({"Config": {"Healthcheck": {"Test": ["CMD-SHELL", "x"]}}})
    assert defaults is not None and defaults.budget_s == docker_health.MAX_WAIT_S
    assert docker_health.declared({"Config": {"Healthcheck": {"Test": ["NONE"]}}}) is None
    assert docker_health.declared({"Config": {}}) is None


def test_container_health_fails_when_docker_never_calls_it_healthy(tmp_path: Path) -> None:
    """/health answers, but the HEALTHCHECK calls `python` where only `python3` exists."""
    seen = docker_health.HealthObservation(
        "unhealthy", 'exec: "python": executable file not found in $PATH', -1, 59.0
    )
    context = ctx(
        tmp_path, local_image="x", base_url="http://x", image_attrs=HEALTHCHECK_ATTRS, health=seen
    )
    status, message = check(rc.CONTAINER, "container.health", context)
    assert status is Status.FAIL
    assert "never reported healthy" in message and "executable file not found" in message
    assert "status unhealthy" in message and "`python -c" in message


def test_container_health_passes_when_docker_calls_it_healthy(tmp_path: Path) -> None:
    seen = docker_health.HealthObservation("healthy", "", 0, 11.0)
    context = ctx(
        tmp_path, local_image="x", base_url="http://x", image_attrs=HEALTHCHECK_ATTRS, health=seen
    )
    status, message = check(rc.CONTAINER, "container.health", context)
    assert status is Status.PASS and "healthy after 11 s" in message


def test_container_health_without_healthcheck_says_it_could_not_check(tmp_path: Path) -> None:
    context = ctx(tmp_path, local_image="x", base_url="http://x", image_attrs={"Config": {}})
    status, message = check(rc.CONTAINER, "container.health", context)
    assert status is Status.PASS and "could not be checked" in message


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        (["CMD", "python", "-c", "pass"], "unhealthy"),  # no `python` in the base image
        (["CMD", "python3", "-c", "pass"], "healthy"),
    ],
)
def test_wait_healthy_reads_dockers_verdict(
    docker_engine: Engine, probe: list[str], expected: str
) -> None:
    """A real container of the offline base with a fast HEALTHCHECK: the wait ends with
    Docker's own verdict and the probe's last output."""
    if not docker_engine.has_image(BASE):
        pytest.skip(f"no {BASE}; run `python -m harness seed-base`")
    timings = {"interval": 500_000_000, "timeout": 2_000_000_000, "retries": 2}
    started = time.monotonic()
    container = docker_engine.run(
        BASE,
        ["sleep", "60"],
        healthcheck={"test": probe, **timings},
        labels={"kata-test": "health"},
    )
    try:
        attrs = {"Config": {"Healthcheck": container.attrs["Config"]["Healthcheck"]}}
        declared = docker_health.declared(attrs)
        assert declared is not None
        seen = docker_health.wait_healthy(container, declared, started=started)
    finally:
        container.remove(force=True)
    assert seen.status == expected, seen
    if expected == "unhealthy":
        assert "python" in seen.last_output and seen.waited_s < declared.budget_s + 2


class _SlowApi(BaseHTTPRequestHandler):
    """Answers /predict correctly but after `delay_s`, or with `status` when it is not 200."""

    delay_s = 0.03
    status = 200

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay_s)
        body = b'{"predictions": ["setosa"]}'
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_slow_api_fails_latency(
    tmp_path: Path, slow_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model loaded on every request is slow; here 30 ms a request against a budget scaled
    down to 20 ms (the real one is 500 ms: 50 such requests would take 25 s)."""
    monkeypatch.setattr(rc, "LATENCY_BUDGET_MS", 20)
    status, message = check(rc.CONTAINER, "container.latency", ctx(tmp_path, base_url=slow_api))
    assert status is Status.FAIL and "50 requests: p50" in message
    monkeypatch.setattr(_SlowApi, "status", 503)
    status, message = check(rc.CONTAINER, "container.latency", ctx(tmp_path, base_url=slow_api))
    assert status is Status.FAIL and message == "request 1 answered 503"
