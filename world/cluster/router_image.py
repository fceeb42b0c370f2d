"""kata/k8s-router:bookworm, built from docker/router when missing or out of date."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from docker.errors import BuildError, DockerException, ImageNotFound

from harness import engine
from harness.errors import HarnessError

ROUTER_IMAGE = "kata/k8s-router:bookworm"
DEFAULT_BASE = "kata/python-base:3.11-bookworm"
HASH_LABEL = "kata.router.hash"
CONTEXT = Path(__file__).resolve().parents[2] / "docker" / "router"

log = logging.getLogger(__name__)


def context_hash(context: Path, base_id: str) -> str:
    digest = hashlib.sha256(base_id.encode())
    for path in sorted(context.rglob("*")):
        if path.is_file() and path.name != "README.md":
            digest.update(path.relative_to(context).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def ensure_router_image(base: str = DEFAULT_BASE, context: Path = CONTEXT) -> str:
    """The router image's name, built first (about 20 s) if missing or stale."""
    docker = engine.current()
    try:
        base_id = str(docker.image_attrs(base)["Id"])
    except ImageNotFound as exc:
        raise HarnessError(
            f"the router image is built FROM {base}, which the engine does not have: seed it "
            "with `python -m harness seed-base`, or install nginx on the host "
            "(`apt-get install -y nginx-light`) to run the router as a process"
        ) from exc
    wanted = context_hash(context, base_id)
    try:
        labels = docker.image_attrs(ROUTER_IMAGE)["Config"].get("Labels") or {}
        if labels.get(HASH_LABEL) == wanted:
            return ROUTER_IMAGE
    except ImageNotFound:
        pass
    started = time.monotonic()
    try:
        docker.build(
            path=str(context),
            tag=ROUTER_IMAGE,
            buildargs={"BASE": base},
            labels={HASH_LABEL: wanted},
            rm=True,
            forcerm=True,
        )
    except (BuildError, DockerException) as exc:
        raise HarnessError(f"building {ROUTER_IMAGE} failed: {exc}") from exc
    log.info("built %s in %.0f s", ROUTER_IMAGE, time.monotonic() - started)
    return ROUTER_IMAGE
