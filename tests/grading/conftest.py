"""Guards for the gradebook's end-to-end tests: a Docker engine, act, and bwrap."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.grading.isolation import find_bwrap, probe


@pytest.fixture(scope="session")
def engine() -> None:
    docker = pytest.importorskip("docker")
    try:
        docker.from_env(timeout=5).ping()
    except Exception as exc:  # depends on the machine
        pytest.skip(f"no Docker engine ({exc}); run scripts/bootstrap.sh")


@pytest.fixture(scope="session")
def bwrap() -> str:
    found = find_bwrap()
    if found is None or probe(found):
        pytest.skip("bwrap is not usable here (scripts/bootstrap.sh installs bubblewrap)")
    return found


def alive_with(token: str) -> list[str]:
    """Command lines of live (non-zombie) processes mentioning `token`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if token in cmd and state != "Z":
            found.append(cmd)
    return found


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "state"
    monkeypatch.setenv("KATA_STATE_DIR", str(path))
    yield path
