"""The class-scale workflow (.github/workflows/grade-class.yml) run for real under act, host
mode: plan -> two grade shards (static tier) -> merge. Its merged gradebook equals the
merge of its shard artifacts, and matches one local run over the same class."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from harness.grading.gradebook import merge
from tests.actions.act_helpers import act_binary, free_port
from tests.conftest import ROOT
from world.actions.catalog import plan_local_repositories, uses_in_workflow

from .helpers import GIT, kata, rows, solution, starter

WORKFLOW = ROOT / ".github" / "workflows" / "grade-class.yml"
FILES = ("gradebook.csv", "gradebook.json", "gradebook.md")


def _repo(root: Path) -> Path:
    """A small copy of the kata repository (harness, workflow) with a class of two."""
    repo = root / "repo"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "harness", repo / "harness", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    (repo / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(WORKFLOW, repo / ".github" / "workflows" / "grade-class.yml")
    solution(repo / "submissions" / "ada")
    starter(repo / "submissions" / "bo")
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "class"], cwd=repo, check=True)
    return repo


def _unzip(artifacts: Path, name: str, dest: Path) -> Path:
    with zipfile.ZipFile(artifacts / "1" / name / f"{name}.zip") as z:
        z.extractall(dest / name)
    return dest / name


def test_workflow_shape() -> None:
    wf = yaml.safe_load(WORKFLOW.read_text())
    jobs = wf["jobs"]
    assert list(jobs) == ["plan", "grade", "merge"]
    assert "workflow_dispatch" in wf[True]  # PyYAML reads the `on` key as True
    assert jobs["grade"]["strategy"]["matrix"]["shard"].startswith("${{ fromJSON(needs.plan")
    assert jobs["merge"]["needs"] == "grade" and jobs["merge"]["if"] == "always()"


@pytest.mark.e2e
def test_grade_class_workflow_under_act(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    artifacts, cache = tmp_path / "artifacts", tmp_path / "cache"
    (artifacts / "1").mkdir(parents=True)
    event = tmp_path / "event.json"
    inputs = {"submissions": "submissions", "shards": "2", "level": "", "static_only": "true"}
    event.write_text(json.dumps({"inputs": inputs}))
    local, unsupported = plan_local_repositories(
        uses_in_workflow(yaml.safe_load(WORKFLOW.read_text()))
    )
    assert unsupported == []
    cmd = [act_binary(), "workflow_dispatch", "-e", str(event), "--json"]
    cmd += ["-W", ".github/workflows/grade-class.yml", "-P", "ubuntu-latest=-self-hosted"]
    cmd += ["--var", f"HARNESS_PYTHON={sys.executable}", "--no-cache-server"]
    cmd += ["--artifact-server-path", str(artifacts), "--artifact-server-addr", "127.0.0.1"]
    cmd += ["--artifact-server-port", str(free_port()), "--action-cache-path", str(cache)]
    cmd += ["--action-offline-mode"]
    for mapping in local:
        cmd += ["--local-repository", mapping]
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "KATA_PYTHON": sys.executable,
        "KATA_REPO_DIR": str(repo),
    }
    done = subprocess.run(
        cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert '"jobResult":"success"' in done.stdout
    shards = [_unzip(artifacts, f"gradebook-shard-{i}", tmp_path) for i in (1, 2)]
    merged = _unzip(artifacts, "gradebook", tmp_path)
    assert sorted(rows(merged)) == ["ada", "bo"]
    assert [sorted(rows(s)) for s in shards] == [["ada"], ["bo"]]
    again = tmp_path / "again"
    merge(shards[::-1], again)
    for f in FILES:
        assert (again / f).read_bytes() == (merged / f).read_bytes(), f
    local_out = tmp_path / "local"
    run = kata("gradebook", str(repo / "submissions"), "--out", str(local_out), "--static-only")
    assert run.returncode == 0, run.stderr
    for name, row in rows(local_out).items():
        got = rows(merged)[name]
        assert (got["total"], got["checks"]) == (row["total"], row["checks"])
