"""The guard around a graded run: every act run is wrapped (bwrap sandbox when available, a
reaper that kills what steps left running) and what the guard saw goes into the report.

Results never come from the run's output: the guard only adds notes (isolation, processes
killed, time-outs, log truncation); the checks, their points and their verdicts stay the
project's own.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import act_runner
from harness.act_results import ActRun
from harness.act_runner import ActHook, ActInputs
from harness.pipeline import Project
from harness.report.model import Report
from harness.report.terminal import Console
from harness.runner import Options
from harness.sandbox import Sandbox

from . import KATA_ROOT
from .isolation import Isolation, bwrap_prefix, choose
from .limits import append_log, cap_messages

REAPER = Path(__file__).resolve().parent / "reaper.py"


@dataclass
class Guard:
    isolation: Isolation
    act_log: Path | None = None
    kata_root: Path = KATA_ROOT
    runs: list[dict[str, Any]] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)
    log_truncated: bool = False

    def hook(self) -> ActHook:
        return ActHook(wrap=self.wrap, finished=self.finished)

    def _record(self, inputs: ActInputs) -> Path:
        return inputs.workdir / "act" / f"reaper-{len(self.runs)}.json"

    def wrap(self, cmd: list[str], sandbox: Sandbox, inputs: ActInputs) -> list[str]:
        prefix: list[str] = []
        if self.isolation.bwrap is not None:
            prefix = bwrap_prefix(
                self.isolation.bwrap,
                workdir=inputs.workdir,
                cwd=sandbox.repo,
                kata_root=self.kata_root,
                act=cmd[0],
            )
        reaper = [sys.executable, str(REAPER), "--report", str(self._record(inputs))]
        if self.isolation.on:
            reaper.append("--namespace")
        return [*prefix, *reaper, "--", *cmd]

    def finished(self, run: ActRun, sandbox: Sandbox, inputs: ActInputs) -> None:
        killed: list[str] = []
        try:
            record = json.loads(self._record(inputs).read_text())
            killed = [str(k) for k in record.get("killed", [])]
        except (OSError, ValueError, AttributeError):
            pass
        self.killed += killed
        self.runs.append(
            {
                "returncode": run.returncode,
                "timed_out": run.timed_out,
                "time_limit_s": inputs.timeout_s,
                "duration_s": round(run.duration_s, 2),
                "background_killed": len(killed),
            }
        )
        if self.act_log is not None:
            self.log_truncated |= append_log(run.log_path, self.act_log)

    def annotate(self, report: Report) -> None:
        """Add what the guard saw to the report (stack, teardown); cap its messages."""
        if self.runs:
            report.stack["isolation"] = self.isolation.note
            report.teardown["act_runs"] = self.runs
            report.teardown["background_processes_killed"] = self.killed
            if self.log_truncated:
                report.teardown["act_log_truncated"] = True
        cap_messages(report)


def guarded_grade(project: Project, options: Options, console: Console) -> Report:
    """`project.grade` with every act run guarded as `options` says (isolation, act log)."""
    guard = Guard(choose(options.isolation), act_log=options.act_log)
    if options.act_log is not None:
        options.act_log.unlink(missing_ok=True)
    with act_runner.act_hook(guard.hook()):
        report: Report = project.grade(options, console)
    guard.annotate(report)
    return report


def notes_of(report: dict[str, Any]) -> list[str]:
    """The guard's notes, read back from a report's JSON (as the gradebook sees it)."""
    teardown = report.get("teardown") or {}
    out = []
    isolation = str((report.get("stack") or {}).get("isolation", ""))
    if isolation and not isolation.startswith("bwrap"):
        out.append(f"isolation {isolation}")
    killed = teardown.get("background_processes_killed") or []
    if killed:
        out.append(f"killed {len(killed)} background process(es) the workflow left")
    for run in teardown.get("act_runs") or []:
        if run.get("timed_out"):
            out.append(f"act run timed out after {run.get('time_limit_s', 0):g} s")
    if teardown.get("act_log_truncated"):
        out.append("act log truncated")
    return out
