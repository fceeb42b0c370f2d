"""Intermediate end to end: act runs the whole pipeline, Terraform applies against moto
through the stand-in provider, the image is deployed to the VM container over SSH, the
learner's integration tests hit it, and everything is destroyed."""

from __future__ import annotations

import io
import os
import shutil
import signal
from pathlib import Path

import pytest

import docker
from harness.checks import Status
from harness.projects import intermediate
from harness.projects.intermediate import runtime_checks
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options

from .conftest import IGNORE, ROOT, Project
from .test_beginner_e2e import KNOWN_PASSWORD, engine  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.docker]
SOLUTION = ROOT / "solutions" / "intermediate"
STARTER = ROOT / "exercises" / "intermediate"


def run_grade(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Report, str]:
    monkeypatch.setattr("world.registry.secrets.token_urlsafe", lambda n: KNOWN_PASSWORD)
    out = io.StringIO()
    options = Options(project_dir=path, level="intermediate")
    report = intermediate.PROJECT.grade(options, Console(out))
    return report, out.getvalue()


def assert_clean(report: Report) -> None:
    assert report.teardown.get("clean"), report.teardown
    client = docker.from_env()
    assert not client.containers.list(all=True, filters={"label": f"kata.run={report.run_id}"})
    assert not list(Path("/tmp").glob(f"kata-{report.run_id}-*"))


@pytest.fixture
def solution(tmp_path: Path) -> Project:
    dest = tmp_path / "project"
    shutil.copytree(SOLUTION, dest, ignore=IGNORE)
    return Project(dest)


def test_solution_scores_full_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    report, console = run_grade(SOLUTION, monkeypatch)
    assert {r.id: r.message for r in report.results if r.status is not Status.PASS} == {}
    assert report.score == report.max_score
    assert set(intermediate.PROJECT.all_check_ids()) == {r.id for r in report.results}
    assert "offline stand-in" in console and KNOWN_PASSWORD not in console
    assert_clean(report)


def test_starter_fails_with_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    report, console = run_grade(STARTER, monkeypatch)
    status = {r.id: r.status for r in report.results}
    for check_id in (
        "terraform.workspace-per-run",
        "workflow.destroy-always",
        "terraform.no-state-committed",
        "terraform.security",
        "terraform.plan",
        "deploy.integration-tests",
        "teardown.workspace-deleted",
    ):
        assert status[check_id] is Status.FAIL, check_id
    assert all(r.hint for r in report.results if r.status is Status.FAIL)
    assert "hint:" in console
    assert_clean(report)


def test_destroy_runs_when_a_step_failed(
    monkeypatch: pytest.MonkeyPatch, solution: Project
) -> None:
    solution.write(
        "tests/integration/test_zz_broken.py",
        "def test_the_deploy_is_broken():\n    assert False, 'red test'\n",
    )
    report, _ = run_grade(solution.root, monkeypatch)
    by_id = {r.id: r for r in report.results}
    assert by_id["pipeline.act-run"].status is Status.FAIL
    assert by_id["deploy.integration-tests"].status is Status.FAIL
    assert "1 failures" in by_id["deploy.integration-tests"].message
    for check_id in (
        "teardown.emulator-empty",
        "teardown.workspace-deleted",
        "teardown.no-vm-left",
    ):
        assert by_id[check_id].status is Status.PASS, by_id[check_id].message
    assert_clean(report)


def test_emulator_dying_mid_run_is_reported_and_torn_down(monkeypatch: pytest.MonkeyPatch) -> None:
    original = runtime_checks.Watcher.poll

    def poll_then_kill(self: runtime_checks.Watcher) -> None:
        original(self)
        if self.ctx.instances_seen and not getattr(self, "_killed", False):
            self._killed = True  # type: ignore[attr-defined]
            pid = intermediate_emulator_pid(self)
            if pid:
                os.kill(pid, signal.SIGKILL)

    monkeypatch.setattr(runtime_checks.Watcher, "poll", poll_then_kill)
    report, console = run_grade(SOLUTION, monkeypatch)
    by_id = {r.id: r for r in report.results}
    assert by_id["teardown.emulator-empty"].status is Status.SKIP
    assert "died" in by_id["teardown.emulator-empty"].message
    assert by_id["pipeline.act-run"].status is Status.FAIL
    assert "Traceback" not in console
    assert_clean(report)


def intermediate_emulator_pid(watcher: runtime_checks.Watcher) -> int | None:
    endpoint = str(watcher.s3.meta.endpoint_url)
    port = endpoint.rsplit(":", 1)[-1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"world.aws.moto_process" in cmd and port.encode() in cmd:
            return int(proc.name)
    return None
