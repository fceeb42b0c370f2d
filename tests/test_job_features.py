"""Job features act's host mode lacks, and the network modes, decided without act: what a
job's `services:` and `container:` become, how `job.services` expressions are written into the
run's copy, which actions act may fetch in each mode, and how act is called for each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import act_runner, cli, engine, job_services
from harness.act_results import ActRun, BlockedUse, JobResult
from harness.checks import Status
from harness.projects.common import act_run
from harness.sandbox import Sandbox
from harness.workflows import Workflow
from world.actions.catalog import Verdict, docker_refusal, refusals

STAND_IN = "actions/checkout@v6"
UNKNOWN = "peaceiris/actions-gh-pages@v4"
RETIRED = "actions/cache@v2"
REMOTE_WORKFLOW = "octo-org/ci/.github/workflows/release.yml@v1"
DOCKER = "docker://alpine:3.20"


def _workflow(text: str, name: str = "ci.yml") -> Workflow:
    return Workflow(Path(".github/workflows") / name, yaml.safe_load(text), text)


class _Engine:
    def __init__(self, images: set[str]) -> None:
        self.images = images

    def has_image(self, ref: str) -> bool:
        return ref in self.images


@pytest.fixture
def engine_with(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(*images: str) -> None:
        monkeypatch.setattr(engine, "current", lambda: _Engine(set(images)))

    return install


SERVICES = """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      db:
        image: postgres:16
        env: {POSTGRES_PASSWORD: pw}
        ports: ["5432", "127.0.0.1:6543:5432/tcp"]
        options: >-
          --health-cmd "pg_isready -U postgres" --health-interval 10s
          --health-timeout 5s --health-retries 5 --health-start-period=1m30s -e EXTRA=1
    steps:
      - run: psql -h localhost -p ${{ job.services.db.ports[5432] }} -c 'select 1'
      - run: echo ${{ job.services.db.ports['5432'] }} ${{ job.services.db.id }}
  other:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ job.services.db.ports[5432] }}
