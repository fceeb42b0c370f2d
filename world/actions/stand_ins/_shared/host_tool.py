"""Tools the setup-* stand-ins find on this machine instead of downloading: where the
binary is, its version, and the message that says how to install it when it is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from kata_io import ActionError, add_path, get_input, info, set_output, warning
from semver_range import parse, satisfies

VERSION_IN_TEXT = re.compile(r"v?(\d+\.\d+\.\d+)")


def require(name: str, how: str) -> Path:
    found = shutil.which(name)
    if found is None:
        raise ActionError(
            f"{name} is not installed on this machine and nothing can be downloaded offline: {how}"
        )
    return Path(found)


def version_of(binary: Path, *args: str) -> str:
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, check=False)
    match = VERSION_IN_TEXT.search(done.stdout + done.stderr)
    return f"v{match.group(1)}" if match else "unknown"


def check_wanted(name: str, wanted: str, installed: str, binary: Path) -> None:
    """Warn (the job goes on with what is installed) when `wanted` is not the installed
    version: a client a few minors apart works for the kata's clusters and charts."""
    if wanted in ("", "latest", "stable") or installed == "unknown":
        return
    try:
        ok = satisfies(parse(installed), wanted.lstrip("v"))
    except ValueError:
        ok = False
    if not ok:
        warning(
            f"{name} {wanted} is not installed and nothing is downloaded offline: using "
            f"{name} {installed} ({binary})"
        )


def setup_installed(name: str, how: str, version_args: tuple[str, ...]) -> None:
    """The whole of a setup-<tool> action on the host: the installed `name` (or a failure
    saying how to install it), its version checked against the `version` input, its folder
    on PATH and `<name>-path` as output."""
    binary = require(name, how)
    installed = version_of(binary, *version_args)
    check_wanted(name, get_input("version", "latest"), installed, binary)
    add_path(str(binary.parent))
    set_output(f"{name}-path", str(binary))
    info(f"{name} {installed} at {binary}")
