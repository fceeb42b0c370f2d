"""The workflow corpus (tests/corpus/ml-pipeline): fifteen workflows written the way public
ML repositories write them, run under the harness (`grade workflows --path`). Each job either
succeeds for real or fails with a verdict naming its cause, and nothing is left behind.

Which workflows fire for which push is decided without act (fast tests); the whole corpus
runs in one graded run: one act run per firing workflow (as GitHub runs each on its own),
plus one for the workflow chained by `workflow_run`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import cli
from harness.workflows import PushEvent, fires_on_push, fires_on_workflow_run, load_workflows
from world.actions.catalog import uses_in_workflow, verdict

CORPUS = Path(__file__).resolve().parent / "corpus"
REPO = CORPUS / "ml-pipeline"
SERVICE_IMAGE = "kata-corpus/redis:7"

SUCCEEDS = {
    "produce-model", "consume-model",  # upload/download-artifact@v7
    "cached-features", "split-cache",  # actions/cache@v4, cache/restore + cache/save
    "lint", "unit-tests", "test-report",  # setup-python@v6 cache: pip, matrix, fan-in
    "in-container",  # a job's `container:`
    "image-current", "image-previous-majors",  # docker actions, current and previous majors
    "api-integration",  # a Redis service, health-checked, at job.services.redis.ports
    "old-but-working",  # checkout@v2, setup-python@v4, cache@v3
    "python-version-file",  # setup-python@v5 with python-version-file
    "evaluate", "gate",  # job outputs, a gate on them, concurrency, step summary
    "tf-plan", "tf-apply",  # setup-terraform@v3 (wrapper outputs, terraform_wrapper: false)
    "composite-setup",  # a local composite action with outputs
    "fit", "check-accuracy",  # a local reusable workflow with inputs and outputs
    "deploy-after-ci",  # workflow_run, after CI succeeded
    "ssh-deploy",  # appleboy/scp-action and ssh-action to an SSH service, key from secrets
}  # fmt: skip
FAILS_WITH = {
    "retired-cache": "@v2 is retired",
    "retired-artifact": "@v3 is retired",
    "docs-pages": "no offline stand-in",
    "docker-step": "docker:// actions run a container image",
    "kata-cannot-run": "reusable workflow from another repository",
}
HOST_TOOLS = {"helm-setup": "helm", "kubectl-setup": "kubectl", "uv-setup": "uv"}
"""Jobs whose setup action uses the tool when the machine has it, else fails saying so."""


def _workflows() -> dict[str, Any]:
    found = load_workflows(REPO)
    assert not found.errors, found.errors
    return {str(w.path.name): w for w in found.workflows}


def _firing(changed: tuple[str, ...] = ()) -> set[str]:
    event = PushEvent("refs/heads/main", changed)
    return {name for name, wf in _workflows().items() if fires_on_push(wf, event)}


def test_the_corpus_has_fifteen_workflows_of_the_kinds_public_pipelines_use() -> None:
    workflows = _workflows()
    assert len(workflows) >= 15
    text = "\n".join(wf.text for wf in workflows.values())
    for feature in (
        "actions/cache@",
        "hashicorp/setup-terraform@",
        "services:",
        "matrix:",
        "paths:",
        "workflow_run:",
        "workflow_call:",
        "uses: ./.github/workflows/",
        "uses: ./.github/actions/",
        "container:",
    ):
        assert feature in text, feature


def test_a_push_that_changes_everything_fires_every_push_workflow() -> None:
    assert _firing() == set(_workflows()) - {"deploy.yml", "reusable-train.yml"}


def test_paths_filters_decide_what_a_push_fires() -> None:
    readme_only = _firing(("README.md",))
    assert {"train.yml", "terraform.yml", "quality-gate.yml"}.isdisjoint(readme_only)
    assert "ci.yml" in readme_only
    data = _firing(("data/iris.csv",))
    assert {"train.yml", "quality-gate.yml"} <= data and "terraform.yml" not in data
    infra = _firing(("terraform/main.tf",))
    assert "terraform.yml" in infra and "train.yml" not in infra


def test_workflow_run_chains_on_the_named_workflow_and_branch() -> None:
    deploy = _workflows()["deploy.yml"]
    assert fires_on_workflow_run(deploy, "CI", "main", "completed")
    assert not fires_on_workflow_run(deploy, "CI", "feature", "completed")
    assert not fires_on_workflow_run(deploy, "Image", "main", "completed")
    assert not fires_on_workflow_run(deploy, "CI", "main", "requested")


def test_what_cannot_run_is_known_before_act_starts() -> None:
    uses: set[str] = set()
    for wf in _workflows().values():
        uses |= uses_in_workflow(wf.data)
    refused = {u: found.reason for u in uses if (found := verdict(u)) is not None}
    assert set(refused) == {
        "actions/cache@v2",
        "actions/upload-artifact@v3",
        "peaceiris/actions-gh-pages@v4",
        "docker://alpine:3.20",
        "octo-org/ml-workflows/.github/workflows/release.yml@v1",
    }


SERVICE_IMAGES = {"kata-corpus/redis:7": "redis", "kata-corpus/ssh-target:1": "ssh-target"}


@pytest.fixture
def service_images(docker_engine: Any) -> Iterator[list[str]]:
    """The corpus's service images, built side by side from Debian packages (nothing is
    pulled): a Redis the integration job talks to, an SSH target the deploy job ships to."""
    builds = [
        subprocess.Popen(
            [
                "docker",
                "build",
                "-q",
                "-t",
                tag,
                "--label",
                "kata.test=corpus",
                str(CORPUS / "images" / folder),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag, folder in SERVICE_IMAGES.items()
    ]
    for build in builds:
        _, err = build.communicate()
        assert build.returncode == 0, err
    yield list(SERVICE_IMAGES)
    subprocess.run(["docker", "rmi", "-f", *SERVICE_IMAGES], capture_output=True, check=False)


def _deploy_key(folder: Path) -> dict[str, str]:
    """A fresh ed25519 key pair, as the DEPLOY_KEY and DEPLOY_PUBLIC_KEY secrets."""
    key = folder / "deploy_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "corpus", "-f", str(key)],
        check=True,
    )
    return {
        "DEPLOY_KEY": key.read_text(),
        "DEPLOY_PUBLIC_KEY": key.with_suffix(".pub").read_text().strip(),
    }


def _git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "ml-pipeline"
    shutil.copytree(REPO, repo)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "corpus"]):
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=kata", "-c", "user.email=k@example.com",
             *args],
            check=True, capture_output=True,
        )  # fmt: skip
    return repo


@pytest.mark.e2e
@pytest.mark.docker
def test_every_corpus_job_succeeds_or_fails_with_its_cause(
    tmp_path: Path, service_images: list[str]
) -> None:
    repo = _git_repo(tmp_path)
    secrets = _deploy_key(tmp_path)
    secrets_file = tmp_path / "secrets.env"
    secrets_file.write_text(
        "".join(f"{k}={json.dumps(v)}\n" for k, v in secrets.items())  # "..." with \n escapes
    )
    report_path, log = tmp_path / "report.json", tmp_path / "act.log"
    code = cli.main(
        ["grade", "workflows", "--path", str(repo), "--json", str(report_path), "--quiet",
         "--secrets-file", str(secrets_file), "--act-log", str(log)]
    )  # fmt: skip
    report = json.loads(report_path.read_text())
    assert code == 1, "the corpus holds failing workflows: the run must fail"
    results = {job["id"]: job for job in report["jobs"]}
    wrong = {j: results.get(j, {}).get("result") for j in SUCCEEDS}
    assert {j: r for j, r in wrong.items() if r != "success"} == {}
    act_run = next(c for c in report["checks"] if c["id"] == "pipeline.act-run")
    for job, cause in FAILS_WITH.items():
        assert results[job]["result"] == "failure", job
        assert cause in act_run["message"], (job, act_run["message"][:2000])
    for job, tool in HOST_TOOLS.items():
        if results[job]["result"] != "success":
            said = "\n".join(line for step in results[job]["steps"] for line in step["log"])
            assert tool in said and "install" in said.lower(), (job, said)
    assert report["teardown"]["clean"], report["teardown"]
    private = secrets["DEPLOY_KEY"].splitlines()[1]
    assert private not in report_path.read_text() and private not in log.read_text()
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=kata.run={report['run_id']}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert left.strip() == ""
