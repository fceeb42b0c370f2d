"""The declared run (harness.pipeline) on a project of fakes, without Docker: stage order,
skips propagated from a blocked or broken stage, a missing requirement, a service that
fails to start, teardown of every started service whatever happened, and a report always."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.checks import CheckList, Outcome, Status, failed, passed
from harness.pipeline import Project, Run, Stage, Tier
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options
from harness.services import Description, Exposure, Requirement, Service


@dataclass
class Facts:
    seen: list[str] = field(default_factory=list)
    value: str = ""


def _list(prefix: str, n: int = 1) -> CheckList[Facts]:
    checks = CheckList[Facts]()
    for i in range(n):
        check_id = f"{prefix}.{i}"

        @checks.add(check_id, check_id, stage=prefix, points=1, hint=f"fix {check_id}")
        def judge(ctx: Facts, _id: str = check_id) -> Outcome:
            ctx.seen.append(_id)
            return passed("ok") if ctx.value != "bad" else failed("bad value")

    return checks


class FakeService:
    def __init__(self, name: str, log: list[str], *, fail: bool = False) -> None:
        self.name, self.log, self.fail = name, log, fail

    def start(self) -> None:
        if self.fail:
            raise RuntimeError(f"{self.name} refused to start")
        self.log.append(f"start {self.name}")

    def stop(self) -> list[str]:
        self.log.append(f"stop {self.name}")
        return [f"{self.name} left something"] if self.name == "leaky" else []

    def describe(self) -> Description:
        return Description({self.name: f"{self.name} running"}, [f"{self.name} is a fake"])

    def exposes(self) -> Exposure:
        return Exposure(variables={self.name.upper(): "1"})


STATIC = _list("static", 2)
PIPE = _list("pipeline")
LATER = _list("later", 2)
LAST = _list("last")


def _project(
    log: list[str],
    *,
    requires: tuple[Requirement, ...] = (),
    services: tuple[str, ...] = ("a", "b"),
    failing_service: str = "",
    pipeline_gather: object = None,
) -> Project:
    def make_services(run: Run) -> list[Service]:
        return [FakeService(n, log, fail=n == failing_service) for n in services]

    def gather(run: Run) -> None:
        log.append("gather pipeline")
        if callable(pipeline_gather):
            pipeline_gather(run)

    return Project(
        name="fake",
        title="Fake project",
        branch="main",
        static=Tier("static", "static checks", STATIC, lambda run, _: Facts()),
        requires=requires,
        services=make_services,
        context=lambda run: Facts(),
        stages=(
            Stage("pipeline", PIPE, "pipeline", gather=gather),
            Stage("later", LATER, "later", needs=("pipeline",)),
            Stage("last", LAST, "last"),
        ),
    )


def _grade(project: Project, tmp_path: Path, **options: object) -> tuple[Report, str]:
    out = io.StringIO()
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "README.md").write_text("x\n")
    opts = Options(project_dir=tmp_path / "p", level="fake", **options)  # type: ignore[arg-type]
    return project.grade(opts, Console(out)), out.getvalue()


def _statuses(report: Report) -> dict[str, Status]:
    return {r.id: r.status for r in report.results}


def test_a_full_run_starts_runs_and_stops_everything_in_order(tmp_path: Path) -> None:
    log: list[str] = []
    report, text = _grade(_project(log), tmp_path)
    assert log == ["start a", "start b", "gather pipeline", "stop b", "stop a"]
    assert set(_statuses(report).values()) == {Status.PASS}
    assert report.stack == {"a": "a running", "b": "b running"}
    assert report.stand_ins == ["a is a fake", "b is a fake"]
    assert report.teardown["clean"] is True
    assert text.index("-- pipeline") < text.index("-- later") < text.index("-- last")


def test_a_blocked_stage_skips_only_the_stages_that_need_it(tmp_path: Path) -> None:
    log: list[str] = []
    project = _project(log, pipeline_gather=lambda run: run.block("pipeline", "nothing ran"))
    report, _ = _grade(project, tmp_path)
    statuses = _statuses(report)
    assert statuses["later.0"] is Status.SKIP and statuses["later.1"] is Status.SKIP
    assert statuses["last.0"] is Status.PASS
    skipped = next(r for r in report.results if r.id == "later.0")
    assert skipped.message == "nothing ran"


def test_a_gather_that_raises_skips_its_stage_and_the_rest_names_why(tmp_path: Path) -> None:
    log: list[str] = []

    def missing_folder(run: Run) -> None:
        raise FileNotFoundError(2, "No such file", str(tmp_path / "env" / "staging"))

    report, text = _grade(_project(log, pipeline_gather=missing_folder), tmp_path)
    statuses = _statuses(report)
    assert {statuses[i] for i in ("pipeline.0", "later.0", "later.1", "last.0")} == {Status.SKIP}
    messages = {r.message for r in report.results if r.status is Status.SKIP}
    assert messages == {f"the pipeline stage could not run: {tmp_path}/env/staging does not exist"}
    assert "Traceback" not in text
    assert log[-2:] == ["stop b", "stop a"]  # teardown still ran


def test_a_missing_requirement_skips_every_stage_with_the_fix(tmp_path: Path) -> None:
    log: list[str] = []
    needs_tool = Requirement("tool", lambda: "needs the tool; fix: apt-get install tool")
    report, _ = _grade(_project(log, requires=(needs_tool,)), tmp_path)
    statuses = _statuses(report)
    assert statuses["static.0"] is Status.PASS
    runtime = [r for r in report.results if not r.id.startswith("static")]
    assert {r.message for r in runtime} == {"needs the tool; fix: apt-get install tool"}
    assert log == []  # nothing started


def test_a_service_that_fails_to_start_is_a_harness_error_and_the_rest_is_stopped(
    tmp_path: Path,
) -> None:
    log: list[str] = []
    report, _ = _grade(_project(log, failing_service="b"), tmp_path)
    assert report.harness_error == "the run could not be set up: b refused to start"
    assert log == ["start a", "stop a"]
    assert {r.status for r in report.results if not r.id.startswith("static")} == {Status.SKIP}


def test_what_a_service_could_not_remove_is_a_teardown_problem(tmp_path: Path) -> None:
    log: list[str] = []
    report, _ = _grade(_project(log, services=("a", "leaky")), tmp_path)
    assert report.teardown["clean"] is False
    assert report.teardown["problems"] == ["leaky left something"]


def test_static_only_skips_the_stages_and_starts_nothing(tmp_path: Path) -> None:
    log: list[str] = []
    report, _ = _grade(_project(log), tmp_path, static_only=True)
    assert log == []
    runtime = [r for r in report.results if not r.id.startswith("static")]
    assert {r.message for r in runtime} == {"static tier only (--static-only)"}


def test_a_static_tier_that_cannot_be_prepared_still_reports(tmp_path: Path) -> None:
    def broken(run: Run, _: object) -> Facts:
        raise ValueError("unreadable project")

    log: list[str] = []
    project = _project(log)
    project = Project(**{**vars(project), "static": Tier("static", "", STATIC, broken)})
    report, _ = _grade(project, tmp_path, static_only=True)
    assert {r.message for r in report.results if r.id.startswith("static")} == {
        "the static tier could not run: unreadable project"
    }


def test_the_declared_projects_list_every_check_once() -> None:
    from harness.projects import PROJECTS

    for project in PROJECTS.values():
        ids = project.all_check_ids()
        assert len(ids) == len(set(ids)) > 10
        assert project.grade.__func__ is Project.grade  # type: ignore[attr-defined]


@pytest.mark.parametrize("level", ["beginner", "intermediate", "advanced"])
def test_each_declaration_reads_in_one_screen(level: str) -> None:
    source = Path(__file__).parent.parent / "harness" / "projects" / level / "__init__.py"
    assert len(source.read_text().splitlines()) <= 110
