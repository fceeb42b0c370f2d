"""Offline docker/login-action: `docker login --password-stdin` against the local engine.

The password only travels on stdin; it is never printed nor put on a command line.
DOCKER_CONFIG (set per run by the harness) decides where the credentials are stored.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import ActionError, get_bool, get_input, get_raw_input, info, run

ECR = re.compile(
    r"^(([0-9]{12})\.(dkr\.ecr|dkr-ecr)(-fips)?\.[^.]+\.(amazonaws\.com|on\.aws)|public\.ecr\.aws)"
)


def main() -> None:
    for name in ("registry-auth", "scope"):
        if get_input(name):
            raise ActionError(f"input '{name}' is not supported by the offline stand-in")
    registry = get_input("registry")
    ecr = get_input("ecr", "auto")
    if ecr not in ("auto", "true", "false"):
        raise ActionError(f"input 'ecr': invalid value '{ecr}' (auto, true or false)")
    if ecr == "true" or (ecr == "auto" and ECR.match(registry)):
        raise ActionError("input 'ecr': Amazon ECR login needs AWS, which is not reachable offline")
    get_bool("logout", True)
    username, password = get_input("username"), get_raw_input("password")
    if not username or not password.strip():
        raise ActionError("Username and password required")

    info(f"Logging into {registry or 'Docker Hub'}...")
    cmd = ["docker", "login", "--username", username, "--password-stdin"]
    done = subprocess.run(
        [*cmd, registry] if registry else cmd,
        input=password.strip() + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    output = (done.stderr + done.stdout).replace(password.strip(), "***")
    if done.returncode != 0:
        lines = [ln for ln in output.splitlines() if ln.strip() and not ln.startswith("WARNING")]
        raise ActionError("\n".join(lines[-5:]) or f"docker login exited {done.returncode}")
    info("Login Succeeded!")


if __name__ == "__main__":
    run("docker/login-action", main)
