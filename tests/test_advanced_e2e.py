"""Advanced end to end on the local cluster stand-in: the reference solution with its gates
approved, the bad-model variant stopped by the metric gate, and the staging gate holding
the promotion when nobody approved it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import docker
from harness.checks import Status
from harness.projects import advanced
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options
from world.cluster.kind import unavailable_reason

from .conftest import ROOT
from .test_beginner_e2e import KNOWN_PASSWORD, engine  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.docker]
SOLUTION = ROOT / "solutions" / "advanced"


def run_grade(
    path: Path, monkeypatch: pytest.MonkeyPatch, approve: list[str], cluster: str = "stand-in"
) -> tuple[Report, str]:
    monkeypatch.setattr("world.registry.secrets.token_urlsafe", lambda n: KNOWN_PASSWORD)
    out = io.StringIO()
    options = Options(
        project_dir=path, level="advanced", approve=approve, approved_by="alice", cluster=cluster
    )
    report = advanced.PROJECT.grade(options, Console(out))
    Console(out).summary(report)
    return report, out.getvalue()


def assert_clean(report: Report) -> None:
    assert report.teardown.get("clean"), report.teardown
    client = docker.from_env()
    assert not client.containers.list(all=True, filters={"label": f"kata.run={report.run_id}"})
    assert not client.networks.list(filters={"label": f"kata.run={report.run_id}"})
    assert not list(Path("/tmp").glob(f"kata-{report.run_id}-*"))


def test_solution_scores_full_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    report, console = run_grade(SOLUTION, monkeypatch, ["staging", "production"])
    assert {r.id: r.message for r in report.results if r.status is not Status.PASS} == {}
    assert report.score == report.max_score
    assert set(advanced.PROJECT.all_check_ids()) == {r.id for r in report.results}
    assert any("approved by alice" in d for d in report.decisions)
    assert any(d.startswith("canary analysis 1: promote") for d in report.decisions)
    assert "LOCAL STAND-IN" in console and KNOWN_PASSWORD not in console
    assert_clean(report)


def test_bad_model_is_stopped_by_the_metric_gate(
    bad_model_solution: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, _ = run_grade(bad_model_solution, monkeypatch, ["staging", "production"])
    by_id = {r.id: r for r in report.results}
    assert by_id["gate.metric"].status is Status.PASS
    assert "stopped the worse model" in by_id["gate.metric"].message
    assert by_id["deploy.prod"].status is Status.PASS
    assert "held back" in by_id["deploy.prod"].message
    assert by_id["pipeline.act-run"].status is Status.FAIL
    assert by_id["canary.split"].status is Status.SKIP
    assert any(d.startswith("metric gate: held-out accuracy 0.") for d in report.decisions)
    assert_clean(report)


def test_without_approval_staging_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    report, console = run_grade(SOLUTION, monkeypatch, [])
    by_id = {r.id: r for r in report.results}
    assert by_id["gate.approval"].status is Status.SKIP
    assert "waiting for approval" in by_id["gate.approval"].message
    assert "--approve staging" in by_id["gate.approval"].message
    assert by_id["deploy.dev"].status is Status.PASS
    assert by_id["canary.split"].status is Status.SKIP
    assert "waits for approval" in console
    assert by_id["deploy.prod"].status is not Status.FAIL
    assert_clean(report)


def _kata_objects(client: docker.DockerClient) -> set[str]:
    containers = client.containers.list(all=True, filters={"label": "kata.run"})
    networks = client.networks.list(filters={"label": "kata.run"})
    return {f"container {c.name}" for c in containers} | {f"network {n.name}" for n in networks}


def test_kind_backend_where_kind_cannot_run_says_so_and_cleans_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if unavailable_reason() is None:
        pytest.skip("kind can run here: test_solution_on_kind covers this backend")
    client = docker.from_env()
    before = _kata_objects(client)
    report, console = run_grade(SOLUTION, monkeypatch, ["staging", "production"], cluster="kind")
    message = report.harness_error  # a report with the reason (exit 2), no traceback
    assert message.startswith("the run could not be set up: kind cannot run here: "), console
    assert "leave out `--cluster kind`" in message
    runtime = [r for r in report.results if r.stage not in ("static", "terraform")]
    assert runtime and {r.status for r in runtime} == {Status.SKIP}
    assert {r.message for r in runtime} == {message}
    assert report.teardown.get("clean"), report.teardown
    assert _kata_objects(client) <= before  # registry, moto and the rest were torn down


def test_solution_on_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same run on a real kind cluster with ingress-nginx (where kind can run)."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"kind cannot run here: {reason}")
    report, console = run_grade(  # pragma: no cover - needs kind
        SOLUTION, monkeypatch, ["staging", "production"], cluster="kind"
    )
    assert report.score == report.max_score, console  # pragma: no cover
    assert "kind cluster" in report.stack["cluster"]  # pragma: no cover
    assert not any("Kubernetes stand-in" in s for s in report.stand_ins)  # pragma: no cover
    assert_clean(report)  # pragma: no cover
