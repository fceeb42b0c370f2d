"""Live progress on the terminal: stages as they start, each check as it finishes."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from harness.checks import CheckResult, Status

from .model import Report

COLOURS = {Status.PASS: "32", Status.FAIL: "31", Status.SKIP: "33", Status.ERROR: "35"}
LABELS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.SKIP: "SKIP", Status.ERROR: "ERROR"}


class Console:
    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.colour = self.stream.isatty() and "NO_COLOR" not in os.environ

    def _paint(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def line(self, text: str = "") -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def banner(self, title: str, stack: dict[str, str], stand_ins: list[str]) -> None:
        self.line(self._paint("1", f"== {title} =="))
        for part, what in stack.items():
            self.line(f"   {part:<10} {what}")
        for note in stand_ins:
            self.line(self._paint("36", f"   stand-in: {note}"))

    def stage(self, name: str) -> None:
        self.line(self._paint("1", f"-- {name}"))

    def progress(self, text: str) -> None:
        self.line(self._paint("2", text))

    def result(self, r: CheckResult) -> None:
        label = self._paint(COLOURS[r.status], f"{LABELS[r.status]:<5}")
        first, *rest = (r.message or "").splitlines() or [""]
        self.line(f"   {label} {r.id:<28} {r.points:g}/{r.max_points}  {first}")
        for extra in rest[:15]:
            self.line(f"         {extra}")
        if r.status is not Status.PASS and r.hint:
            self.line(self._paint("36", f"         hint: {r.hint}"))

    def summary(self, report: Report) -> None:
        counts = report.counts()
        verdict = "ALL CHECKS PASSED" if report.passed else "not passed yet"
        self.line()
        self.line(
            self._paint(
                "1", f"{report.project}: {report.score:g}/{report.max_score} points, {verdict}"
            )
            + f"  ({counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped, "
            f"{counts['error']} errors, {report.duration_s:.1f} s)"
        )
        for decision in report.decisions:
            self.line(f"   decision: {decision}")
        if report.harness_error:
            self.line(self._paint("31", f"harness error: {report.harness_error}"))
        for text, bad in after_run_lines(report):
            self.line(self._paint("31", text) if bad else text)


def after_run_lines(report: Report) -> list[tuple[str, bool]]:
    """The summary's lines on what surrounded the run (isolation of act, the teardown
    proof), each with whether it is bad news; none for a run that started nothing."""
    out = []
    isolation = report.stack.get("isolation")
    if isolation:
        out.append((f"isolation: {isolation}", not isolation.startswith("bwrap")))
    teardown = report.teardown
    if teardown:
        leftovers, problems = teardown.get("leftovers"), teardown.get("problems") or []
        if teardown.get("clean"):
            out.append(("teardown: clean, nothing of the run is left", False))
        if leftovers:
            out.append((f"teardown left behind: {leftovers}", True))
        for problem in problems:
            out.append((f"teardown problem: {problem}", True))
        if not teardown.get("clean") and not leftovers and not problems:
            out.append(("teardown: not proven clean", True))
    return out
