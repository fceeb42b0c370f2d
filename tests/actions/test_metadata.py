"""docker/metadata-action stand-in: the tag rules in-process, then outputs under real act."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import pytest

from world.actions.catalog import STAND_INS

from .act_helpers import ActProject, dump_env_step

sys.path.insert(0, str(STAND_INS["docker/metadata-action"]))
from meta import Context, Meta, MetaError, Repo  # type: ignore[import-not-found]

SHA = "0123456789abcdef0123456789abcdef01234567"
NOW = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)


def tags_for(
    ref: str,
    tags: list[str],
    flavor: list[str] | None = None,
    event: str = "push",
    images: list[str] | None = None,
) -> list[str]:
    inputs = {
        "images": images or ["ghcr.io/Kata-Learner/Demo"],
        "tags": tags,
        "flavor": flavor or [],
        "labels": [],
        "annotations": [],
    }
    context = Context(event, SHA, ref, {}, NOW)
    meta = Meta(inputs, context, Repo("demo", "https://github.com/kata-learner/demo", "main"), NOW)
    return [t.split(":", 2)[-1] for t in meta.get_tags()]


@pytest.mark.parametrize(
    ("ref", "tags", "flavor", "event", "expected"),
    [
        ("refs/heads/main", [], None, "push", ["main"]),
        ("refs/heads/feature/x-1", [], None, "push", ["feature-x-1"]),
        ("refs/tags/v1.2.3", [], None, "push", ["v1.2.3", "latest"]),
        ("refs/pull/7/merge", [], None, "pull_request", ["pr-7"]),
        ("refs/heads/main", ["type=sha"], None, "push", ["sha-0123456"]),
        ("refs/heads/main", ["type=sha,prefix=,format=long"], None, "push", [SHA]),
        (
            "refs/heads/main",
            [
                "type=ref,event=branch",
                "type=raw,value=latest,enable={{is_default_branch}}",
                "type=sha",
            ],
            None,
            "push",
            ["main", "latest", "sha-0123456"],
        ),
        (
            "refs/heads/dev",
            ["type=raw,value=latest,enable={{is_default_branch}}", "type=ref,event=branch"],
            None,
            "push",
            ["dev"],
        ),
        (
            "refs/tags/v1.2.3",
            ["type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}"],
            None,
            "push",
            ["1.2.3", "1.2", "latest"],
        ),
        (
            "refs/tags/v2.0.0-rc.1",
            ["type=semver,pattern={{version}}", "type=semver,pattern={{major}}"],
            None,
            "push",
            ["2.0.0-rc.1"],
        ),
        ("refs/tags/not-semver", ["type=semver,pattern={{version}}"], None, "push", []),
        ("refs/heads/main", ["type=semver,pattern={{version}}"], None, "push", []),
        ("refs/tags/v1.2.3", ["type=ref,event=tag"], ["latest=false"], "push", ["v1.2.3"]),
        (
            "refs/heads/main",
            ["type=raw,value=x"],
            ["latest=true", "prefix=p-", "suffix=-s"],
            "push",
            ["p-x-s", "latest"],
        ),
        (
            "refs/heads/main",
            ["type=raw,value=a", "type=raw,value=b,enable=false"],
            None,
            "push",
            ["a"],
        ),
        ("refs/heads/main", ["type=raw,value={{branch}}-{{sha}}"], None, "push", ["main-0123456"]),
        (
            "refs/heads/main",
            ["type=schedule,pattern={{date 'YYYYMMDD'}}"],
            None,
            "schedule",
            ["20240506"],
        ),
        ("refs/tags/release-4.5", ["type=match,pattern=\\d.\\d"], None, "push", ["4.5", "latest"]),
    ],
)
def test_tag_rules_match_the_real_action(
    ref: str, tags: list[str], flavor: list[str] | None, event: str, expected: list[str]
) -> None:
    assert tags_for(ref, tags, flavor, event) == expected


def test_images_are_lowercased_and_comma_separated() -> None:
    inputs = {
        "images": ["Foo/Bar,ghcr.io/X/Y"],
        "tags": [],
        "flavor": [],
        "labels": [],
        "annotations": [],
    }
    meta = Meta(
        inputs, Context("push", SHA, "refs/heads/main", {}, NOW), Repo("demo", "u", "main"), NOW
    )
    assert meta.get_tags() == ["foo/bar:main", "ghcr.io/x/y:main"]


def test_bad_tag_inputs_fail_with_the_real_messages() -> None:
    with pytest.raises(MetaError, match="Unknown tag type attribute: nope"):
        tags_for("refs/heads/main", ["type=nope"])
    with pytest.raises(MetaError, match="Invalid value for enable attribute: maybe"):
        tags_for("refs/heads/main", ["type=raw,value=a,enable=maybe"])
    with pytest.raises(MetaError, match="pep440"):
        tags_for("refs/tags/1.0", ["type=pep440,pattern={{version}}"])


WORKFLOW = """
on: push
jobs:
  meta:
    runs-on: ubuntu-latest
    steps:
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: |
            127.0.0.1:5000/kata/demo
          tags: |
            type=ref,event=branch
            type=ref,event=tag
            type=semver,pattern={{major}}.{{minor}}
            type=sha
          labels: |
            org.opencontainers.image.licenses=MIT
            kata.extra=yes
      - run: DUMP
        env:
          O_VERSION: ${{ steps.meta.outputs.version }}
          O_TAGS: ${{ steps.meta.outputs.tags }}
          O_LABELS: ${{ steps.meta.outputs.labels }}
          O_JSON: ${{ steps.meta.outputs.json }}
          O_BAKE: ${{ steps.meta.outputs.bake-file-tags }}
          O_ANNOTATIONS: ${{ steps.meta.outputs.annotations }}
          O_ENV_TAGS: ${{ env.DOCKER_METADATA_OUTPUT_TAGS }}
      - run: echo "BAKE=$(tr -d '[:space:]' < '${{ steps.meta.outputs.bake-file-tags }}')"
  bad:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/metadata-action@v5
        with:
          images: demo
          tags: type=pep440,pattern={{version}}
