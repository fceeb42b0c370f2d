"""Interview prompts: rubrics of substance, the printed card, and scoring from scripted
answers (saved to the learner state)."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest

from harness.cli import main
from harness.interview.questions import QUESTIONS
from harness.interview.session import countdown, practise, render_rubric


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state"
    monkeypatch.setenv("KATA_STATE_DIR", str(path))
    return path


def test_questions_and_rubrics() -> None:
    assert len(QUESTIONS) >= 6
    assert len({q.slug for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert 5 <= len(q.rubric) <= 8, q.slug
        assert len(set(q.rubric)) == len(q.rubric)
        assert q.outline and q.prompt.endswith("?") and q.probing
    first, second = QUESTIONS[0], QUESTIONS[1]
    assert "GPU" in first.title and "Source -> Build -> Train -> Package -> Deploy" in " ".join(
        first.rubric
    )
    assert "self-hosted" in " ".join(first.rubric)
    assert "lock file" in " ".join(second.rubric)
    assert "required" in " ".join(second.rubric).lower()
    assert all("skill guide" in q.source for q in QUESTIONS)


def test_rubric_card_prints_without_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["interview", "2", "--rubric"]) == 0
    out = capsys.readouterr().out
    q = QUESTIONS[1]
    assert out.startswith(f"Question 2: {q.title}")
    for i in range(1, len(q.rubric) + 1):
        assert f"[ ] {i}. " in out
    assert "Sample answer outline:" in out
    assert " ".join(q.rubric[0].split()) in " ".join(out.split())
    assert render_rubric(2, q) == out


def test_list_and_lookup_by_slug(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["interview", "--list"]) == 0
    out = capsys.readouterr().out
    for number, q in enumerate(QUESTIONS, 1):
        assert f"{number}. {q.title} [{q.slug}]" in out
    assert main(["interview", "secrets-and-state", "--rubric"]) == 0
    assert "Question 4:" in capsys.readouterr().out
    assert main(["interview", "99"]) == 2


def test_scripted_answers_are_scored_and_saved(state_dir: Path) -> None:
    q = QUESTIONS[0]
    answers = ["y", "n", "maybe", "Y", "yes", "no", "y", "n", "y"][: len(q.rubric) + 1]
    stdin = io.StringIO("\n" + "\n".join(answers) + "\n")
    out = io.StringIO()
    ticks = iter([10.0, 70.0])
    score = practise(1, q, stdin, out, now=lambda: next(ticks))
    text = out.getvalue()
    assert score.covered == [True, False, True, True, False, True, False, True]
    assert score.points == 5 and score.total == 8 and score.missed == [2, 5, 7]
    assert score.answer_s == 60.0
    assert "please answer y or n" in text and "Score: 5/8" in text
    assert "Missed:" in text and "Sample answer outline:" in text


def test_cli_round_records_the_result(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    q = QUESTIONS[2]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n" + "y\n" * len(q.rubric)))
    assert main(["interview", "3"]) == 0
    assert f"Score: {len(q.rubric)}/{len(q.rubric)}: strong answer" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))  # end of input: every point a no
    assert main(["interview", "3"]) == 0
    assert f"best on this question so far: {len(q.rubric)}/" in capsys.readouterr().out
    saved = json.loads((state_dir / "interviews.json").read_text())["results"]
    assert [(r["slug"], r["score"]) for r in saved] == [(q.slug, len(q.rubric)), (q.slug, 0)]
    assert main(["interview", "--list"]) == 0
    assert f"(best {len(q.rubric)}/{len(q.rubric)})" in capsys.readouterr().out


def test_timer_counts_down_and_stops() -> None:
    out = io.StringIO()
    countdown(2, out, threading.Event(), tick=0.001)
    assert out.getvalue().splitlines() == [
        "   [timer] 1 min left",
        "   [timer] time is up: wrap up and press Enter",
    ]
    stopped = threading.Event()
    stopped.set()
    quiet = io.StringIO()
    countdown(5, quiet, stopped, tick=0.001)
    assert quiet.getvalue() == ""
    text = io.StringIO()
    practise(1, QUESTIONS[0], io.StringIO(""), text, timer_min=10)
    assert "You have 10 minutes." in text.getvalue()
    assert main(["interview", "1", "--timer", "0"]) == 2
