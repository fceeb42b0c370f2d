"""Offline actions/setup-python: a venv of a matching host CPython, kept in the tool cache.

The venv lives at $RUNNER_TOOL_CACHE/Python/<x.y.z>/x64 (the real action's layout) and is
reused while it was made from the same interpreter, so warm runs take milliseconds.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kata_cache
from kata_io import (
    ActionError,
    add_path,
    export_env,
    get_bool,
    get_input,
    get_lines,
    info,
    run,
    set_output,
    warning,
    workspace,
)
from pythons import Interpreter, Spec, SpecError, discover, matches, parse_spec

MARKER = ".kata-stand-in.json"
CACHES = ("pip", "pipenv", "poetry")


def _versions_from_file(path: Path) -> list[str]:
    if not path.is_file():
        raise ActionError(f"The specified python version file at: {path} doesn't exist.")
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".toml"):
        import tomllib

        data = tomllib.loads(text)
        spec = data.get("project", {}).get("requires-python") or (
            data.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python")
        )
        return [str(spec)] if spec else []
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    if path.name == ".tool-versions":
        return [v for ln in lines if ln.startswith("python ") for v in ln.split()[1:]]
    return [ln for ln in lines if ln]


def _requested() -> list[str]:
    versions = get_lines("python-version")
    version_file = get_input("python-version-file")
    if versions:
        if version_file:
            warning(
                "Both python-version and python-version-file inputs are specified, "
                "only python-version will be used."
            )
        return versions
    if version_file:
        return _versions_from_file(workspace() / version_file)
    default_file = workspace() / ".python-version"
    if default_file.is_file():
        return _versions_from_file(default_file)
    return []


def _tool_cache() -> Path:
    cache = os.environ.get("RUNNER_TOOL_CACHE") or str(Path.home() / ".cache/kata-tool-cache")
    return Path(cache)


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ensure_venv(interp: Interpreter) -> tuple[Path, bool]:
    """(venv dir, reused?) for `interp`, created under a lock shared with parallel jobs."""
    venv = _tool_cache() / "Python" / interp.text / "x64"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "x64.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = venv / MARKER
        try:
            reused = json.loads(marker.read_text())["base"] == interp.exe
        except (OSError, ValueError, KeyError):
            reused = False
        if reused and _venv_python(venv).exists():
            return venv, True
        shutil.rmtree(venv, ignore_errors=True)
        info(f"Creating a venv of {interp.exe} at {venv}")
        made = subprocess.run(
            [interp.exe, "-m", "venv", str(venv)], capture_output=True, text=True, check=False
        )
        if made.returncode != 0:
            raise ActionError(f"python -m venv failed for {interp.exe}: {made.stderr.strip()}")
        marker.write_text(json.dumps({"base": interp.exe, "version": interp.text}))
        return venv, False


def _pip(venv: Path, args: list[str], what: str) -> None:
    cmd = [str(_venv_python(venv)), "-m", "pip", "install", *args]
    info("$ " + shlex.join(cmd))
    if subprocess.run(cmd, check=False).returncode != 0:
        raise ActionError(f"input '{what}': pip install {shlex.join(args)} failed (offline?)")


def _pick(spec: Spec, found: list[Interpreter], allow_pre: bool) -> Interpreter:
    for interp in found:  # newest first
        if matches(spec, interp, allow_pre):
            return interp
    everything = discover(None, _tool_cache())
    available = ", ".join(i.text for i in everything) or "none"
    raise ActionError(
        f"input 'python-version': no Python matching '{spec.text}' on this host, and nothing "
        f"can be downloaded offline. Available: {available}"
    )


def _check_inputs() -> None:
    arch = get_input("architecture").lower()
    if arch not in ("", "x64", "amd64"):
        raise ActionError(f"input 'architecture': '{arch}' is not available (host is x64)")
    cache = get_input("cache")
    if cache and cache not in CACHES:
        raise ActionError(f"input 'cache': Caching for '{cache}' is not supported")
    if get_bool("check-latest"):
        info("check-latest is ignored offline: the newest matching host interpreter is used")


def _use_path_python() -> None:
    warning(
        "The `python-version` input is not set.  "
        "The version of Python currently in `PATH` will be used."
    )
    exe = shutil.which("python3") or shutil.which("python") or sys.executable
    done = subprocess.run(
        [exe, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=False,
    )
    set_output("python-version", done.stdout.strip())
    set_output("python-path", exe)
    set_output("cache-hit", "false")


def main() -> None:
    _check_inputs()
    requested = _requested()
    if not requested:
        _use_path_python()
        return
    freethreaded = get_bool("freethreaded")
    try:
        specs = [
            parse_spec(v + ("t" if freethreaded and not v.endswith("t") else "")) for v in requested
        ]
    except SpecError as exc:
        raise ActionError(f"input 'python-version': {exc}") from None
    found = discover(specs, _tool_cache())
    allow_pre = get_bool("allow-prereleases")
    for spec in specs:
        interp = _pick(spec, found, allow_pre)
        venv, reused = _ensure_venv(interp)
        python = _venv_python(venv)
        info(f"Python {interp.text} ({interp.exe}) -> {python}" + (" [reused]" if reused else ""))
        if get_bool("update-environment", True):
            export_env("pythonLocation", str(venv))
            export_env("PKG_CONFIG_PATH", str(venv / "lib" / "pkgconfig"))
            for name in ("Python_ROOT_DIR", "Python2_ROOT_DIR", "Python3_ROOT_DIR"):
                export_env(name, str(venv))
            add_path(str(venv / "bin"))
        if get_input("pip-version"):
            _pip(venv, [f"pip=={get_input('pip-version')}"], "pip-version")
        if get_input("pip-install"):
            _pip(venv, shlex.split(get_input("pip-install")), "pip-install")
        if get_input("cache") == "pip":
            pip_cache = kata_cache.tool_cache_dir("pip")
            export_env("PIP_CACHE_DIR", str(pip_cache))
            info(f"pip cache: {pip_cache} (kept on this machine across runs)")
        set_output("python-version", interp.text)
        set_output("python-path", str(python))
        set_output("cache-hit", "true" if reused and get_input("cache") else "false")


if __name__ == "__main__":
    run("actions/setup-python", main)
