"""Unit tests for the stand-in catalog and the stand-ins' declared interfaces (no act)."""

from __future__ import annotations

import ast
import hashlib
import re
import sys
import threading
from pathlib import Path

import pytest
import yaml

from world.actions.catalog import (
    SHARED_DIR,
    STAND_INS,
    STAND_INS_DIR,
    assemble,
    docker_refusal,
    plan_local_repositories,
    uses_in_workflow,
)

ACTIONS_DIR = STAND_INS_DIR.parent

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
    "actions/cache": (
        {
            "enableCrossOsArchive",
            "fail-on-cache-miss",
            "key",
            "lookup-only",
            "path",
            "restore-keys",
            "save-always",
            "upload-chunk-size",
        },
        {"cache-hit"},
    ),
    "hashicorp/setup-terraform": (
        {
            "cli_config_credentials_hostname",
            "cli_config_credentials_token",
            "terraform_version",
            "terraform_wrapper",
        },
        {"exitcode", "stderr", "stdout"},
    ),
    "aws-actions/configure-aws-credentials": (
        {
            "audience",
            "aws-access-key-id",
            "aws-region",
            "aws-secret-access-key",
            "aws-session-token",
            "disable-retry",
            "http-proxy",
            "inline-session-policy",
            "managed-session-policies",
            "mask-aws-account-id",
            "output-credentials",
            "retry-max-attempts",
            "role-chaining",
            "role-duration-seconds",
            "role-external-id",
            "role-session-name",
            "role-skip-session-tagging",
            "role-to-assume",
            "special-characters-workaround",
            "unset-current-credentials",
            "web-identity-token-file",
        },
        {
            "aws-access-key-id",
            "aws-account-id",
            "aws-expiration",
            "aws-secret-access-key",
            "aws-session-token",
        },
    ),
    "aws-actions/amazon-ecr-login": (
        {"http-proxy", "mask-password", "registries", "registry-type", "skip-logout"},
        {"registry"},
    ),
    "appleboy/ssh-action": (
        {
            "allenvs",
            "capture_stdout",
            "cipher",
            "command_timeout",
            "curl_insecure",
            "debug",
            "envs",
            "envs_format",
            "fingerprint",
            "host",
            "key",
            "key_path",
            "passphrase",
            "password",
            "port",
            "protocol",
            "proxy_cipher",
            "proxy_fingerprint",
            "proxy_host",
            "proxy_key",
            "proxy_key_path",
            "proxy_passphrase",
            "proxy_password",
            "proxy_port",
            "proxy_protocol",
            "proxy_timeout",
            "proxy_use_insecure_cipher",
            "proxy_username",
            "request_pty",
            "script",
            "script_path",
            "script_stop",
            "sync",
            "timeout",
            "use_insecure_cipher",
            "username",
            "version",
        },
        {"stdout"},
    ),
    "appleboy/scp-action": (
        {
            "cipher",
            "command_timeout",
            "curl_insecure",
            "debug",
            "fingerprint",
            "host",
            "key",
            "key_path",
            "overwrite",
            "passphrase",
            "password",
            "port",
            "protocol",
            "proxy_cipher",
            "proxy_fingerprint",
            "proxy_host",
            "proxy_key",
            "proxy_key_path",
            "proxy_passphrase",
            "proxy_password",
            "proxy_port",
            "proxy_protocol",
            "proxy_timeout",
            "proxy_use_insecure_cipher",
            "proxy_username",
            "rm",
            "source",
            "strip_components",
            "sync",
            "tar_dereference",
            "tar_exec",
            "tar_tmp_path",
            "target",
            "timeout",
            "use_insecure_cipher",
            "username",
            "version",
        },
        set(),
    ),
    "azure/setup-kubectl": (
        {"version"},
        {"kubectl-path"},
    ),
    "azure/setup-helm": (
        {"downloadBaseURL", "token", "version"},
        {"helm-path"},
    ),
    "docker/setup-qemu-action": (
        {"cache-image", "image", "platforms"},
        {"platforms"},
    ),
    "astral-sh/setup-uv": (
        {
            "activate-environment",
            "add-problem-matchers",
            "cache-dependency-glob",
            "cache-local-path",
            "cache-suffix",
            "checksum",
            "enable-cache",
            "github-token",
            "ignore-empty-workdir",
            "ignore-nothing-to-cache",
            "manifest-file",
            "prune-cache",
            "python-version",
            "restore-cache",
            "save-cache",
            "tool-bin-dir",
            "tool-dir",
            "version",
            "version-file",
            "working-directory",
        },
        {"cache-hit", "python-version", "uv-path", "uv-version", "uvx-path"},
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


def _imports(source: Path) -> set[str]:
    """Top-level module names a file imports (parsed here, apart from the catalog's own)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"{source}: relative import"
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("repo", sorted(REAL_INTERFACES))
def test_assembly_provides_every_module_a_stand_in_imports(repo: str, tmp_path: Path) -> None:
    folder = assemble(STAND_INS[repo], tmp_path)
    modules = {path.stem for path in folder.glob("*.py")}
    for source in folder.glob("*.py"):
        missing = _imports(source) - set(sys.stdlib_module_names) - modules
        assert not missing, f"{repo}: {source.name} imports {missing}, not in {sorted(modules)}"
    assert (folder / "main.py").is_file() and (folder / "kata_io.py").is_file()
    for path in STAND_INS[repo].rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            copy = folder / path.relative_to(STAND_INS[repo])
            assert copy.read_bytes() == path.read_bytes(), copy
    for path in folder.glob("*.py"):
        if not (STAND_INS[repo] / path.name).exists():
            assert path.read_bytes() == (SHARED_DIR / path.name).read_bytes(), path


def test_assembly_takes_only_the_helpers_a_stand_in_imports(tmp_path: Path) -> None:
    def helpers(repo: str) -> set[str]:
        folder = assemble(STAND_INS[repo], tmp_path)
        return {p.name for p in folder.iterdir()} - {p.name for p in STAND_INS[repo].iterdir()}

    assert helpers("docker/login-action") == {"kata_io.py"}
    # docker_cli.py imports kata_io too; both come along
    assert helpers("docker/setup-buildx-action") == {"kata_io.py", "docker_cli.py"}
    assert helpers("actions/upload-artifact") == {"kata_io.py", "artifact_client.py"}


def test_no_file_is_committed_twice_under_world_actions() -> None:
    seen: dict[str, Path] = {}
    for path in sorted(ACTIONS_DIR.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or not path.stat().st_size:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest not in seen, f"{path} is a copy of {seen[digest]}"
        seen[digest] = path
    shared = {path.name for path in SHARED_DIR.glob("*.py")}
    for directory in STAND_INS.values():
        shadowing = shared & {path.name for path in directory.glob("*.py")}
        assert not shadowing, f"{directory.name} shadows the shared {shadowing}"


def test_assembled_folder_is_content_addressed_and_reused(tmp_path: Path) -> None:
    source = STAND_INS["actions/checkout"]
    folders: list[Path] = []
    threads = [
        threading.Thread(target=lambda: folders.append(assemble(source, tmp_path)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(folders)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [folders[0].name]
    assert folders[0].name.startswith("actions__checkout-")
    stamp = (folders[0] / "main.py").stat().st_mtime_ns
    assert assemble(source, tmp_path) == folders[0]
    assert (folders[0] / "main.py").stat().st_mtime_ns == stamp

    changed = tmp_path / "src" / "actions__checkout"
    changed.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file():
            (changed / path.name).write_bytes(path.read_bytes())
    (changed / "main.py").write_text((source / "main.py").read_text() + "\n# changed\n")
    other = assemble(changed, tmp_path / "out")
    assert other.name != folders[0].name


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


def test_plan_maps_each_ref_to_its_stand_in(tmp_path: Path) -> None:
    mappings, unsupported = plan_local_repositories(
        [
            "actions/setup-python@v5",
            "actions/setup-python@v4.7.1",
            "Docker/Login-Action@v3",
            "./local-action",
            "actions/checkout@v4",
        ],
        tmp_path,
    )
    assert unsupported == []
    python_dir = assemble(STAND_INS["actions/setup-python"], tmp_path)
    assert f"actions/setup-python@v5={python_dir}" in mappings
    assert f"actions/setup-python@v4.7.1={python_dir}" in mappings
    login_dir = assemble(STAND_INS["docker/login-action"], tmp_path)
    assert f"Docker/Login-Action@v3={login_dir}" in mappings
    checkout_dir = assemble(STAND_INS["actions/checkout"], tmp_path)
    assert f"actions/checkout@v4={checkout_dir}" in mappings
    assert len(mappings) == 4
    assert all(Path(m.split("=", 1)[1]).is_absolute() for m in mappings)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (python_dir, login_dir, checkout_dir)
    )


def test_plan_reports_unsupported_refs_with_reasons(tmp_path: Path) -> None:
    mappings, unsupported = plan_local_repositories(
        [
            "docker://alpine:3.20",
            "actions/cache@v2",
            "nobody/no-such-action@v1",
            "actions/checkout",
            "org/repo/.github/workflows/ci.yml@main",
            "actions/checkout/sub@v4",
        ],
        tmp_path,
    )
    reasons = dict(item.split(": ", 1) for item in unsupported)
    assert "host mode" in reasons["docker://alpine:3.20"]
    assert "retired" in reasons["actions/cache@v2"]
    assert "no offline stand-in" in reasons["nobody/no-such-action@v1"]
    assert "OWNER/REPO@REF" in reasons["actions/checkout"]
    assert "another repository" in reasons["org/repo/.github/workflows/ci.yml@main"]
    assert "has no 'sub'" in reasons["actions/checkout/sub@v4"]
    # what has a repository to map goes to a folder that fails with the verdict
    repos = sorted(m.split("=", 1)[0] for m in mappings)
    assert repos == sorted(
        [
            "actions/cache@v2",
            docker_refusal("docker://alpine:3.20"),  # the run rewrites the step to this name
            "nobody/no-such-action@v1",
            "org/repo@main",
        ]
    )
