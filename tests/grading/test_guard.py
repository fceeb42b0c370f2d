"""The guard around act runs: isolation choices, the bwrap command line, output limits, and
a real unisolated run whose background processes are still found and killed."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from harness import act_runner
from harness.errors import HarnessError
from harness.grading import KATA_ROOT
from harness.grading.guard import guarded_grade
from harness.grading.isolation import bwrap_prefix, choose
from harness.grading.limits import MESSAGE_LIMIT, append_log, cap_text
from harness.projects import beginner
from harness.report.terminal import Console
from harness.runner import Options

from .conftest import alive_with
from .helpers import run_step, workflow_project


def test_without_bwrap_auto_warns_and_on_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KATA_BWRAP", "none")
    auto = choose("auto")
    assert not auto.on and auto.note.startswith("OFF, WARNING: bwrap is not installed")
    assert "apt-get install -y bubblewrap" in auto.note
    with pytest.raises(HarnessError, match="isolation was required"):
        choose("on")
    assert not choose("off").on
    with pytest.raises(HarnessError):
        choose("sometimes")


def test_bwrap_command_line(tmp_path: Path) -> None:
    workdir = tmp_path / "run"
    (workdir / "registry").mkdir(parents=True)
    args = bwrap_prefix(
        "/usr/bin/bwrap", workdir=workdir, cwd=workdir / "repo", kata_root=KATA_ROOT, act="/x/act"
    )
    joined = " ".join(args)
    assert args[:3] == ["/usr/bin/bwrap", "--die-with-parent", "--unshare-pid"]
    assert "--ro-bind / /" in joined and "--tmpfs /tmp" in joined
    assert f"--tmpfs {Path.home().resolve()}" in joined
    assert f"--bind {workdir.resolve()} {workdir.resolve()}" in joined
    assert f"--tmpfs {workdir.resolve() / 'registry'}" in joined
    solutions = (KATA_ROOT / "solutions").resolve()
    assert f"--tmpfs {solutions} --remount-ro {solutions}" in joined
    assert "--unshare-net" not in args and args[-1] == "--"
    # the private /tmp comes before the run's folder is bound back into it
    assert args.index("/tmp") < args.index(str(workdir.resolve()))


def test_limits(tmp_path: Path) -> None:
    assert cap_text("x" * 10, 20) == "x" * 10
    capped = cap_text("x" * 50, 20)
    assert capped.startswith("x" * 20) and "30 more characters" in capped
    src, dest = tmp_path / "src.log", tmp_path / "out" / "act.log"
    src.write_text("a" * 100)
    assert append_log(src, dest, limit=150) is False
    assert append_log(src, dest, limit=150) is True
    assert dest.read_text().startswith("a" * 150) and "truncated at 150 bytes" in dest.read_text()


@pytest.mark.docker
def test_unisolated_run_still_reaps_and_caps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: None
) -> None:
    token = uuid.uuid4().hex[:12]
    script = f"""
bash -c 'exec -a kata-fork-{token}-a sleep 1000' &
setsid bash -c 'exec -a kata-fork-{token}-b sleep 1000' &
(env -i setsid bash -c 'exec -a kata-fork-{token}-c sleep 1000' &)
for i in $(seq 1 1500); do echo "line $i of a chatty step, padded to fill the log quickly"; done
python3 -c "print('y' * 20000)"
sleep 0.5
exit 1
"""
    project = workflow_project(tmp_path / "p", run_step("chatty forker", script))
    monkeypatch.setenv("KATA_BWRAP", "none")
    monkeypatch.setattr(act_runner, "LOG_LIMIT_BYTES", 40_000)
    options = Options(
        project_dir=project,
        level="beginner",
        isolation="auto",
        act_log=tmp_path / "kept" / "act.log",
    )
    report = guarded_grade(beginner.PROJECT, options, Console(io.StringIO()))
    assert report.stack["isolation"].startswith("OFF, WARNING")
    killed = report.teardown["background_processes_killed"]
    # a plain `&` child dies with its step (act ends the step's group); the others are ours
    assert len([k for k in killed if f"kata-fork-{token}" in k]) >= 2, killed
    assert alive_with(f"kata-fork-{token}") == []
    log = (tmp_path / "kept" / "act.log").read_text()
    assert len(log) < 41_000 and "[kata] act log truncated" in log
    act_run = next(r for r in report.results if r.id == "pipeline.act-run")
    assert act_run.status == "fail"
    assert len(act_run.message) <= MESSAGE_LIMIT + 80 and "truncated" in act_run.message
    assert report.teardown["clean"]
