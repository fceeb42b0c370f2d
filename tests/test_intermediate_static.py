"""Intermediate static and Terraform tiers: the solution passes; each wrong submission fails
the check that teaches it (real terraform and checkov, no Docker)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.checks import CheckResult, Status, run_check
from harness.projects.intermediate.facts import _keypair
from harness.projects.intermediate.static_checks import STATIC, TfStaticContext
from harness.projects.intermediate.tf_checks import TERRAFORM, TfContext
from harness.terraform import runner as tf
from world.aws.moto_process import MotoProcessEmulator
from world.terraform.mirror import TerraformEnv

from .conftest import IGNORE, ROOT, Project

SOLUTION = ROOT / "solutions" / "intermediate"
STARTER = ROOT / "exercises" / "intermediate"
WORKFLOW = ".github/workflows/pipeline.yml"

try:
    tf.find_terraform()
    HAVE_TERRAFORM = True
except tf.TerraformError:
    HAVE_TERRAFORM = False
needs_terraform = pytest.mark.skipif(not HAVE_TERRAFORM, reason="terraform is not installed")


@pytest.fixture(scope="module")
def tf_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], str]]:
    if not HAVE_TERRAFORM:
        pytest.skip("terraform is not installed")
    work = tmp_path_factory.mktemp("tfenv")
    emulator = MotoProcessEmulator()
    emulator.start()
    try:
        env = TerraformEnv.prepare(work, emulator.endpoint, offline=True).full_env()
        yield env, _keypair(work)
    finally:
        emulator.stop()


def grade(root: Path, tf_env: tuple[dict[str, str], str] | None = None) -> dict[str, CheckResult]:
    results = {c.id: run_check(c, TfStaticContext(root)) for c in STATIC}
    if tf_env is not None:
        scratch = root.parent / f"{root.name}-tf"
        shutil.copytree(root / "terraform", scratch, ignore=shutil.ignore_patterns("*.tfstate*"))
        ctx = TfContext(scratch, tf_env[0], tf_env[1])
        results |= {c.id: run_check(c, ctx) for c in TERRAFORM}
    return results


@pytest.fixture
def solution(tmp_path: Path) -> Project:
    dest = tmp_path / "project"
    shutil.copytree(SOLUTION, dest, ignore=IGNORE)
    return Project(dest)


@needs_terraform
def test_solution_passes_static_and_terraform_tiers(
    solution: Project, tf_env: tuple[dict[str, str], str]
) -> None:
    results = grade(solution.root, tf_env)
    assert {k: r.message for k, r in results.items() if r.status is not Status.PASS} == {}


@needs_terraform
def test_starter_fails_what_it_teaches(tmp_path: Path, tf_env: tuple[dict[str, str], str]) -> None:
    dest = tmp_path / "starter"
    shutil.copytree(STARTER, dest, ignore=IGNORE)
    results = grade(dest, tf_env)
    for check_id in (
        "terraform.workspace-per-run",
        "workflow.destroy-always",
        "terraform.no-state-committed",
        "terraform.security",
        "terraform.plan",
    ):
        assert results[check_id].status is Status.FAIL, check_id
        assert results[check_id].hint
    assert results["secrets.none-hardcoded"].status is Status.PASS


def _ssh_open(p: Project) -> None:
    p.replace(
        "terraform/main.tf", "cidr_blocks = [var.allowed_ssh_cidr]", 'cidr_blocks = ["0.0.0.0/0"]'
    )


def _no_always(p: Project) -> None:
    p.replace(
        WORKFLOW,
        "      - name: Destroy the environment\n        if: always()\n",
        "      - name: Destroy the environment\n",
    )


def _shared_workspace(p: Project) -> None:
    text = p.read(WORKFLOW)
    start = text.index("      - name: Select this run's workspace")
    end = text.index("      - name:", start + 10)
    p.write(WORKFLOW, text[:start] + text[end:])


def _hardcoded_key(p: Project) -> None:
    p.replace(
        "terraform/main.tf",
        "  region = var.region\n",
        '  region     = var.region\n  access_key = "AKIAIOSFODNN7EXAMPLE"\n'
        '  secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n',
    )


def _state_committed(p: Project) -> None:
    p.write("terraform/terraform.tfstate", '{"version": 4, "resources": []}\n')
    p.write(".gitignore", "model/\n")  # a .gitignore without the Terraform entries


def _dot_terraform_committed(p: Project) -> None:
    p.write("terraform/.terraform/terraform.tfstate", "{}\n")
    p.write(".gitignore", "model/\n")


def _bad_hcl(p: Project) -> None:
    p.write("terraform/broken.tf", 'resource "aws_vpc" "other" {\n  cidr_block = "10.1.0.0/16"\n')


def _unformatted(p: Project) -> None:
    p.replace("terraform/main.tf", "  region = var.region\n", "  region      =    var.region\n")


def _big_instance(p: Project) -> None:
    p.replace("terraform/variables.tf", '"t3.micro"', '"m5.4xlarge"')


MUTATIONS: list[tuple[str, Callable[[Project], None], str, bool]] = [
    ("SSH open to 0.0.0.0/0 (checkov)", _ssh_open, "terraform.security", True),
    ("SSH open to 0.0.0.0/0 (plan)", _ssh_open, "terraform.plan", True),
    ("destroy without if: always()", _no_always, "workflow.destroy-always", False),
    ("shared default workspace", _shared_workspace, "terraform.workspace-per-run", False),
    ("hardcoded access key (scan)", _hardcoded_key, "secrets.none-hardcoded", False),
    ("hardcoded access key (checkov)", _hardcoded_key, "terraform.security", True),
    ("state committed", _state_committed, "terraform.no-state-committed", False),
    (".terraform committed", _dot_terraform_committed, "terraform.no-state-committed", False),
    ("bad HCL", _bad_hcl, "terraform.validate", True),
    ("unformatted HCL", _unformatted, "terraform.fmt", False),
    ("wrong instance type", _big_instance, "terraform.plan", True),
]


@pytest.mark.parametrize(
    ("name", "mutate", "check_id", "needs_tf"), MUTATIONS, ids=[m[0] for m in MUTATIONS]
)
def test_mutation_fails_its_check(
    request: pytest.FixtureRequest,
    solution: Project,
    name: str,
    mutate: Callable[[Project], None],
    check_id: str,
    needs_tf: bool,
) -> None:
    if (needs_tf or check_id == "terraform.fmt") and not HAVE_TERRAFORM:
        pytest.skip("terraform is not installed")
    mutate(solution)
    env = request.getfixturevalue("tf_env") if needs_tf else None
    result = grade(solution.root, env)[check_id]
    assert result.status is Status.FAIL, result.message
    assert result.hint


@needs_terraform
def test_bad_hcl_message_is_readable(solution: Project, tf_env: tuple[dict[str, str], str]) -> None:
    _bad_hcl(solution)
    message = grade(solution.root, tf_env)["terraform.validate"].message
    assert "broken.tf" in message and "Traceback" not in message


def test_real_provider_configuration_is_plain_registry_installation(tmp_path: Path) -> None:
    """--real-providers: no mirror, no stand-in launcher, no -upgrade; providers come from
    registry.terraform.io exactly as on a developer's machine."""
    tfenv = TerraformEnv(
        cli_config=tmp_path / "terraform.rc", endpoint="http://127.0.0.1:1", offline=False
    )
    from world.terraform.mirror import write_cli_config

    config = write_cli_config(tmp_path / "terraform.rc", tmp_path / "mirror", offline=False)
    text = config.read_text()
    assert "filesystem_mirror" not in text
    assert "TF_CLI_ARGS_init" not in tfenv.env()
    assert tfenv.env()["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert not (tmp_path / "mirror").exists()


@needs_terraform
def test_real_provider_init_where_the_registry_is_reachable(tmp_path: Path) -> None:
    from world.terraform.mirror import registry_reachable, write_cli_config

    if not registry_reachable(timeout=3):
        pytest.skip("registry.terraform.io is not reachable from this machine (no internet)")
    config = write_cli_config(tmp_path / "terraform.rc", tmp_path / "mirror", offline=False)
    scratch = tmp_path / "tf"
    shutil.copytree(SOLUTION / "terraform", scratch)
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config)}
    ok, diagnostics = tf.validate(scratch, env)
    assert ok, diagnostics
