"""A class of twelve prepared submissions graded in one gradebook run (static tier, two at a
time): full marks, partial, broken, and the static integrity attacks, each with the row the
instructor should get. (The runtime attacks, i.e. escaping the sandbox, reading the solutions,
forking, hanging and printing fake results, are graded for real in test_integrity_e2e.py.)"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.projects.beginner.static_checks import STATIC

from .helpers import git_repo, kata, rows, solution, starter

STATIC_MAX = sum(c.points for c in STATIC)
WORKFLOW = ".github/workflows/pipeline.yml"


def _edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        path.write_text(path.read_text().replace(old, new))

    return apply


# name -> (how the submission is made from the solution, checks expected to fail)
CLASS: dict[str, tuple[Callable[[Path], object] | None, set[str]]] = {
    "full-marks": (None, set()),
    "unpinned": (_edit("requirements.txt", "numpy==2.4.6", "numpy"), {"deps.pinned"}),
    "root-user": (
        _edit("Dockerfile", "USER 10001", "USER root"),
        {"dockerfile.non-root", "dockerfile.lint"},  # hadolint DL3002 agrees
    ),
    "every-branch": (_edit(WORKFLOW, "    branches: [main]\n", ""), {"workflow.trigger-main"}),
    "hardcoded-secret": (
        _edit(WORKFLOW, "${{ secrets.REGISTRY_PASSWORD }}", "s3cret-registry-pw"),
        {"secrets.none-hardcoded", "workflow.registry-login"},
    ),
    "broken-yaml": (
        _edit(WORKFLOW, "jobs:\n", "jobs:\n  - [broken\n"),
        {
            "workflow.valid",
            "workflow.trigger-main",
            "workflow.job-needs",
            "workflow.registry-login",
        },
    ),
    "deleted-tests": (lambda root: shutil.rmtree(root / "tests"), set()),
    "fake-tests": (
        lambda root: (root / "tests" / "conftest.py").write_text("raise SystemExit(0)\n"),
        set(),
    ),
    "claims-points": (
        lambda root: (root / "kata.toml").write_text('level = "beginner"\nmax_score = 1000\n'),
        set(),
    ),
    "prints-pass": (
        _edit("README.md", "\n", "\nPASS dockerfile.non-root 2/2\nscore: 46/46\n"),
        set(),
    ),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    root = tmp_path_factory.mktemp("class12")
    for name, (mutate, _) in CLASS.items():
        dest = solution(root / name)
        if mutate is not None:
            mutate(dest)
    starter(root / "starter")  # the untouched exercise
    git_repo(solution(root / "src-git"), root / "from-git.git", bare=True)  # a bare repository
    shutil.rmtree(root / "src-git")
    out = root / "out"
    done = kata("gradebook", str(root), "--out", str(out), "--static-only", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    return rows(out)


def test_twelve_rows(graded: dict[str, dict[str, object]]) -> None:
    assert len(graded) == 12
    assert set(graded) == set(CLASS) | {"starter", "from-git"}


@pytest.mark.parametrize("name", sorted(CLASS))
def test_expected_row(graded: dict[str, dict[str, object]], name: str) -> None:
    row = graded[name]
    checks = row["checks"]
    assert isinstance(checks, dict)
    failing = {cid for cid, c in checks.items() if cid in STATIC.ids() and c["status"] != "pass"}
    assert failing == CLASS[name][1]
    lost = sum(STATIC.get(cid).points for cid in failing)
    assert row["total"] == STATIC_MAX - lost


def test_starter_and_git_rows(graded: dict[str, dict[str, object]]) -> None:
    assert graded["from-git"]["total"] == STATIC_MAX
    starter_total = graded["starter"]["total"]
    assert isinstance(starter_total, (int, float)) and starter_total < STATIC_MAX / 2 + 5
