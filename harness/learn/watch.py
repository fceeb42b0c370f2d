"""`python -m harness watch LEVEL [--path DIR]`: the static tier again within a second of
every save; the full pipeline when asked (Enter or `f` + Enter); `q` + Enter or Ctrl-C quits.

Saves only re-run the static tier and do not count as attempts for the hints; a full run is
recorded in the progress file like `grade` (an attempt at each check it fails whose files
changed since that check last failed).
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import TextIO

import watchfiles

from harness.checks import CheckResult, Status
from harness.grading.guard import guarded_grade
from harness.pipeline import Project
from harness.report.model import Report
from harness.runner import Options

from . import state
from .attempts import fingerprints
from .hints import Hint, HintingConsole
from .progress import current_hints

DEBOUNCE_MS = 50
STEP_MS = 20
Event = tuple[str, str]


class WatchConsole(HintingConsole):
    """Quieter for the static reruns: no banner, no skipped runtime checks."""

    def __init__(self, hints: dict[str, Hint], stream: TextIO | None, static: bool) -> None:
        super().__init__(hints, stream)
        self.static = static

    def banner(self, title: str, stack: dict[str, str], stand_ins: list[str]) -> None:
        if not self.static:
            super().banner(title, stack, stand_ins)

    def stage(self, name: str) -> None:
        if not self.static:
            super().stage(name)

    def result(self, r: CheckResult) -> None:
        if not (self.static and r.status is Status.SKIP):
            super().result(r)


def _watch_files(path: Path, events: queue.Queue[Event], stop: threading.Event) -> None:
    ready = False
    for changes in watchfiles.watch(
        path,
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        stop_event=stop,
        rust_timeout=200,
        yield_on_timeout=True,
        raise_interrupt=False,
    ):
        if not ready:
            ready = True
            events.put(("ready", ""))
        if changes:
            names = sorted({Path(p).name for _, p in changes})
            events.put(("changed", ", ".join(names)))


def _read_commands(stdin: TextIO, events: queue.Queue[Event]) -> None:
    for line in stdin:
        events.put(("command", line.strip().lower()))


class Watcher:
    def __init__(self, project: Project, level: str, path: Path, stream: TextIO) -> None:
        self.project, self.level, self.path, self.stream = project, level, path, stream

    def say(self, text: str) -> None:
        print(f"[watch {time.strftime('%H:%M:%S')}] {text}", file=self.stream, flush=True)

    def static_run(self, why: str) -> Report:
        start = time.monotonic()
        hints = current_hints(self.level, state.load())
        console = WatchConsole(hints, self.stream, static=True)
        options = Options(project_dir=self.path, level=self.level, static_only=True)
        report: Report = self.project.grade(options, console)
        ran = [r for r in report.results if r.status is not Status.SKIP]
        points = sum(r.points for r in ran)
        passed = len([r for r in ran if r.status is Status.PASS])
        self.say(
            f"static tier: {points:g}/{sum(r.max_points for r in ran)} points, "
            f"{passed}/{len(ran)} checks pass ({why}; {1000 * (time.monotonic() - start):.0f} ms)"
        )
        return report

    def full_run(self) -> Report:
        progress = state.load()
        reads = fingerprints(self.level, self.path)
        console = WatchConsole(current_hints(self.level, progress, reads), self.stream, False)
        options = Options(project_dir=self.path, level=self.level)
        report = guarded_grade(self.project, options, console)
        console.summary(report)
        progress.record(report, reads)
        state.save(progress)
        self.say("full run recorded in your progress (python -m harness progress)")
        return report


def watch(project: Project, level: str, path: Path, stream: TextIO, stdin: TextIO | None) -> int:
    watcher = Watcher(project, level, path, stream)
    events: queue.Queue[Event] = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_watch_files, args=(path, events, stop), daemon=True).start()
    if stdin is not None:
        threading.Thread(target=_read_commands, args=(stdin, events), daemon=True).start()
    watcher.static_run("start")
    try:
        while True:
            kind, value = events.get()
            if kind == "ready":
                watcher.say(
                    f"watching {path}: save a file to re-run the static tier; "
                    "Enter or f + Enter: full run; q + Enter: quit"
                )
            elif kind == "changed":
                while not events.empty() and events.queue[0][0] == "changed":
                    value += ", " + events.get()[1]
                watcher.static_run(f"changed: {value}")
            elif value in ("", "f", "full"):
                watcher.full_run()
            elif value in ("q", "quit", "exit"):
                break
            else:
                watcher.say(f"unknown command {value!r}: Enter or f = full run, q = quit")
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    watcher.say("bye")
    return 0
