"""Helpers for the gradebook tests: tiny submissions, git repositories, the CLI in a child."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import IGNORE, ROOT, SOLUTION, STARTER

GIT = ["git", "-c", "user.name=k", "-c", "user.email=k@kata.invalid"]


def copy_of(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=IGNORE)
    return dest


def solution(dest: Path) -> Path:
    return copy_of(SOLUTION, dest)


def starter(dest: Path) -> Path:
    return copy_of(STARTER, dest)


def workflow_project(dest: Path, steps: str) -> Path:
    """A minimal project whose pipeline is one job of `run:` steps (most checks fail)."""
    wf = dest / ".github" / "workflows" / "pipeline.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(
        "name: pipeline\non:\n  push:\n    branches: [main]\njobs:\n  train:\n"
        "    runs-on: ubuntu-latest\n    steps:\n" + steps
    )
    return dest


def run_step(name: str, script: str) -> str:
    body = "".join(f"          {line}\n" for line in script.strip().splitlines())
    return f"      - name: {name}\n        run: |\n{body}"


def git_repo(source: Path, dest: Path, *, bare: bool = False) -> Path:
    """A git repository committing `source`; `bare` gives a bare clone of it."""
    work = dest.with_name(dest.name + "-work") if bare else dest
    shutil.copytree(source, work)
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=work, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=work, check=True)
    subprocess.run([*GIT, "commit", "-qm", "submission"], cwd=work, check=True)
    if not bare:
        return work
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(dest)], check=True)
    shutil.rmtree(work)
    return dest


def kata(
    *args: str, cwd: Path = ROOT, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def gradebook(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "gradebook.json").read_text())
    return data


def rows(out: Path) -> dict[str, dict[str, Any]]:
    return {r["submission"]: r for r in gradebook(out)["submissions"]}


def report(out: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "submissions" / name / "report.json").read_text())
    return data
