"""Small helpers around the docker CLI for the docker/* stand-ins. Stdlib only."""

from __future__ import annotations

import collections
import json
import shutil
import subprocess
from typing import Any

from kata_io import ActionError, info

ARCH_ALIASES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm/v7"}
NOISE = ("legacy builder is deprecated", "BuildKit is currently disabled", "environment-variable.")


def docker(*args: str) -> str:
    """Run docker, return stdout; fail with docker's own message."""
    if shutil.which("docker") is None:
        raise ActionError("the docker CLI is not installed on this host")
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}"
        raise ActionError(f"docker {args[0]} failed: {message}")
    return done.stdout


def stream(args: list[str], env: dict[str, str] | None = None) -> list[str]:
    """Run docker with its output streamed to the log; return the lines, fail on error."""
    info("$ docker " + " ".join(args))
    process = subprocess.Popen(
        ["docker", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        bufsize=1,
    )
    assert process.stdout is not None
    lines: list[str] = []
    tail: collections.deque[str] = collections.deque(maxlen=15)
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
        if line.strip() and not any(n in line for n in NOISE):
            tail.append(line.rstrip())
    if process.wait() != 0:
        raise ActionError(
            f"docker {args[0]} failed (exit {process.returncode}):\n" + "\n".join(tail)
        )
    return lines


def server_info() -> dict[str, Any]:
    raw = docker("version", "--format", "{{json .Server}}")
    data: dict[str, Any] = json.loads(raw) if raw.strip() not in ("", "null") else {}
    if not data:
        raise ActionError("docker version: no Docker engine answered")
    return data


def host_platform() -> str:
    data = server_info()
    arch = str(data.get("Arch", "amd64"))
    return f"{data.get('Os', 'linux')}/{ARCH_ALIASES.get(arch, arch)}"


def normalize_platform(text: str) -> str:
    parts = text.strip().lower().split("/")
    if len(parts) >= 2:
        parts[1] = ARCH_ALIASES.get(parts[1], parts[1])
    return "/".join(parts)


def has_buildx() -> bool:
    done = subprocess.run(["docker", "buildx", "version"], capture_output=True, check=False)
    return done.returncode == 0
