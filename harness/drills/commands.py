"""What each `drill` command does and prints: list, start, check, hint, give up."""

from __future__ import annotations

import shutil
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from harness.checks import Status
from harness.errors import UsageError
from harness.learn.catalog import checks_for

from . import record, workspace
from .catalog import DRILLS
from .judge import Verdict, judge
from .model import Drill
from .record import clock

Clock = Callable[[], float]
MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.SKIP: "SKIP", Status.ERROR: "ERROR"}
TIERS = {
    "beginner": "static tier, well under a second",
    "intermediate": "static and Terraform tiers (validate, checkov, plan), seconds",
}


def _command(drill: Drill, *flags: str) -> str:
    return " ".join(["python -m harness drill", drill.name, *flags])


def list_drills(out: TextIO) -> int:
    book = record.load()
    width = max(len(d.name) for d in DRILLS)
    print(f"{'name':<{width}}  {'level':<12} {'difficulty':<10} title", file=out)
    for d in DRILLS:  # never the target checks: they name the cause the incident withholds
        entry = book.drills.get(d.name)
        best = f"  (best {clock(entry.best_s)})" if entry and entry.best_s is not None else ""
        print(f"{d.name:<{width}}  {d.level:<12} {d.difficulty:<10} {d.title}{best}", file=out)
    print(
        "\nEach drill is judged by its level's fast tiers: "
        + "; ".join(f"{level}: {tier}" for level, tier in TIERS.items())
        + ".\nStart one: python -m harness drill NAME (or --random); "
        "`--hint` names the checks that judge it.",
        file=out,
    )
    return 0


def start(drill: Drill, base: Path, out: TextIO, *, restart: bool, now: Clock) -> int:
    folder = base / drill.name
    book = record.load()
    if folder.exists():
        if not restart:
            raise UsageError(
                f"{folder} exists: the drill is in progress. Grade it with "
                f"`{_command(drill, '--check')}`, or start over with --restart"
            )
        shutil.rmtree(folder)
    previous = book.current(drill.name)
    if previous is not None and previous.open:
        previous.outcome = "abandoned"
    workspace.create(drill, folder)
    attempt = book.start(drill.name, folder, now())
    record.save(book)
    started = time.strftime("%H:%M:%S", time.localtime(attempt.started))
    print(
        f"== Drill {drill.name} ({drill.level}, {drill.difficulty}): {drill.title} ==\n", file=out
    )
    print("Incident", file=out)
    print(
        textwrap.fill(drill.scenario, 92, initial_indent="   ", subsequent_indent="   "), file=out
    )
    print(file=out)
    rows = [
        ("Repository", f"{folder}  (git, one commit: the broken state; `git diff` shows your fix)"),
        ("Timer", f"started at {started}"),
        ("When fixed", _command(drill, "--check")),
        ("Stuck?", "--hint shows the checks' hints (deeper each time); --giveup the reference fix"),
    ]
    for label, text in rows:
        print(f"{label:<12}{text}", file=out)
    return 0


def _print_verdict(verdict: Verdict, out: TextIO) -> None:
    for r in verdict.targets:
        print(f"   {MARK[r.status]:<5} {r.id:<30} {r.title}", file=out)
        if r.status in (Status.SKIP, Status.ERROR):
            print(f"         {r.message}", file=out)
    for r in verdict.regressions:
        print(f"   BROKE {r.id:<30} {r.message}", file=out)
    for rel in verdict.not_ignored:
        print(f"   FAIL  {rel} is not ignored by git: the next `git add -A` commits it", file=out)
    print(
        f"   other checks: {verdict.others_passed} pass, {len(verdict.regressions)} broken "
        f"({verdict.duration_s:.1f} s)",
        file=out,
    )


def check(drill: Drill, base: Path, out: TextIO, *, now: Clock) -> int:
    folder = base / drill.name
    if not folder.is_dir():
        raise UsageError(f"no drill folder {folder}; start with `{_command(drill)}`")
    book = record.load()
    attempt = book.current(drill.name)
    print(
        f"drill {drill.name}: grading {folder} ({TIERS.get(drill.level, 'fast tiers')})", file=out
    )
    verdict = judge(drill, folder)
    elapsed = now() - attempt.started if attempt else None
    since = f"{clock(elapsed)} since the start" if elapsed is not None else "no start time recorded"
    _print_verdict(verdict, out)
    if verdict.harness_error or verdict.undecided:
        print(
            f"cannot judge the drill here: {verdict.harness_error or 'a target was skipped'}",
            file=out,
        )
        return 2
    if attempt is not None and attempt.open:
        attempt.checks += 1
    if not verdict.fixed:
        record.save(book)
        print(f"not fixed yet: {since}; `{_command(drill, '--hint')}` for a nudge", file=out)
        return 1
    if attempt is None or not attempt.open:
        done = "" if attempt is None else f" (this attempt is closed: {attempt.outcome})"
        print(f"FIXED{done}; `--restart` to time a fresh attempt", file=out)
        return 0
    seconds, previous = book.finish(drill.name, now())
    record.save(book)
    if previous is None:
        best = "your first time on this drill"
    elif seconds < previous:
        best = f"a new personal best (previous {clock(previous)})"
    else:
        best = f"personal best stays {clock(previous)}"
    print(f"FIXED in {clock(seconds)}: {best}. `git diff` in the folder shows your fix.", file=out)
    return 0


def hint(drill: Drill, out: TextIO) -> int:
    book = record.load()
    attempt = book.current(drill.name)
    level = 1
    if attempt is not None and attempt.open:
        attempt.hints += 1
        level = attempt.hints
        record.save(book)
    checks = checks_for(drill.level)
    for target in drill.targets:
        check = checks.get(target)
        texts = [t for t in ((check.hint, *check.hints) if check else ()) if t]
        if not texts:
            continue
        index = min(level, len(texts))
        print(f"{target} (hint {index}/{len(texts)}): {texts[index - 1]}", file=out)
    return 0


def give_up(drill: Drill, out: TextIO, *, now: Clock) -> int:
    book = record.load()
    book.give_up(drill.name, now())
    record.save(book)
    print(f"Reference fix for {drill.name} (targets: {', '.join(drill.targets)}):\n", file=out)
    out.write(workspace.reference_diff(drill))
    print(
        "\nTo apply it, save it to a file and run `git apply --index FILE` in the drill folder. "
        "No time is recorded for this attempt; `--restart` to try again.",
        file=out,
    )
    return 0
