"""One practice round: the prompt, an optional countdown while you answer, then the rubric as
a y/n checklist, scored."""

from __future__ import annotations

import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from .questions import Question

WIDTH = 92
YES, NO = {"y", "yes"}, {"n", "no"}


def _wrap(text: str, indent: str = "   ") -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def _point(i: int, text: str, box: str = "[ ]") -> str:
    head = f"   {box} {i}. "
    return textwrap.fill(text, WIDTH, initial_indent=head, subsequent_indent=" " * len(head))


def render_prompt(number: int, q: Question) -> str:
    return (
        f"Question {number}: {q.title}\n\n{_wrap(q.prompt)}\n\n"
        + _wrap(f"(The interviewer is testing {q.probing}. Source: {q.source}.)")
        + "\n"
    )


def render_outline(q: Question) -> str:
    lines = ["Sample answer outline:"]
    lines += [
        textwrap.fill(o, WIDTH, initial_indent="   - ", subsequent_indent="     ")
        for o in q.outline
    ]
    return "\n".join(lines) + "\n"


def render_rubric(number: int, q: Question) -> str:
    """The whole card, for reading without the interactive round."""
    rubric = "\n".join(_point(i, p) for i, p in enumerate(q.rubric, 1))
    return (
        f"{render_prompt(number, q)}\nRubric ({len(q.rubric)} points a strong answer covers):\n"
        f"{rubric}\n\n{render_outline(q)}"
    )


@dataclass
class Score:
    slug: str
    covered: list[bool]
    answer_s: float

    @property
    def points(self) -> int:
        return sum(self.covered)

    @property
    def total(self) -> int:
        return len(self.covered)

    @property
    def missed(self) -> list[int]:
        return [i for i, ok in enumerate(self.covered, 1) if not ok]

    def verdict(self) -> str:
        share = self.points / self.total if self.total else 0.0
        if share >= 0.8:
            return "strong answer"
        if share >= 0.5:
            return "solid, with gaps: rehearse the missed points"
        return "needs work: study the outline and try again"


def countdown(minutes: float, out: TextIO, stop: threading.Event, tick: float = 60.0) -> None:
    """Print the time left once a minute (every `tick` seconds) until `stop` or time is up."""
    left = int(minutes)
    while left > 0:
        if stop.wait(tick):
            return
        left -= 1
        text = f"{left} min left" if left else "time is up: wrap up and press Enter"
        print(f"   [timer] {text}", file=out, flush=True)


def ask(point: str, number: int, stdin: TextIO, out: TextIO) -> bool:
    """y/n for one rubric point; end of input counts as no."""
    print(_point(number, point), file=out)
    while True:
        print("      covered? [y/n] ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            print("(no input: no)", file=out)
            return False
        answer = line.strip().lower()
        if answer in YES | NO:
            return answer in YES
        print("      please answer y or n", file=out)


def practise(
    number: int,
    q: Question,
    stdin: TextIO,
    out: TextIO,
    *,
    timer_min: float | None = None,
    tick: float = 60.0,
    now: Callable[[], float] = time.monotonic,
) -> Score:
    print(render_prompt(number, q), file=out)
    if timer_min:
        print(f"You have {timer_min:g} minutes.", file=out)
    print("Answer out loud or on paper, then press Enter to see the rubric.", file=out, flush=True)
    stop = threading.Event()
    if timer_min:
        threading.Thread(target=countdown, args=(timer_min, out, stop, tick), daemon=True).start()
    started = now()
    stdin.readline()
    stop.set()
    answer_s = now() - started
    print(f"\nRubric: did your answer cover each point? ({len(q.rubric)} points)", file=out)
    covered = [ask(point, i, stdin, out) for i, point in enumerate(q.rubric, 1)]
    score = Score(q.slug, covered, answer_s)
    print(f"\nScore: {score.points}/{score.total}: {score.verdict()}", file=out)
    if score.missed:
        print("Missed:", file=out)
        for i in score.missed:
            print(_point(i, q.rubric[i - 1], box="-"), file=out)
    print(f"\n{render_outline(q)}", file=out)
    return score
