"""The Python base image the learner's Dockerfile builds FROM.

Where an image registry is reachable, the real `python:3.11-slim` is used. Where none is
(this kata's offline default), a stand-in is seeded from Debian packages with mmdebstrap:
Debian bookworm's Python 3.11 with pip and venv, carrying the host's extra CA certificates so
`pip install` works behind a TLS-intercepting proxy. The seeded image is cached in the engine
and reused: it depends only on Debian's bookworm packages and the host's certificates.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from docker.errors import DockerException

from harness import engine
from harness.errors import HarnessError

UPSTREAM = "python:3.11-slim"
SEEDED = "kata/python-base:3.11-bookworm"
SEED_COMMAND = (
    "mmdebstrap --variant=apt --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "
    "--include=python3,python3-venv,python3-pip,ca-certificates "
    "--customize-hook='rm -f \"$1\"/usr/lib/python3*/EXTERNALLY-MANAGED' "
    "--customize-hook='cp /usr/local/share/ca-certificates/*.crt "
    '"$1"/usr/local/share/ca-certificates/ 2>/dev/null; chroot "$1" update-ca-certificates\' '
    f"bookworm - | docker import -c 'CMD [\"python3\"]' -c 'ENV LANG=C.UTF-8' - {SEEDED}"
)


@dataclass(frozen=True)
class BaseImage:
    name: str
    stand_in: bool
    note: str


def ensure_base_image(*, try_pull: bool = True, seed: bool = True) -> BaseImage:
    """Return the base image to build on, seeding the offline stand-in if nothing else works."""
    docker = engine.current()
    if docker.has_image(UPSTREAM):
        return BaseImage(UPSTREAM, False, f"{UPSTREAM} (present in the engine)")
    if docker.has_image(SEEDED):
        return BaseImage(SEEDED, True, f"{SEEDED}: stand-in for {UPSTREAM}, seeded from Debian")
    if try_pull:
        try:
            docker.pull(UPSTREAM)
            return BaseImage(UPSTREAM, False, f"{UPSTREAM} (pulled)")
        except DockerException:
            pass
    if not seed:
        raise HarnessError(
            f"no base image: {UPSTREAM} cannot be pulled and {SEEDED} is not seeded; "
            f"run `python -m harness seed-base` (needs mmdebstrap) or `docker pull {UPSTREAM}`"
        )
    seed_base_image()
    return BaseImage(SEEDED, True, f"{SEEDED}: stand-in for {UPSTREAM}, seeded from Debian")


def seed_base_image(log: Path | None = None) -> None:
    if shutil.which("mmdebstrap") is None:
        raise HarnessError(
            f"{UPSTREAM} cannot be pulled here and the offline stand-in needs mmdebstrap to be "
            "seeded: install it with `apt-get install -y mmdebstrap` and run again"
        )
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", SEED_COMMAND],
        capture_output=True,
        text=True,
        check=False,
    )
    if log is not None:
        log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise HarnessError(f"seeding the base image {SEEDED} failed:\n{tail}")
