"""Offline astral-sh/setup-uv (v1-v6 interface): an installed uv, or `pip install uv` into
the tool cache when none (or not the requested version) is here and an index answers.

`enable-cache` points UV_CACHE_DIR at a folder kept on this machine across runs (the real
action saves and restores it with actions/cache); `activate-environment` runs `uv venv`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kata_cache
from kata_io import (
    ActionError,
    add_path,
    export_env,
    get_bool,
    get_input,
    info,
    run,
    set_output,
    workspace,
)

HOW = "install uv (https://docs.astral.sh/uv/getting-started/installation/, or `pip install uv`)"
REQUIRED = re.compile(r"""^\s*required-version\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def _wanted() -> str:
    version = get_input("version")
    file = get_input("version-file")
    if not version and file:
        path = workspace() / file
        if not path.is_file():
            raise ActionError(f"Could not find file: {path}")
        match = REQUIRED.search(path.read_text(encoding="utf-8"))
        version = match.group(1) if match else ""
    return "" if version in ("", "latest") else version.lstrip("=v")


def _version(uv: Path) -> str:
    done = subprocess.run([str(uv), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"uv (\d+\.\d+\.\d+)", done.stdout)
    return match.group(1) if match else ""


def _pip_install(wanted: str) -> Path:
    base = Path(os.environ.get("RUNNER_TOOL_CACHE") or kata_cache.tool_cache_dir("tools"))
    target = base / "uv" / (wanted or "latest") / "x64"
    uv = target / "bin" / "uv"
    if uv.is_file():
        return uv
    info(f"uv {wanted or '(latest)'} is not installed here: pip install into {target}")
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    done = subprocess.run(
        [
            str(target / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            f"uv=={wanted}" if wanted else "uv",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not uv.is_file():
        shutil.rmtree(target, ignore_errors=True)
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ActionError(
            f"uv {wanted or ''} is not installed on this machine and `pip install uv` failed "
            f"({' '.join(tail)[:300]}): {HOW}"
        )
    return uv


def _find() -> Path:
    wanted = _wanted()
    found = shutil.which("uv")
    if found and (not wanted or _version(Path(found)) == wanted):
        return Path(found)
    return _pip_install(wanted)


def _cache() -> None:
    enabled = get_input("enable-cache", "auto")
    if enabled == "false":
        set_output("cache-hit", "false")
        return
    folder = Path(get_input("cache-local-path") or kata_cache.tool_cache_dir("uv"))
    folder.mkdir(parents=True, exist_ok=True)
    hit = any(folder.iterdir())
    export_env("UV_CACHE_DIR", str(folder))
    set_output("cache-hit", "true" if hit else "false")
    info(f"uv cache: {folder} (kept on this machine across runs)")


def main() -> None:
    uv = _find()
    add_path(str(uv.parent))
    version = _version(uv)
    for name, env in (("tool-dir", "UV_TOOL_DIR"), ("tool-bin-dir", "UV_TOOL_BIN_DIR")):
        if get_input(name):
            export_env(env, get_input(name))
    if get_input("tool-bin-dir"):
        add_path(get_input("tool-bin-dir"))
    python = get_input("python-version")
    if python:
        export_env("UV_PYTHON", python)
        set_output("python-version", python)
    _cache()
    if get_bool("activate-environment"):
        where = workspace() / get_input("working-directory", ".")
        done = subprocess.run(
            [str(uv), "venv", str(where / ".venv")], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise ActionError(f"uv venv failed: {done.stderr.strip()[-300:]}")
        export_env("VIRTUAL_ENV", str(where / ".venv"))
        add_path(str(where / ".venv" / "bin"))
    set_output("uv-version", version)
    set_output("uv-path", str(uv))
    set_output("uvx-path", str(uv.parent / "uvx"))
    info(f"uv {version} at {uv}")


if __name__ == "__main__":
    run("astral-sh/setup-uv", main)
