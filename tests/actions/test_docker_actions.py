"""docker/* stand-ins under real act: buildx check, login, metadata, build and push."""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.request
import uuid

import pytest

from .act_helpers import ActProject, Registry, dump_env_step

pytestmark = pytest.mark.docker

BASE_IMAGE = "kata/python-base:3.11-bookworm"

WORKFLOW = """
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: buildx
        uses: docker/setup-buildx-action@v3
      - uses: docker/login-action@v3
        with:
          registry: @REG@
          username: ${{ secrets.REG_USER }}
          password: ${{ secrets.REG_PASSWORD }}
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: @IMAGE@
          tags: |
            type=sha
            type=raw,value=v1
      - id: build
        uses: docker/build-push-action@v6
        with:
          context: .
          push: true
          tags: ${{ steps.meta.outputs.tags }}
          labels: ${{ steps.meta.outputs.labels }}
          build-args: |
            GREETING=hello-kata
          cache-from: type=gha
      - run: DUMP
        env:
          O_DIGEST: ${{ steps.build.outputs.digest }}
          O_IMAGEID: ${{ steps.build.outputs.imageid }}
          O_METADATA: ${{ steps.build.outputs.metadata }}
          O_DRIVER: ${{ steps.buildx.outputs.driver }}
          O_PLATFORMS: ${{ steps.buildx.outputs.platforms }}
  wrong-password:
    runs-on: ubuntu-latest
    env:
      NOT_THE_PASSWORD: @WRONG@
    steps:
      - uses: docker/login-action@v3
        with:
          registry: @REG@
          username: kata-ci-bot
          password: ${{ env.NOT_THE_PASSWORD }}
  secrets-input:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          secrets: token=abc
  other-platform:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          platforms: linux/amd64,linux/arm64
  broken-build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          context: broken
""".replace("DUMP", dump_env_step())


def _manifest_digest(registry: Registry, repository: str, tag: str) -> str:
    request = urllib.request.Request(
        f"http://{registry.address}/v2/{repository}/manifests/{tag}",
        method="HEAD",
        headers={
            "Accept": "application/vnd.docker.distribution.manifest.v2+json",
            "Authorization": "Basic "
            + base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Docker-Content-Digest"])


def test_login_build_and_push_with_two_tags(
    project: ActProject, registry: Registry, image_repo: list[str]
) -> None:
    repository = f"kata-test/demo-{uuid.uuid4().hex[:8]}"
    image = f"{registry.address}/{repository}"
    wrong = "wrong-" + uuid.uuid4().hex[:8]
    project.write(
        "Dockerfile",
        f"FROM {BASE_IMAGE}\nARG GREETING=unset\nLABEL kata.greeting=$GREETING\n",
    )
    project.write("broken/Dockerfile", f"FROM {BASE_IMAGE}\nRUN echo kata-boom && exit 3\n")
    project.commit()
    workflow = (
        WORKFLOW.replace("@REG@", registry.address)
        .replace("@IMAGE@", image)
        .replace("@WRONG@", wrong)
    )

    run = project.run(
        workflow, secrets={"REG_USER": registry.username, "REG_PASSWORD": registry.password}
    )
    sha = project.head()
    image_repo.extend([f"{image}:v1", f"{image}:sha-{sha[:7]}"])  # removed after the test

    assert run.job_result("image") == "success", run.explain()
    out = run.result("image")
    assert out["DRIVER"] == "docker" and out["PLATFORMS"].startswith("linux/")
    digest = out["DIGEST"]
    assert digest.startswith("sha256:") and len(digest) == 71
    for tag in ("v1", f"sha-{sha[:7]}"):
        assert _manifest_digest(registry, repository, tag) == digest
    metadata = json.loads(out["METADATA"])
    assert metadata["containerimage.digest"] == digest
    assert metadata["containerimage.config.digest"] == out["IMAGEID"]

    inspect = subprocess.run(
        ["docker", "image", "inspect", f"{image}:v1"], capture_output=True, text=True, check=True
    )
    details = json.loads(inspect.stdout)[0]
    assert details["Id"] == out["IMAGEID"]
    assert f"{image}@{digest}" in details["RepoDigests"]
    labels = details["Config"]["Labels"]
    assert labels["kata.greeting"] == "hello-kata"
    assert labels["org.opencontainers.image.revision"] == sha
    assert any("'cache-from' is ignored" in str(r.get("arg")) for r in run.records)

    assert registry.password not in run.text
    assert run.job_result("wrong-password") == "failure"
    login_errors = " ".join(run.errors("wrong-password"))
    assert "401" in login_errors or "unauthorized" in login_errors.lower()
    assert wrong not in run.text  # the stand-in never echoes a password

    assert run.job_result("secrets-input") == "failure"
    assert any("'secrets'" in e for e in run.errors("secrets-input"))
    assert run.job_result("other-platform") == "failure"
    assert any("'platforms'" in e and "linux/arm64" in e for e in run.errors("other-platform"))
    assert run.job_result("broken-build") == "failure"
    assert any("kata-boom" in e or "exit" in e for e in run.errors("broken-build"))
