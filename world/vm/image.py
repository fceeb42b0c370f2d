"""The VM image, kata/vm:bookworm, built from docker/vm and cached in the engine.

The image carries a label with a hash of its build context and base image; it is rebuilt
only when that hash changes (an edited Dockerfile, entrypoint or wrapper, or another base).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from docker.errors import APIError, BuildError, ImageNotFound

from harness import engine
from harness.errors import HarnessError

VM_IMAGE = "kata/vm:bookworm"
DEFAULT_BASE = "kata/python-base:3.11-bookworm"
HASH_LABEL = "kata.vm.hash"
CONTEXT = Path(__file__).resolve().parents[2] / "docker" / "vm"
IGNORED = ("__pycache__", ".pyc", "README.md")  # as in docker/vm/.dockerignore

log = logging.getLogger(__name__)


def _context_files(context: Path) -> Iterator[Path]:
    for path in sorted(context.rglob("*")):
        rel = path.relative_to(context).as_posix()
        if path.is_file() and not any(part in rel for part in IGNORED):
            yield path


def context_hash(context: Path, base: str, base_id: str) -> str:
    """A hash of everything the image is built from."""
    digest = hashlib.sha256(f"{base}\0{base_id}\0".encode())
    for path in _context_files(context):
        digest.update(path.relative_to(context).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _current(name: str) -> tuple[str, str] | None:
    """(image id, hash label) of the image the engine has under `name`."""
    try:
        attrs = engine.current().image_attrs(name)
    except ImageNotFound:
        return None
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    return str(attrs["Id"]), str(labels.get(HASH_LABEL, ""))


def ensure_vm_image(
    base: str = DEFAULT_BASE,
    *,
    context: Path = CONTEXT,
    report: Callable[[str], None] | None = None,
) -> str:
    """Return the VM image's name, building it first if it is missing or out of date.

    `report` (default: the module's logger) hears one line: up to date, or built in N s.
    """
    say = report or log.info
    docker = engine.current()
    try:
        base_id = str(docker.image_attrs(base)["Id"])
    except ImageNotFound as exc:
        raise HarnessError(
            f"the VM image is built FROM {base}, which the engine does not have: "
            "seed it with `python -m harness seed-base` (or `nox -s seed`)"
        ) from exc
    if not (context / "Dockerfile").is_file():
        raise HarnessError(f"the VM image's build context is missing: {context}")
    wanted = context_hash(context, base, base_id)
    current = _current(VM_IMAGE)
    if current is not None and current[1] == wanted:
        say(f"{VM_IMAGE} is up to date (built from {base})")
        return VM_IMAGE

    started = time.monotonic()
    output: list[str] = []
    try:
        for chunk in docker.build_stream(
            path=str(context),
            tag=VM_IMAGE,
            buildargs={"BASE": base},
            labels={HASH_LABEL: wanted},
            rm=True,
            forcerm=True,
            pull=False,
        ):
            if "stream" in chunk:
                output.append(str(chunk["stream"]))
            if "error" in chunk:
                raise BuildError(str(chunk["error"]), iter(()))
    except (APIError, BuildError) as exc:
        tail = "".join(output).strip().splitlines()[-15:]
        raise HarnessError(
            f"building {VM_IMAGE} from {context} failed: {exc}\n" + "\n".join(tail)
        ) from exc
    seconds = time.monotonic() - started
    size = docker.image_attrs(VM_IMAGE).get("Size", 0) / 1e6
    say(f"built {VM_IMAGE} from {base} in {seconds:.1f} s ({size:.0f} MB)")
    if current is not None:  # the outdated image, unless a container still uses it
        with contextlib.suppress(APIError):
            docker.remove_image(current[0])
    return VM_IMAGE
