"""Unit tests for the stand-in catalog and the stand-ins' declared interfaces (no act)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from world.actions.catalog import (
    STAND_INS,
    STAND_INS_DIR,
    plan_local_repositories,
    uses_in_workflow,
)

# Inputs/outputs of the real actions' current majors; the stand-ins must declare the same names.
REAL_INTERFACES: dict[str, tuple[set[str], set[str]]] = {
    "actions/checkout": (
        {
            "repository",
            "ref",
            "token",
            "ssh-key",
            "ssh-known-hosts",
            "ssh-strict",
            "ssh-user",
            "persist-credentials",
            "path",
            "clean",
            "filter",
            "sparse-checkout",
            "sparse-checkout-cone-mode",
            "fetch-depth",
            "fetch-tags",
            "show-progress",
            "lfs",
            "submodules",
            "set-safe-directory",
            "github-server-url",
        },
        {"ref", "commit"},
    ),
    "actions/setup-python": (
        {
            "python-version",
            "python-version-file",
            "cache",
            "architecture",
            "check-latest",
            "token",
            "cache-dependency-path",
            "update-environment",
            "allow-prereleases",
            "freethreaded",
            "pip-version",
            "pip-install",
        },
        {"python-version", "cache-hit", "python-path"},
    ),
    "actions/upload-artifact": (
        {
            "name",
            "path",
            "if-no-files-found",
            "retention-days",
            "compression-level",
            "overwrite",
            "include-hidden-files",
        },
        {"artifact-id", "artifact-url", "artifact-digest"},
    ),
    "actions/download-artifact": (
        {
            "name",
            "artifact-ids",
            "path",
            "pattern",
            "merge-multiple",
            "github-token",
            "repository",
            "run-id",
        },
        {"download-path"},
    ),
    "docker/login-action": (
        {"registry", "username", "password", "scope", "ecr", "logout", "registry-auth"},
        set(),
    ),
    "docker/setup-buildx-action": (
        {
            "version",
            "name",
            "driver",
            "driver-opts",
            "buildkitd-flags",
            "buildkitd-config",
            "buildkitd-config-inline",
            "install",
            "use",
            "endpoint",
            "platforms",
            "append",
            "keep-state",
            "cache-binary",
            "cleanup",
            "config",
            "config-inline",
        },
        {"name", "driver", "platforms", "nodes", "endpoint", "status", "flags"},
    ),
    "docker/metadata-action": (
        {
            "context",
            "images",
            "tags",
            "flavor",
            "labels",
            "annotations",
            "sep-tags",
            "sep-labels",
            "sep-annotations",
            "bake-target",
            "github-token",
        },
        {
            "version",
            "tags",
            "labels",
            "annotations",
            "json",
            "bake-file",
            "bake-file-tags",
            "bake-file-labels",
            "bake-file-annotations",
        },
    ),
    "docker/build-push-action": (
        {
            "add-hosts",
            "allow",
            "annotations",
            "attests",
            "build-args",
            "build-contexts",
            "builder",
            "cache-from",
            "cache-to",
            "call",
            "cgroup-parent",
            "context",
            "file",
            "labels",
            "load",
            "network",
            "no-cache",
            "no-cache-filters",
            "outputs",
            "platforms",
            "provenance",
            "pull",
            "push",
            "sbom",
            "secrets",
            "secret-envs",
            "secret-files",
            "shm-size",
            "ssh",
            "tags",
            "target",
            "ulimit",
            "github-token",
        },
        {"imageid", "digest", "metadata"},
    ),
}


def test_catalog_lists_every_stand_in() -> None:
    assert set(STAND_INS) == set(REAL_INTERFACES)
    for directory in STAND_INS.values():
        assert (directory / "action.yml").is_file() and (directory / "main.py").is_file()


@pytest.mark.parametrize("repo", sorted(REAL_INTERFACES))
def test_stand_in_declares_the_real_interface(repo: str) -> None:
    action = yaml.safe_load((STAND_INS[repo] / "action.yml").read_text())
    inputs, outputs = REAL_INTERFACES[repo]
    assert set(action.get("inputs") or {}) == inputs
    assert set(action.get("outputs") or {}) == outputs
    assert action["runs"]["using"] == "composite"
    step = action["runs"]["steps"][0]
    assert step["run"] == '"${KATA_PYTHON:-python3}" "$GITHUB_ACTION_PATH/main.py"'
    for name, value in (step.get("env") or {}).items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value)
        assert match and match.group(1) in inputs, (name, value)
        assert name == "INPUT_" + match.group(1).upper().replace("-", "_")
    for name, spec in (action.get("outputs") or {}).items():
        assert spec["value"] == f"${{{{ steps.main.outputs.{name} }}}}"


def test_shared_helpers_are_identical_copies() -> None:
    """act copies each stand-in directory alone, so shared modules are duplicated."""
    shared = STAND_INS_DIR / "_shared"
    for module in shared.glob("*.py"):
        copies = list(STAND_INS_DIR.glob(f"*/{module.name}"))
        assert len(copies) > 1, module.name
        for copy in copies:
            assert copy.read_bytes() == module.read_bytes(), f"re-copy {module} to {copy}"
    for directory in STAND_INS.values():
        assert (directory / "kata_io.py").is_file()


def test_uses_in_workflow_collects_steps_and_reusable_workflows() -> None:
    workflow = yaml.safe_load(
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: echo hi
              - uses: ./.github/actions/local
          call:
            uses: org/repo/.github/workflows/ci.yml@main
          odd: "not a mapping"
        """
    )
    assert uses_in_workflow(workflow) == {
        "actions/checkout@v4",
        "./.github/actions/local",
        "org/repo/.github/workflows/ci.yml@main",
    }
    assert uses_in_workflow({}) == set()


def test_plan_maps_each_ref_to_its_stand_in() -> None:
    mappings, unsupported = plan_local_repositories(
        [
            "actions/setup-python@v5",
            "actions/setup-python@v4.7.1",
            "Docker/Login-Action@v3",
            "./local-action",
            "actions/checkout@v4",
        ]
    )
    assert unsupported == []
    python_dir = STAND_INS["actions/setup-python"]
    assert f"actions/setup-python@v5={python_dir}" in mappings
    assert f"actions/setup-python@v4.7.1={python_dir}" in mappings
    assert f"Docker/Login-Action@v3={STAND_INS['docker/login-action']}" in mappings
    assert f"actions/checkout@v4={STAND_INS['actions/checkout']}" in mappings
    assert len(mappings) == 4
    assert all(Path(m.split("=", 1)[1]).is_absolute() for m in mappings)


def test_plan_reports_unsupported_refs_with_reasons() -> None:
    mappings, unsupported = plan_local_repositories(
        [
            "docker://alpine:3.20",
            "actions/cache@v4",
            "actions/cache/save@v4",
            "actions/checkout",
            "org/repo/.github/workflows/ci.yml@main",
            "actions/checkout/sub@v4",
        ]
    )
    assert mappings == []
    reasons = dict(item.split(": ", 1) for item in unsupported)
    assert "host mode" in reasons["docker://alpine:3.20"]
    assert "no offline stand-in" in reasons["actions/cache@v4"]
    assert "no offline stand-in" in reasons["actions/cache/save@v4"]
    assert "OWNER/REPO@REF" in reasons["actions/checkout"]
    assert "no offline stand-in" in reasons["org/repo/.github/workflows/ci.yml@main"]
    assert "has no 'sub'" in reasons["actions/checkout/sub@v4"]
