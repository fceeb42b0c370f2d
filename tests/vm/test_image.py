"""The VM image: rebuilt only when what it is built from changes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from harness.errors import HarnessError
from world.vm.image import CONTEXT, VM_IMAGE, context_hash, ensure_vm_image


def test_hash_follows_the_build_context(tmp_path: Path) -> None:
    context = tmp_path / "vm"
    shutil.copytree(CONTEXT, context)
    before = context_hash(context, "base:1", "sha256:a")
    (context / "__pycache__").mkdir(exist_ok=True)
    (context / "__pycache__" / "x.pyc").write_bytes(b"junk")
    assert context_hash(context, "base:1", "sha256:a") == before
    assert context_hash(context, "base:2", "sha256:a") != before
    assert context_hash(context, "base:1", "sha256:b") != before
    (context / "entrypoint.sh").write_text((context / "entrypoint.sh").read_text() + "\n")
    assert context_hash(context, "base:1", "sha256:a") != before


@pytest.mark.docker
def test_built_image_is_reused(docker_client: Any, vm_image: str) -> None:
    heard: list[str] = []
    assert ensure_vm_image(report=heard.append) == vm_image == VM_IMAGE
    assert heard == [f"{VM_IMAGE} is up to date (built from kata/python-base:3.11-bookworm)"]


@pytest.mark.docker
def test_missing_base_is_explained(docker_client: Any) -> None:
    with pytest.raises(HarnessError, match="seed-base"):
        ensure_vm_image("kata/no-such-base:never")
