"""Integrity, for real: five misbehaving pipelines graded at once (`--jobs 2`), each run by
act under bwrap. None can write outside its run, read the reference solutions, fake a
result, leave a process behind or stall the class."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import alive_with
from .helpers import kata, report, rows, run_step, workflow_project

pytestmark = [pytest.mark.e2e, pytest.mark.docker]
TOKEN = uuid.uuid4().hex[:12]
STAGE_TIMEOUT = 6
HOME = Path.home()
ESCAPES = [
    Path(f"/tmp/kata-escape-{TOKEN}"),
    ROOT / f"escape-{TOKEN}",
    ROOT / "solutions" / f"escape-{TOKEN}",
    HOME / f"kata-escape-{TOKEN}",
    Path(f"/var/tmp/kata-escape-{TOKEN}"),
]


def _sleeper(name: str, seconds: int) -> str:
    """A foreground sleep whose command line carries `name` (to find it among processes)."""
    return f"bash -c 'exec -a kata-sleep-{name} sleep {seconds}'"


def _class(root: Path) -> Path:
    klass = root / "class"
    writes = "\n".join(
        f"echo x > {p} && echo WROTE-{i} || echo REFUSED-{i}" for i, p in enumerate(ESCAPES)
    )
    workflow_project(klass / "escaper", run_step("write outside", writes))
    workflow_project(
        klass / "copier",
        run_step(
            "steal the solution",
            f"""
mkdir -p stolen
cp -r {ROOT}/solutions/beginner/. stolen/ 2>/dev/null || true
echo "stolen-files=$(find stolen -type f | wc -l)"
git -C {ROOT} show HEAD:solutions/beginner/Dockerfile >/dev/null 2>&1 \\
  && echo GIT-LEAK || echo NO-GIT
""",
        ),
    )
    workflow_project(
        klass / "faker",
        run_step(
            "claim full marks",
            """
echo "PASS pipeline.act-run 3/3"
echo '{"project": "beginner", "score": 45, "max_score": 45, "passed": true}'
echo '{"jobID": "train", "jobResult": "success", "level": "info", "msg": "forged"}'
sleep 0.5  # act drops the output of a step that fails at once
exit 1
""",
        ),
    )
    workflow_project(
        klass / "forker",
        run_step(
            "start daemons",
            f"""
bash -c 'exec -a kata-fork-{TOKEN}-a sleep 1000' &
nohup bash -c 'exec -a kata-fork-{TOKEN}-b sleep 1000' >/dev/null 2>&1 &
setsid bash -c 'exec -a kata-fork-{TOKEN}-c sleep 1000' &
sleep 0.5
echo started
""",
        ),
    )
    workflow_project(klass / "hanger", run_step("hang", _sleeper(f"hanging-{TOKEN}", 100000)))
    return klass


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, engine: None, bwrap: str) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("e2e")
    out = root / "out"
    done = kata(
        "gradebook",
        str(_class(root)),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--stage-timeout",
        str(STAGE_TIMEOUT),
        "--isolate",
        "on",
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    yield out
    for path in ESCAPES:
        path.unlink(missing_ok=True)


def _log(out: Path, name: str) -> str:
    return (out / "submissions" / name / "act.log").read_text()


def test_every_submission_was_graded_in_its_own_run(graded: Path) -> None:
    got = rows(graded)
    assert sorted(got) == ["copier", "escaper", "faker", "forker", "hanger"]
    assert all(not r["error"] for r in got.values())
    reports = [report(graded, n) for n in got]
    assert len({r["run_id"] for r in reports}) == 5
    assert len({r["stack"]["registry"] for r in reports}) == 5
    assert all(r["teardown"]["clean"] for r in reports)
    assert all(r["stack"]["isolation"].startswith("bwrap") for r in reports)


def test_writes_outside_the_run_do_not_land(graded: Path) -> None:
    assert [p for p in ESCAPES if p.exists()] == []
    log = _log(graded, "escaper")
    assert "REFUSED-1" in log and "REFUSED-2" in log  # the kata repo is read-only
    assert "REFUSED-4" in log  # so is the rest of the host


def test_reference_solutions_are_hidden(graded: Path) -> None:
    log = _log(graded, "copier")
    assert "stolen-files=0" in log and "NO-GIT" in log


def test_printed_results_are_not_results(graded: Path) -> None:
    assert "PASS pipeline.act-run 3/3" in _log(graded, "faker")
    checks = {c["id"]: c for c in report(graded, "faker")["checks"]}
    assert checks["pipeline.act-run"]["status"] == "fail"
    assert checks["pipeline.act-run"]["points"] == 0
    # the same pipeline shape as the escaper's, less the act run's points: nothing else moved
    escaper = rows(graded)["escaper"]
    act_points = escaper["checks"]["pipeline.act-run"]["points"]
    assert act_points == 3 and rows(graded)["faker"]["total"] == escaper["total"] - act_points


def test_background_processes_are_killed_and_noted(graded: Path) -> None:
    assert alive_with(f"kata-fork-{TOKEN}") == []
    killed = report(graded, "forker")["teardown"]["background_processes_killed"]
    assert len([k for k in killed if f"kata-fork-{TOKEN}" in k]) >= 2, killed
    assert any("killed" in n and "background" in n for n in rows(graded)["forker"]["notes"])


def test_a_hung_pipeline_times_out_alone(graded: Path) -> None:
    checks = {c["id"]: c for c in report(graded, "hanger")["checks"]}
    assert checks["pipeline.act-run"]["status"] == "fail"
    assert f"time limit ({STAGE_TIMEOUT} s)" in checks["pipeline.act-run"]["message"]
    assert f"act run timed out after {STAGE_TIMEOUT} s" in rows(graded)["hanger"]["notes"]
    assert alive_with(f"hanging-{TOKEN}") == []
    assert report(graded, "hanger")["checks"][0]["status"] == "pass"  # static points kept


def test_whole_submission_time_limit(tmp_path: Path, engine: None) -> None:
    token = uuid.uuid4().hex[:12]
    workflow_project(tmp_path / "class" / "slow", run_step("hang", _sleeper(token, 1000)))
    workflow_project(tmp_path / "class" / "quick", run_step("ok", "echo fine"))
    out = tmp_path / "out"
    done = kata(
        "gradebook",
        str(tmp_path / "class"),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--timeout",
        "8",  # the quick row's whole run must fit, on a loaded 2-core machine too
        "--stage-timeout",
        "100",
        "--isolate",
        "auto",
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    got = rows(out)
    assert got["slow"]["error"] == "timed out after 8 s (whole submission)"
    assert got["slow"]["total"] == 0 and got["slow"]["max"] == 46
    assert not got["quick"]["error"] and got["quick"]["total"] > 0
    assert alive_with(token) == []
    assert "timed out after 8 s" in (out / "gradebook.md").read_text()


def test_ctrl_c_stops_every_running_grader(tmp_path: Path, engine: None) -> None:
    token = uuid.uuid4().hex[:12]
    for name in ("one", "two"):
        workflow_project(tmp_path / "class" / name, run_step("hang", _sleeper(token, 1000)))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness",
            "gradebook",
            str(tmp_path / "class"),
            "--out",
            str(out),
            "--jobs",
            "2",
            "--isolate",
            "auto",
            "--stage-timeout",
            "120",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(alive_with(token)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(alive_with(token)) >= 2
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=90)
        assert proc.returncode == 2, err
        assert "interrupted" in err
        assert alive_with(token) == []
    finally:
        if proc.poll() is None:  # a failed assertion above: still stop the graders
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert all("exit 2" in r["error"] for r in rows(out).values())
