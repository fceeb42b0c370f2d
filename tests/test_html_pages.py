"""The run page and the class dashboard: built from reports made here (no graded run), read
as data, and rendered in a real browser (headless Chromium) to check what a person sees."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.act_results import ActRun, JobResult, consume_line
from harness.canary import Sample, Thresholds, Traffic, analyse, judge_split
from harness.checks import CheckList, Outcome, failed, passed, run_check, skipped
from harness.grading.gradebook import merge, write_entry, write_gradebook
from harness.projects.advanced.runtime_checks import CanaryObservation
from harness.redact import Redactor
from harness.report.html import html_beside, to_html
from harness.report.jobs import job_records
from harness.report.model import Report
from harness.workflows import Workflow

WORKFLOW = """
name: promote
on: push
jobs:
  train: {runs-on: ubuntu-latest, steps: [{run: python train.py}]}
  build: {runs-on: ubuntu-latest, needs: train, steps: [{run: docker build .}]}
  staging:
    runs-on: ubuntu-latest
    needs: [build]
    environment: staging
    steps: [{run: ./canary.sh}]
  production:
    runs-on: ubuntu-latest
    needs: staging
    environment: {name: production}
    steps: [{run: ./promote.sh}]
"""
SECRET = "hunter2-do-not-show"

CHECKS = CheckList[None]()


@CHECKS.add("pipeline.act-run", "The workflow runs", stage="pipeline", points=2, hint="")
def _ran(ctx: None) -> Outcome:
    return passed("3 of 4 jobs succeeded")


@CHECKS.add("canary.split", "Canary split", stage="canary", points=3, hint="set the weight")
def _split(ctx: None) -> Outcome:
    return failed("200/1000 requests reached the canary\nsecond line <b>kept</b>", credit=0.5)


@CHECKS.add("deploy.prod", "Prod", stage="outcome", points=1, hint="approve production")
def _prod(ctx: None) -> Outcome:
    return skipped("the production job waits for approval")


def _act_run() -> ActRun:
    jobs: dict[str, JobResult] = {}
    lines: list[dict[str, Any]] = []
    for job, seconds in (("train", 4.0), ("build", 9.5), ("staging", 31.0)):
        lines += [
            {
                "jobID": job,
                "stepID": ["0"],
                "stage": "Main",
                "raw_output": True,
                "msg": f"{job}…\n",
            },
            {"jobID": job, "stepID": ["0"], "stage": "Main", "raw_output": True, "msg": "<ok>\n"},
            {
                "jobID": job,
                "stepID": ["0"],
                "stage": "Main",
                "raw_output": True,
                "msg": f"login with {SECRET}\n",
            },
            {
                "jobID": job,
                "stepID": ["0"],
                "stage": "Main",
                "step": f"Run {job}",
                "stepResult": "success",
                "executionTime": seconds * 1e9,
            },
            {"jobID": job, "jobResult": "success"},
        ]
    # a composite action's inner step: act reports it, then the outer step again
    inner = {"jobID": "build", "stepID": ["0", "1"], "stage": "Main"}
    at = next(i for i, e in enumerate(lines) if e.get("step") == "Run build")
    lines[at:at] = [
        {**inner, "raw_output": True, "msg": "inner says hi\n"},
        {**inner, "step": "inner", "stepResult": "success", "executionTime": 9e9},
    ]
    redact = Redactor([SECRET])  # as run_act does to every line before it parses it
    for entry in lines:
        consume_line(redact(json.dumps(entry)), jobs, [], None)
    return ActRun(0, jobs, 45.0, Path("act.log"))


def _canary() -> dict[str, Any]:
    split = Traffic(
        [Sample("iris-canary" if i % 5 == 0 else "iris", 200, 12.0) for i in range(1000)]
    )
    always = Traffic([Sample("iris-canary", 200, 10.0)] * 50)
    never = Traffic([Sample("iris", 200, 10.0)] * 50)
    obs = CanaryObservation(
        20.0,
        "iris-canary",
        "iris",
        judge_split(split, "iris-canary", 20.0),
        always,
        never,
        "X-Canary",
    )
    obs.decisions.append(analyse(split.of("iris-canary") + always.samples, Thresholds()))
    return obs.facts()


def sample_report() -> Report:
    report = Report(project="advanced", path="/learner", run_id="abc123", stack={"cluster": "k8s"})
    report.stand_ins = ["moto stands in for the S3 state backend"]
    report.results = [run_check(c, None) for c in CHECKS]
    report.jobs = job_records(
        [Workflow(Path("ci.yml"), yaml.safe_load(WORKFLOW), WORKFLOW)], _act_run()
    )
    report.facts = {
        "gates": [
            {"job": "staging", "environment": "staging", "approved_by": "Ada"},
            {"job": "production", "environment": "production", "approved_by": ""},
        ],
        "canary": _canary(),
    }
    report.decisions = ["gate staging: job `staging` approved by Ada"]
    report.teardown = {"clean": True, "leftovers": ""}
    report.stage_timings = {"setup": 20.0, "act run": 45.0, "teardown": 3.0}
    report.duration_s = 70.0
    return report


# --- the report's data ---------------------------------------------------------------


def test_jobs_come_from_the_workflow_with_act_results_and_step_logs() -> None:
    jobs = {j["id"]: j for j in sample_report().jobs}
    assert list(jobs) == ["train", "build", "staging", "production"]
    assert jobs["staging"]["needs"] == ["build"] and jobs["staging"]["environment"] == "staging"
    assert jobs["production"]["environment"] == "production"
    assert jobs["production"]["result"] == "not run" and jobs["production"]["steps"] == []
    step = jobs["build"]["steps"][0]
    assert step["name"] == "Run build" and step["duration_s"] == 9.5
    assert step["log"] == ["build…", "<ok>", "login with ***", "inner says hi"]
    assert [s["name"] for s in jobs["build"]["steps"]] == ["Run build"]  # the inner one once
    assert jobs["build"]["duration_s"] == 9.5


def test_json_carries_jobs_and_facts() -> None:
    data = json.loads(json.dumps(sample_report().to_dict()))
    assert [j["id"] for j in data["jobs"]] == ["train", "build", "staging", "production"]
    canary = data["facts"]["canary"]
    assert canary["canary_requests"] == 200 and canary["weight"] == 0.2
    assert canary["interval"][0] < 0.2 < canary["interval"][1] and canary["inside"]
    assert canary["header"]["always"] == [50, 50]
    assert canary["analysis"][0]["verdict"] == "promote"


def test_a_report_without_jobs_or_facts_still_renders() -> None:
    old = sample_report().to_dict()
    del old["jobs"], old["facts"]
    page = to_html(old)
    assert "The workflows did not run" in page and "No live canary" in page


def test_page_escapes_what_the_run_printed_and_html_goes_beside_json() -> None:
    page = to_html(sample_report())
    assert SECRET not in page and "login with ***" in page
    assert "&lt;ok&gt;" in page and "<ok>" not in page
    assert "&lt;b&gt;kept&lt;/b&gt;" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert html_beside(Path("out/r.json")) == Path("out/report.html")
    assert html_beside(Path("out/report.html")) == Path("out/report.page.html")


# --- the gradebook --------------------------------------------------------------------

MAX = {"pipeline.act-run": 2, "canary.split": 3, "deploy.prod": 1}


def _submission(out: Path, name: str, outcomes: dict[str, str], seconds: float) -> None:
    report = sample_report()
    for result in report.results:
        status = outcomes[result.id]
        result.status = result.status.__class__(status)
        result.points = float(result.max_points) if status == "pass" else 0.0
    report.duration_s = seconds
    folder = out / "submissions" / name
    write_entry(folder, {"name": name, "level": "demo", "source": name, "notes": []})
    (folder / "report.json").write_text(json.dumps(report.to_dict()))


def class_folder(out: Path) -> Path:
    _submission(
        out, "ada", {"pipeline.act-run": "pass", "canary.split": "pass", "deploy.prod": "fail"}, 90
    )
    _submission(
        out, "bob", {"pipeline.act-run": "pass", "canary.split": "fail", "deploy.prod": "fail"}, 60
    )
    _submission(
        out, "cy", {"pipeline.act-run": "fail", "canary.split": "fail", "deploy.prod": "pass"}, 30
    )
    write_gradebook(out)
    return out


def csv_rates(out: Path) -> dict[str, tuple[int, int]]:
    """passed/graded per check, read from gradebook.csv (full points is a pass here)."""
    with (out / "gradebook.csv").open() as f:
        rows = list(csv.DictReader(f))
    return {
        cid: (
            sum(1 for r in rows if r[cid] and float(r[cid]) == top),
            sum(1 for r in rows if r[cid]),
        )
        for cid, top in MAX.items()
    }


def test_gradebook_writes_a_dashboard_and_run_pages_and_merge_gives_the_same(
    tmp_path: Path,
) -> None:
    out = class_folder(tmp_path / "book")
    page = (out / "gradebook.html").read_text()
    for name in ("ada", "bob", "cy"):
        assert (out / "submissions" / name / "report.html").is_file()
        assert f"submissions/{name}/report.html" in page
    shard_a, shard_b = tmp_path / "a", tmp_path / "b"
    for shard, names in ((shard_a, ["ada"]), (shard_b, ["bob", "cy"])):
        for name in names:
            shutil.copytree(out / "submissions" / name, shard / "submissions" / name)
    merged = tmp_path / "merged"
    merge([shard_a, shard_b], merged)
    assert (merged / "gradebook.html").read_bytes() == (out / "gradebook.html").read_bytes()
    assert csv_rates(out) == {
        "pipeline.act-run": (2, 3),
        "canary.split": (1, 3),
        "deploy.prod": (1, 3),
    }


# --- in a real browser -----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
browser = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (apt-get install chromium; scripts/bootstrap.sh "
    "installs it)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-extensions",
]


def chromium(page: Path, *args: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, *args, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Dom(HTMLParser):
    """The rendered DOM as elements with their attributes and the text inside each."""

    VOID = frozenset({"meta", "br", "rect", "line", "path", "link", "img", "input", "hr"})

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self.open: list[list[str]] = []
        self.feed(markup)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        texts: list[str] = []
        self.found.append((tag, {k: v or "" for k, v in attrs}, texts))
        if tag not in self.VOID:
            self.open.append(texts)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}, []))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for texts in self.open:
            texts.append(data)

    def having(self, cls: str) -> list[tuple[dict[str, str], str]]:
        return [(a, "".join(t)) for _, a, t in self.found if cls in a.get("class", "").split()]


@browser
def test_run_page_in_chromium_shows_each_job_with_its_state_and_the_canary_interval(
    tmp_path: Path,
) -> None:
    page = tmp_path / "run.html"
    page.write_text(to_html(sample_report()))
    dom = Dom(chromium(page, "--dump-dom"))
    jobs = {a["data-job"]: text for a, text in dom.having("job")}
    assert set(jobs) == {"train", "build", "staging", "production"}
    assert "success" in jobs["train"] and "9.5 s" in jobs["build"]
    assert "approved by Ada" in jobs["staging"]
    assert "not run" in jobs["production"] and "waiting for approval" in jobs["production"]
    assert len(dom.having("edge")) == 3
    ((interval, label),) = dom.having("interval")
    canary = sample_report().facts["canary"]
    assert float(interval["data-low"]) == pytest.approx(canary["interval"][0], abs=1e-4)
    assert f"{canary['interval'][0]:.1%}" in label and f"{canary['interval'][1]:.1%}" in label
    ((share, shown),) = dom.having("share")
    assert share["data-inside"] == "true" and "observed 20.0%" in shown
    assert [a["data-ok"] for a, _ in dom.having("gauge")] == ["true", "true"]
    statuses = {a["data-id"]: a["data-status"] for a, _ in dom.having("check")}
    assert statuses == {"pipeline.act-run": "pass", "canary.split": "fail", "deploy.prod": "skip"}
    shot = tmp_path / "run.png"
    chromium(page, f"--screenshot={shot}", "--window-size=1200,1800", "--hide-scrollbars")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


@browser
def test_dashboard_in_chromium_shows_the_rates_of_the_csv(tmp_path: Path) -> None:
    out = class_folder(tmp_path / "book")
    dom = Dom(chromium(out / "gradebook.html", "--dump-dom"))
    shown = {a["data-check"]: text for a, text in dom.having("rate")}
    for cid, (ok, graded) in csv_rates(out).items():
        assert f"{ok}/{graded}" in shown[cid]
        assert f"{round(100 * ok / graded)} %" in shown[cid]
    bars = {a["data-name"]: float(a["data-value"]) for a, _ in dom.having("bar")}
    assert bars["canary.split"] == pytest.approx(1 / 3, abs=1e-4)
    assert sum(int(a["data-count"]) for a, _ in dom.having("bin")) == 3
    links = [a["href"] for tag, a, _ in dom.found if tag == "a"]
    assert links == [f"submissions/{n}/report.html" for n in ("ada", "bob", "cy")]
