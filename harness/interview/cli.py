"""`python -m harness interview`: `--list`; `N [--timer MIN]` (prompt, answer, rubric y/n,
score saved); `N --rubric` (the whole card, non-interactive)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from harness.errors import UsageError

from . import record
from .questions import QUESTIONS, Question
from .session import practise, render_rubric

COMMANDS = ("interview",)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("interview", help="system-design interview prompts with scoring rubrics")
    p.add_argument("question", nargs="?", help="number (see --list) or slug")
    p.add_argument("--list", action="store_true", help="list the questions")
    p.add_argument("--rubric", action="store_true", help="print prompt, rubric and outline")
    p.add_argument("--timer", type=float, metavar="MIN", help="count down MIN minutes")


def find(key: str) -> tuple[int, Question]:
    for number, q in enumerate(QUESTIONS, 1):
        if key in (str(number), q.slug):
            return number, q
    raise UsageError(f"no question {key!r}; `python -m harness interview --list` shows them")


def list_questions(out: TextIO) -> None:
    results = record.load()
    for number, q in enumerate(QUESTIONS, 1):
        best = record.best(results, q.slug)
        mark = f"  (best {best}/{len(q.rubric)})" if best is not None else ""
        print(f"{number}. {q.title} [{q.slug}]{mark}", file=out)
    print("\nPractise one: python -m harness interview N [--timer MIN]", file=out)


def run(args: argparse.Namespace, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    if args.list or not args.question:
        list_questions(stream)
        return 0
    number, q = find(args.question)
    if args.rubric:
        stream.write(render_rubric(number, q))
        return 0
    if args.timer is not None and args.timer <= 0:
        raise UsageError("--timer must be a positive number of minutes")
    score = practise(number, q, stdin or sys.stdin, stream, timer_min=args.timer)
    previous = record.best(record.load(), q.slug)
    where = record.save(score)
    if previous is not None:
        print(f"Your best on this question so far: {previous}/{score.total}.", file=stream)
    print(f"(saved in {where})", file=stream)
    return 0
