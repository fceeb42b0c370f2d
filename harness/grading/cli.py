"""Instructor commands: `gradebook`, `gradebook-merge` and `gradebook-plan`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness.errors import UsageError

from .classrun import grade_class, plan_shards, read_list
from .gradebook import merge
from .isolation import MODES
from .worker import Settings

COMMANDS = ("gradebook", "gradebook-merge", "gradebook-plan")


def add_parsers(sub: Any) -> None:
    book = sub.add_parser("gradebook", help="grade many submissions into one gradebook")
    book.add_argument(
        "submissions",
        nargs="*",
        help="project folders, git repositories, or class folders holding them",
    )
    book.add_argument(
        "--list",
        type=Path,
        metavar="FILE",
        help="more submissions: a JSON array or one path a line",
    )
    book.add_argument("--level", help="grade every submission as this level (default: detect)")
    book.add_argument("--out", type=Path, default=Path("gradebook"), help="output folder")
    book.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    book.add_argument("--static-only", action="store_true", help="only the static tier")
    book.add_argument(
        "--stage-timeout",
        type=float,
        default=900.0,
        metavar="S",
        help="time limit of the act run (default 900 s)",
    )
    book.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        metavar="S",
        help="time limit of one whole submission (default 1800 s)",
    )
    book.add_argument(
        "--isolate",
        choices=MODES,
        default="auto",
        help="run act under bwrap (default auto: when available, else warn)",
    )
    merge_p = sub.add_parser("gradebook-merge", help="merge gradebook folders (shards)")
    merge_p.add_argument("folders", nargs="+", type=Path)
    merge_p.add_argument("--out", type=Path, required=True)
    plan = sub.add_parser("gradebook-plan", help="split submissions into shards (for CI)")
    plan.add_argument("submissions", nargs="*")
    plan.add_argument("--list", type=Path, metavar="FILE")
    plan.add_argument("--shards", type=int, default=2)


def _sources(args: argparse.Namespace) -> list[str]:
    sources = [str(s) for s in args.submissions]
    if args.list is not None:
        sources += read_list(args.list)
    if not sources:
        raise UsageError("no submission given")
    return sources


def run(args: argparse.Namespace) -> int:
    if args.command == "gradebook-plan":
        shards = plan_shards(_sources(args), args.shards)
        print(f"shards={json.dumps(shards, separators=(',', ':'))}")
        print(f"count={sum(len(s['submissions']) for s in shards)}")
        return 0
    if args.command == "gradebook-merge":
        rows = merge(list(args.folders), args.out)
        print(f"merged {len(rows)} submission(s) into {args.out}/gradebook.csv, .json, .md, .html")
        return 0
    if args.jobs < 1 or args.timeout <= 0 or args.stage_timeout <= 0:
        raise UsageError("--jobs, --timeout and --stage-timeout must be positive")
    settings = Settings(
        level=args.level,
        static_only=args.static_only,
        stage_timeout_s=args.stage_timeout,
        timeout_s=args.timeout,
        isolation=args.isolate,
    )
    rows = grade_class(_sources(args), args.out, settings, jobs=args.jobs)
    errors = [r for r in rows if r.error]
    print(
        f"graded {len(rows)} submission(s), {len(errors)} with an error: "
        f"{args.out}/gradebook.csv, .json, .md, .html"
    )
    return 1 if errors else 0
