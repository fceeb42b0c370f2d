"""Offline docker/setup-buildx-action: check the local engine and report it as the builder."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from docker_cli import has_buildx, host_platform, normalize_platform, server_info
from kata_io import ActionError, get_input, get_list, notice, run, set_output, warning

IGNORED = (
    "driver-opts",
    "buildkitd-flags",
    "buildkitd-config",
    "buildkitd-config-inline",
    "config",
    "config-inline",
)


def main() -> None:
    driver = get_input("driver", "docker-container")
    if driver not in ("docker", "docker-container"):
        raise ActionError(
            f"input 'driver': '{driver}' is not available offline (only the local Docker engine)"
        )
    if get_input("append"):
        raise ActionError("input 'append' is not supported offline (one local node only)")
    endpoint = get_input("endpoint")
    if endpoint and endpoint not in ("default", os.environ.get("DOCKER_HOST", "default")):
        raise ActionError(f"input 'endpoint': '{endpoint}' is not reachable offline")
    for name in IGNORED:
        if get_input(name):
            warning(f"input '{name}' is ignored: no BuildKit builder is created offline")

    version = str(server_info().get("Version", ""))
    platform = host_platform()
    for wanted in get_list("platforms"):
        if normalize_platform(wanted) != platform:
            raise ActionError(
                f"input 'platforms': '{wanted}' cannot be built offline "
                f"(host platform is {platform}; no QEMU/remote builders)"
            )
    builder = "buildx (default instance)" if has_buildx() else "the legacy builder"
    notice(
        f"No BuildKit builder is created offline: docker/build-push-action will use "
        f"{builder} of the local Docker engine {version}"
    )

    name = get_input("name") or "default"
    node = {
        "name": name,
        "endpoint": "default",
        "status": "running",
        "buildkitd-flags": "",
        "buildkit": version,
        "platforms": platform,
    }
    set_output("name", name)
    set_output("driver", "docker")
    set_output("platforms", platform)
    set_output("nodes", json.dumps([node]))
    set_output("endpoint", "default")
    set_output("status", "running")
    set_output("flags", "")


if __name__ == "__main__":
    run("docker/setup-buildx-action", main)