"""


def test_a_host_mode_jobs_services_are_read_with_ports_env_and_health(engine_with: Any) -> None:
    engine_with("postgres:16")
    specs, problems = job_services.declared([_workflow(SERVICES)])
    assert problems == []
    (db,) = specs
    assert (db.job, db.name, db.image, db.env) == (
        "test",
        "db",
        "postgres:16",
        {"POSTGRES_PASSWORD": "pw"},
    )
    assert db.ports == (job_services.Port(5432, None), job_services.Port(5432, 6543))
    assert db.health == {
        "test": ["CMD-SHELL", "pg_isready -U postgres"],
        "interval": 10 * 10**9,
        "timeout": 5 * 10**9,
        "retries": 5,
        "start_period": 90 * 10**9,
    }
    assert db.options["environment"] == {"EXTRA": "1"}


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("--privileged", "`--privileged` is refused"),
        ("-v /:/host", "`-v` is refused"),
        ("--network host", "`--network` is refused"),
        ("--cpus 2", "`--cpus` is not supported"),
        ("--health-interval soon", "not a duration"),
        ("--health-retries many", "not a whole number"),
        ('--health-cmd "unclosed', "cannot be read"),
    ],
)
def test_service_options_that_cannot_run_get_a_verdict(
    engine_with: Any, options: str, said: str
) -> None:
    engine_with("redis:7")
    text = f"""
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      cache: {{image: "redis:7", options: '{options.replace("'", "''")}'}}
    steps: [{{run: "true"}}]
"""
    specs, problems = job_services.declared([_workflow(text)])
    assert specs == []
    (problem,) = problems
    assert said in problem.verdict.reason
    assert problem.cannot == "cannot start" and problem.step == "services.cache"


def test_a_service_or_job_container_image_not_in_the_engine_is_named(engine_with: Any) -> None:
    engine_with()
    text = """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: python:3.12
    services:
      db: {image: "postgres:16"}
    steps: [{run: "true"}]
"""
    wf = _workflow(text)
    _, problems = job_services.declared([wf])
    containers = job_services.job_containers([wf])
    said = [p.describe() for p in problems + containers]
    assert any("postgres:16" in s and "docker pull postgres:16" in s for s in said), said
    assert any("python:3.12" in s and "container" in s for s in said), said


def test_a_container_jobs_own_services_are_left_to_act(engine_with: Any) -> None:
    engine_with("python:3.12", "postgres:16")
    text = """
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: {image: "python:3.12", options: "--privileged"}
    services:
      db: {image: "postgres:16"}
    steps: [{run: "true"}]
"""
    wf = _workflow(text)
    specs, problems = job_services.declared([wf])
    assert specs == [] and problems == []
    (refused,) = job_services.job_containers([wf])
    assert "--privileged" in refused.verdict.reason


class _Container:
    id = "c0ffee"


def test_job_services_expressions_are_written_into_that_job_only(tmp_path: Path) -> None:
    wf = _workflow(SERVICES)
    (tmp_path / wf.path).parent.mkdir(parents=True)
    (tmp_path / wf.path).write_text(SERVICES)
    spec = job_services.ServiceSpec(str(wf.path), "test", "db", "postgres:16")
    services = job_services.JobServices([spec], "abcdef123456789")
    services.started = [job_services.Started(spec, _Container(), {5432: 40001})]
    services.rewrite(tmp_path, [wf])
    text = (tmp_path / wf.path).read_text()
    test_job, other_job = text.split("  other:")
    assert "-p 40001 -c" in test_job and "echo 40001 c0ffee" in test_job
    assert "${{ job.services.db.ports[5432] }}" in other_job  # another job's: untouched


def _failed_run(blocked: list[BlockedUse], result: str = "success") -> ActRun:
    return ActRun(0, {"test": JobResult("test", result)}, 1.0, Path("act.log"), blocked=blocked)


def test_a_job_whose_service_could_not_start_fails_the_run_as_on_github() -> None:
    problem = BlockedUse(
        Verdict("postgres:16", "port 5432 on this machine is already in use", "free it"),
        ".github/workflows/ci.yml", "test", "services.db", "cannot start",
    )  # fmt: skip
    outcome = act_run(_Ctx(_failed_run([problem])))
    assert outcome.status == Status.FAIL
    assert "port 5432" in outcome.message and "would fail on GitHub" in outcome.message
    assert act_run(_Ctx(_failed_run([]))).status == Status.PASS


class _Ctx:
    def __init__(self, run: ActRun) -> None:
        self.act: ActRun | None = run
        self.not_run_reason = ""


# -- network modes ---------------------------------------------------------------------------

USES = {STAND_IN, UNKNOWN, RETIRED, REMOTE_WORKFLOW, DOCKER, "./.github/actions/local"}


def _mapped(mappings: list[str]) -> set[str]:
    return {m.partition("=")[0] for m in mappings}


def test_offline_stands_in_and_refuses_everything_else(tmp_path: Path) -> None:
    mappings, verdicts = act_runner.plan_actions(USES, tmp_path, "offline")
    assert STAND_IN in _mapped(mappings) and UNKNOWN in _mapped(mappings)
    assert docker_refusal(DOCKER) in _mapped(mappings)
    assert {v.uses for v in verdicts} == {UNKNOWN, RETIRED, REMOTE_WORKFLOW, DOCKER}
    assert act_runner.fetched_for_real(USES, "offline") == []


def test_online_fetches_only_what_has_no_stand_in(tmp_path: Path) -> None:
    mappings, verdicts = act_runner.plan_actions(USES, tmp_path, "online")
    mapped = _mapped(mappings)
    assert STAND_IN in mapped and UNKNOWN not in mapped and "octo-org/ci@v1" not in mapped
    assert docker_refusal(DOCKER) not in mapped
    assert {v.uses for v in verdicts} == {RETIRED}  # retired majors fail on GitHub too
    assert act_runner.fetched_for_real(USES, "online") == sorted([UNKNOWN, REMOTE_WORKFLOW, DOCKER])


def test_real_actions_fetches_every_action(tmp_path: Path) -> None:
    mappings, verdicts = act_runner.plan_actions(USES, tmp_path, "real")
    assert _mapped(mappings) == {"actions/cache@v2"}  # only the retired major's refusal
    assert {v.uses for v in verdicts} == {RETIRED}
    assert STAND_IN in act_runner.fetched_for_real(USES, "real")


def test_act_is_offline_only_in_offline_mode(tmp_path: Path) -> None:
    sandbox = Sandbox("abc123", tmp_path, "main", "0" * 40, "kata/demo")
    inputs = act_runner.ActInputs([], set(), [], {}, {}, {}, tmp_path)
    event = tmp_path / "event.json"
    assert "--action-offline-mode" in act_runner.build_command(sandbox, inputs, event)
    inputs.offline = False
    assert "--action-offline-mode" not in act_runner.build_command(sandbox, inputs, event)


def test_online_and_real_actions_are_flags_of_grade() -> None:
    parser = cli._parser()
    assert parser.parse_args(["grade", "beginner"]).actions == "offline"
    assert parser.parse_args(["grade", "beginner", "--online"]).actions == "online"
    assert parser.parse_args(["grade", "beginner", "--real-actions"]).actions == "real"
    assert cli.main(["grade", "beginner", "--online", "--real-actions"]) == 2


def test_a_docker_step_is_pointed_at_its_refusal_before_act(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: docker://alpine:3.20\n        with: {args: echo}\n"
    )
    wf = _workflow(text)
    (tmp_path / wf.path).parent.mkdir(parents=True)
    (tmp_path / wf.path).write_text(text)
    act_runner.refuse_docker_steps(tmp_path, [wf])
    rewritten = (tmp_path / wf.path).read_text()
    assert f"uses: {docker_refusal(DOCKER)}" in rewritten and "docker://" not in rewritten
    (mapping,) = refusals([Verdict(DOCKER, "host mode", "use run:")], tmp_path / "refusals")
    folder = Path(mapping.partition("=")[2])
    assert "docker://alpine:3.20" in (folder / "action.yml").read_text()
