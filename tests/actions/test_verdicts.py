"""Ref matching, verdicts for what cannot run offline, and how a failed run is reported
(no act: act's JSON lines are fed to the parser as act writes them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from harness.act_results import ActRun, BlockedUse, JobResult, consume_line
from harness.act_runner import blocked_uses
from harness.projects.common import act_run
from harness.workflows import Workflow
from world.actions.catalog import (
    SHARED_DIR,
    STAND_INS,
    plan,
    ref_major,
    uses_by_step,
    verdict,
)

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_every_ref_form_maps_to_the_same_stand_in(tmp_path: Path) -> None:
    refs = ["v4", "v4.2.1", "4", "main", "releases/v4", SHA]
    mappings, verdicts = plan([f"actions/cache@{ref}" for ref in refs], tmp_path)
    assert verdicts == []
    folders = {m.split("=", 1)[1] for m in mappings}
    assert len(mappings) == len(refs) and len(folders) == 1
    sub, _ = plan([f"actions/cache/restore@{SHA}", "actions/cache/save@v3"], tmp_path)
    assert {m.split("=", 1)[1] for m in sub} == folders  # sub-actions live in the stand-in


def test_ref_major_reads_version_tags_only() -> None:
    assert ref_major("v4") == 4 and ref_major("v3.4.0") == 3 and ref_major("2") == 2
    assert ref_major("main") is None and ref_major(SHA) is None and ref_major("v4-beta") is None


def test_retired_majors_get_the_date_and_the_major_to_use() -> None:
    old = verdict("actions/cache@v2")
    assert old is not None and "2025-03-01" in old.reason and old.fix == "use @v3 or newer"
    artifacts = verdict("actions/upload-artifact@v3.1.0")
    assert artifacts is not None and "@v4" in artifacts.fix
    assert verdict("actions/cache@v3") is None and verdict(f"actions/cache@{SHA}") is None
    assert verdict("actions/checkout@v2") is None  # old but still runs on GitHub


def test_verdicts_say_why_and_what_to_do() -> None:
    cases = {
        "docker://alpine:3.20": ("host mode", "`run:`"),
        "nobody/no-such-action@v1": ("no offline stand-in", "stand-in"),
        "org/repo/.github/workflows/ci.yml@main": ("another repository", "./.github/workflows"),
        "actions/checkout": ("OWNER/REPO@REF", "OWNER/REPO@REF"),
    }
    for uses, (why, fix) in cases.items():
        found = verdict(uses)
        assert found is not None and why in found.reason and fix in found.fix, found
    assert verdict("./.github/actions/local") is None


def test_refusing_folders_fail_with_the_verdict(tmp_path: Path) -> None:
    uses = ["nobody/tool@v1", "nobody/tool/sub@v1", "org/repo/.github/workflows/ci.yml@main"]
    mappings, _ = plan(uses, tmp_path)
    folders = dict(m.split("=", 1) for m in mappings)
    action = yaml.safe_load((Path(folders["nobody/tool@v1"]) / "action.yml").read_text())
    script = action["runs"]["steps"][0]["run"]
    assert "::error::kata: nobody/tool@v1 cannot run offline" in script and "exit 1" in script
    assert (Path(folders["nobody/tool@v1"]) / "sub" / "action.yml").is_file()
    called = Path(folders["org/repo@main"]) / ".github" / "workflows" / "ci.yml"
    workflow = yaml.safe_load(called.read_text())
    assert workflow[True] == "workflow_call"  # YAML 1.1 reads `on` as True
    assert "What to do: copy the workflow" in json.dumps(workflow)


WORKFLOW = {
    "on": "push",
    "jobs": {
        "build": {
            "runs-on": "ubuntu-latest",
            "steps": [
                {"uses": "actions/checkout@v4"},
                {"name": "Lint", "uses": "nobody/lint-action@v2"},
                {"id": "tool", "uses": "docker://alpine:3.20"},
            ],
        },
        "deploy": {"uses": "org/repo/.github/workflows/deploy.yml@main"},
    },
}


def test_blocked_uses_name_the_workflow_job_and_step(tmp_path: Path) -> None:
    assert uses_by_step(WORKFLOW)[1] == ("build", "Lint", "nobody/lint-action@v2")
    _, verdicts = plan([u for _, _, u in uses_by_step(WORKFLOW)], tmp_path)
    wf = Workflow(Path(".github/workflows/ci.yml"), WORKFLOW, "")
    blocked = blocked_uses([wf], verdicts)
    described = [b.describe() for b in blocked]
    assert len(described) == 3
    assert described[0].startswith(
        "`nobody/lint-action@v2` (.github/workflows/ci.yml, job `build`, step `Lint`) "
        "cannot run offline: no offline stand-in"
    )
    assert "step `tool`" in described[1] and "host mode" in described[1]
    assert "job `deploy`)" in described[2] and "what to do: copy the workflow" in described[2]


def _feed(lines: list[dict[str, object]]) -> dict[str, JobResult]:
    jobs: dict[str, JobResult] = {}
    for line in lines:
        consume_line(json.dumps(line) + "\n", jobs, [], None)
    return jobs


def _line(step_id: str, msg: str, **extra: object) -> dict[str, object]:
    return {"jobID": "build", "stage": "Main", "stepID": [step_id], "msg": msg, **extra}


def test_the_excerpt_is_the_failed_steps_own_output() -> None:
    jobs = _feed(
        [
            _line("0", "Downloading scikit_learn-1.5.0.whl\n", raw_output=True),
            _line("0", "WARNING mlflow: no tracking URI\n", raw_output=True),
            _line("0", "", stepResult="success", step="Install"),
            _line("1", "Logging into ghcr.io...\n", raw_output=True),
            _line(
                "1",
                "  ❗  ::error::Username and password required\n",
                command="error",
                arg="Username and password required",
            ),
            _line("1", "exit status 1", level="error"),
            _line("1", "", stepResult="failure", step="Log in to GHCR"),
            {"jobID": "build", "jobResult": "failure", "msg": "Job failed"},
        ]
    )
    job = jobs["build"]
    assert job.tail() == "Logging into ghcr.io...\nError: Username and password required"
    run = ActRun(1, jobs, 3.0, Path("act.log"))
    message = act_run(_Facts(run)).message
    assert "job `build` failure at step `Log in to GHCR`" in message
    assert "--- output of `Log in to GHCR` ---" in message
    assert "scikit" not in message and "mlflow" not in message


def test_act_run_leads_with_what_cannot_run(tmp_path: Path) -> None:
    _, verdicts = plan(["nobody/lint-action@v2"], tmp_path)
    wf = Workflow(Path(".github/workflows/ci.yml"), WORKFLOW, "")
    jobs = _feed(
        [
            _line("1", "  ❗  ::error::kata: nobody/lint-action@v2 cannot run offline\n"),
            _line("1", "", stepResult="failure", step="Lint"),
            {"jobID": "build", "jobResult": "failure", "msg": "Job failed"},
        ]
    )
    run = ActRun(1, jobs, 1.0, Path("act.log"), blocked=blocked_uses([wf], verdicts))
    message = act_run(_Facts(run)).message
    assert message.startswith("1 use(s) cannot run offline:\n- `nobody/lint-action@v2`")
    assert "job `build`, step `Lint`" in message and "what to do:" in message
    assert isinstance(run.blocked[0], BlockedUse)


class _Facts:
    def __init__(self, run: ActRun) -> None:
        self.act: ActRun | None = run
        self.not_run_reason = ""


def test_semver_ranges_of_the_setup_actions() -> None:
    sys.path.insert(0, str(SHARED_DIR))
    try:
        from semver_range import parse, satisfies  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(SHARED_DIR))
    installed = parse("v1.9.8")
    for spec in ("1.9.8", "1.9", "1.x", "~1.9", "^1.5", ">=1.5 <1.10", "1.2 - 1.9.8", "*"):
        assert satisfies(installed, spec), spec
    for spec in ("1.5.7", "~1.8", "<1.9.0", ">1.9", "2.x", "1.5 || 1.6"):
        assert not satisfies(installed, spec), spec
    assert "actions/cache" in STAND_INS
