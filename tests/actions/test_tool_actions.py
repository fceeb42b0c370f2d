"""The setup-* stand-ins that use what this machine has (setup-terraform and its wrapper,
setup-kubectl, setup-helm, setup-uv, setup-qemu) and the AWS ones' offline verdicts, in
one act run: each case is a job."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from .act_helpers import ActProject, dump_env_step

WORKFLOW = """
on: push
jobs:
  tf:
    runs-on: ubuntu-latest
    steps:
      - uses: hashicorp/setup-terraform@v3
      - id: version
        run: terraform version
      - id: broken
        continue-on-error: true
        run: terraform -chdir=does-not-exist validate
      - run: DUMP
        env:
          O_STDOUT: ${{ steps.version.outputs.stdout }}
          O_EXIT: ${{ steps.version.outputs.exitcode }}
          O_BROKEN: ${{ steps.broken.outputs.exitcode }}
          O_OUTCOME: ${{ steps.broken.outcome }}
  tfpinned:
    runs-on: ubuntu-latest
    steps:
      - uses: hashicorp/setup-terraform@v2
        with:
          terraform_version: 0.12.31
  tfplain:
    runs-on: ubuntu-latest
    steps:
      - uses: hashicorp/setup-terraform@0123456789abcdef0123456789abcdef01234567
        with:
          terraform_wrapper: false
      - run: echo "TF=$(command -v terraform)"
  tools:
    runs-on: ubuntu-latest
    steps:
      - id: qemu
        uses: docker/setup-qemu-action@v3
      - id: kubectl
        uses: azure/setup-kubectl@v4
        continue-on-error: true
      - id: helm
        uses: azure/setup-helm@v4
        continue-on-error: true
      - id: uv
        uses: astral-sh/setup-uv@v6
        continue-on-error: true
      - run: DUMP
        env:
          O_PLATFORMS: ${{ steps.qemu.outputs.platforms }}
          O_KUBECTL: ${{ steps.kubectl.outputs.kubectl-path }}
          O_KUBECTL_OUTCOME: ${{ steps.kubectl.outcome }}
          O_HELM_OUTCOME: ${{ steps.helm.outcome }}
          O_UV: ${{ steps.uv.outputs.uv-version }}
          O_UV_OUTCOME: ${{ steps.uv.outcome }}
  aws:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-region: eu-west-1
          aws-access-key-id: AKIAKATAEXAMPLE
  ecr:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v1
        continue-on-error: true
        with:
          aws-region: eu-west-1
          role-to-assume: arn:aws:iam::123456789012:role/deploy
      - id: login
        uses: aws-actions/amazon-ecr-login@v2
      - run: DUMP
        env:
          O_REGISTRY: ${{ steps.login.outputs.registry }}
""".replace("DUMP", dump_env_step())


def test_setup_actions_use_what_is_installed(project: ActProject) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed")
    installed = json.loads(
        subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True).stdout
    )["terraform_version"]
    run = project.run(
        WORKFLOW,
        env={"KATA_REGISTRY": "127.0.0.1:5999", "AWS_ENDPOINT_URL": "", "AWS_REGION": ""},
    )

    assert run.job_result("tf") == "success", run.explain()
    tf = run.result("tf")
    assert f"Terraform v{installed}" in tf["STDOUT"] and tf["EXIT"] == "0"
    assert tf["BROKEN"] == "1" and tf["OUTCOME"] == "failure"
    assert any("Terraform exited with code 1." in e for e in run.errors("tf"))

    assert run.job_result("tfpinned") == "failure"
    pinned = " ".join(run.errors("tfpinned"))
    assert "0.12.31 not available offline" in pinned and installed in pinned

    assert run.job_result("tfplain") == "success", run.explain()
    real = shutil.which("terraform")
    assert any(ln.startswith("TF=") and "setup-terraform-" not in ln for ln in run.lines("tfplain"))
    assert real

    tools = run.result("tools")
    assert "linux/" in tools["PLATFORMS"]
    assert tools["KUBECTL_OUTCOME"] == ("success" if shutil.which("kubectl") else "failure")
    if shutil.which("kubectl"):
        assert tools["KUBECTL"] == shutil.which("kubectl")
    if shutil.which("helm") is None:
        assert tools["HELM_OUTCOME"] == "failure"
        assert any("helm is not installed on this machine" in e for e in run.errors("tools"))
    if tools["UV_OUTCOME"] == "success":
        assert tools["UV"][0].isdigit()
    else:
        assert any("pip install uv" in e for e in run.errors("tools"))

    assert run.job_result("aws") == "failure"
    assert any(
        "'aws-secret-access-key' must be provided if 'aws-access-key-id' is provided" in e
        for e in run.errors("aws")
    )
    assert run.job_result("ecr") == "success", run.explain()
    assert any("no AWS endpoint is reachable offline" in e for e in run.errors("ecr"))
    assert run.result("ecr")["REGISTRY"] == "127.0.0.1:5999"
