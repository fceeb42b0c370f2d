"""Current production before the pipeline runs: the v1 image, built and pushed to the run's
registry, then applied to staging and prod with the learner's own Terraform, into the same
remote state the pipeline continues from. The canary replaces it; a rollback returns to it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness import engine
from harness.errors import KataError
from harness.terraform import runner as tf
from world.registry import LocalRegistry

from .baseline import materialize_baseline_app

IMAGE_NAME = "kata/iris-api"
ENVIRONMENTS = ("staging", "prod")


def build_baseline(registry: LocalRegistry, base: str, workdir: Path) -> tuple[str, float]:
    """Build and push v1 (the solution's own sources with a model trained the v1 way, see
    baseline.py); returns its reference and its model's held-out accuracy."""
    ref = f"{registry.address}/{IMAGE_NAME}:v1"
    app = materialize_baseline_app(workdir / "baseline-v1")
    docker = engine.current()
    docker.build(path=str(app.path), tag=ref, buildargs={"BASE_IMAGE": base}, rm=True)
    creds = registry.credentials
    auth = {"username": creds.username, "password": creds.password}
    for line in docker.push(ref, auth_config=auth):
        if "error" in line:
            raise KataError(f"pushing the baseline image failed: {line['error']}")
    return ref, app.accuracy


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise KataError(tf.readable(proc.stderr or proc.stdout)[-800:])


def predeploy(
    repo: Path, workdir: Path, env: dict[str, str], registry: LocalRegistry, stable: str
) -> None:
    """`terraform init` + `apply` of env/staging (v1 as stable, no canary) and env/prod."""
    missing = [f"env/{name}" for name in ENVIRONMENTS if not (repo / "env" / name).is_dir()]
    if missing:
        raise KataError(
            f"{' and '.join(missing)} not found: the project needs one Terraform root per "
            "environment (env/dev, env/staging, env/prod)"
        )
    copy = workdir / "predeploy"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".git"))
    creds = registry.credentials
    common = [
        "-var",
        f"registry_server={registry.address}",
        "-var",
        f"registry_username={creds.username}",
        "-var",
        f"registry_password={creds.password}",
    ]
    plans = {
        "staging": [
            "-var",
            f"stable_image={stable}",
            "-var",
            "canary_image=",
            "-var",
            "canary_weight=0",
        ],
        "prod": ["-var", f"image={stable}"],
    }
    terraform = tf.find_terraform()
    for name, extra in plans.items():
        folder = copy / "env" / name
        _run([terraform, "init", "-input=false", "-no-color"], folder, env)
        apply = [terraform, "apply", "-auto-approve", "-input=false", "-no-color"]
        _run([*apply, *common, *extra], folder, env)
