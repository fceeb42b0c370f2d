"""`python -m harness drill`: break-fix drills against the reference solutions.

drill --list                    the catalogue
drill NAME [--restart]          make .kata/drills/NAME (the fault injected), start the timer
drill --random [--seed N]       the same, for a drill picked at random
drill NAME --check              grade the fix; on a pass, record the time
drill NAME --hint | --giveup    the target checks' hints | the reference fix as a diff
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from harness.errors import UsageError
from harness.projects import PROJECTS

from . import commands
from .catalog import get_drill, pick
from .workspace import DRILLS_DIR

COMMANDS = ("drill",)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("drill", help="break-fix drills: fix an injected fault against the clock")
    p.add_argument("name", nargs="?", help="the drill (see --list)")
    action = p.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list the drills")
    action.add_argument("--random", action="store_true", help="start a drill picked at random")
    action.add_argument("--check", action="store_true", help="grade the drill folder")
    action.add_argument("--hint", action="store_true", help="the target checks' hints")
    action.add_argument("--giveup", action="store_true", help="show the reference fix (a diff)")
    p.add_argument("--seed", type=int, help="--random: seed for a repeatable pick")
    p.add_argument("--level", choices=sorted(PROJECTS), help="--random: only this level")
    p.add_argument("--restart", action="store_true", help="start over (replaces the folder)")
    p.add_argument("--dir", type=Path, help=f"where drill folders go (default {DRILLS_DIR})")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    base = (args.dir or DRILLS_DIR).resolve()
    if args.list:
        return commands.list_drills(stream)
    if args.random:
        if args.name:
            raise UsageError("give either a drill name or --random, not both")
        drill = pick(random.Random(args.seed), args.level)
        return commands.start(drill, base, stream, restart=args.restart, now=time.time)
    if not args.name:
        raise UsageError("name a drill (python -m harness drill --list), or use --random")
    drill = get_drill(args.name)
    if args.check:
        return commands.check(drill, base, stream, now=time.time)
    if args.hint:
        return commands.hint(drill, stream)
    if args.giveup:
        return commands.give_up(drill, stream, now=time.time)
    return commands.start(drill, base, stream, restart=args.restart, now=time.time)