""".replace("DUMP", dump_env_step())


def _labels(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_metadata_outputs_on_a_branch_push(project: ActProject) -> None:
    run = project.run(WORKFLOW)
    assert run.job_result("meta") == "success", run.explain()
    sha = project.head()
    out = run.result("meta")
    image = "127.0.0.1:5000/kata/demo"
    assert out["VERSION"] == "main"
    assert out["TAGS"].splitlines() == [f"{image}:main", f"{image}:sha-{sha[:7]}"]
    assert out["ENV_TAGS"] == out["TAGS"]
    labels = _labels(out["LABELS"])
    assert list(labels) == sorted(labels)
    created = labels.pop("org.opencontainers.image.created")
    assert abs(datetime.fromisoformat(created).timestamp() - datetime.now(UTC).timestamp()) < 120
    assert labels == {
        "kata.extra": "yes",
        "org.opencontainers.image.description": "",
        "org.opencontainers.image.licenses": "MIT",
        "org.opencontainers.image.revision": sha,
        "org.opencontainers.image.source": "https://github.com/kata-learner/demo",
        "org.opencontainers.image.title": "demo",
        "org.opencontainers.image.url": "https://github.com/kata-learner/demo",
        "org.opencontainers.image.version": "main",
    }
    as_json = json.loads(out["JSON"])
    assert as_json["tags"] == out["TAGS"].splitlines()
    assert as_json["labels"]["org.opencontainers.image.revision"] == sha
    assert "manifest:org.opencontainers.image.title=demo" in out["ANNOTATIONS"].splitlines()
    assert out["BAKE"].endswith("docker-metadata-action-bake-tags.json")
    bake = run.result("meta", key="BAKE")  # RUNNER_TEMP is gone after the job
    assert bake["target"]["docker-metadata-action"]["tags"] == as_json["tags"]

    assert run.job_result("bad") == "failure"
    assert any("pep440" in e for e in run.errors("bad"))


def test_metadata_outputs_on_a_tag_push(project: ActProject) -> None:
    payload = {"ref": "refs/tags/v1.4.2", "repository": {"default_branch": "main"}}
    run = project.run(WORKFLOW.split("  bad:")[0], payload=payload)
    assert run.job_result("meta") == "success", run.explain()
    out = run.result("meta")
    image = "127.0.0.1:5000/kata/demo"
    sha = project.head()
    assert out["VERSION"] == "1.4"
    assert out["TAGS"].splitlines() == [
        f"{image}:1.4",
        f"{image}:v1.4.2",
        f"{image}:sha-{sha[:7]}",
        f"{image}:latest",
    ]
    assert _labels(out["LABELS"])["org.opencontainers.image.version"] == "1.4"
