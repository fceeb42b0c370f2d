"""Learner commands: `progress`, `watch` and `reset`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.grading import KATA_ROOT
from harness.projects import PROJECTS, get_project

from . import state
from .progress import render
from .reset import reset
from .watch import watch

COMMANDS = ("progress", "watch", "reset")


def add_parsers(sub: Any) -> None:
    sub.add_parser("progress", help="your score per level and the next check to work on")
    w = sub.add_parser("watch", help="re-run the static tier on every save")
    w.add_argument("level", choices=sorted(PROJECTS))
    w.add_argument("--path", type=Path, help="the project folder (default exercises/LEVEL)")
    r = sub.add_parser("reset", help="reset exercises/LEVEL to its starter state (backed up)")
    r.add_argument("level")
    r.add_argument("--path", type=Path, help="the folder to reset (default exercises/LEVEL)")
    r.add_argument("--backup-dir", type=Path, help="where backups go (default .kata/backups)")


def run(args: argparse.Namespace) -> int:
    if args.command == "progress":
        sys.stdout.write(render(state.load()))
        print(f"(state: {state.state_path()})")
        return 0
    if args.command == "watch":
        path = (args.path or KATA_ROOT / "exercises" / args.level).resolve()
        if not path.is_dir():
            raise UsageError(f"{path} is not a directory; pass --path to a project folder")
        return watch(get_project(args.level), args.level, path, sys.stderr, sys.stdin)
    target = args.path.resolve() if args.path else None
    saved = reset(args.level, target, backups=args.backup_dir)
    where = target or KATA_ROOT / "exercises" / args.level
    print(f"reset {where} to the starter of {args.level}")
    print(f"your previous work is backed up in {saved}" if saved else "(nothing to back up)")
    return 0
