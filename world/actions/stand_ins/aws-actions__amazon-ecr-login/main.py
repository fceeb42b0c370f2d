"""Offline aws-actions/amazon-ecr-login: the run's registry stands in for ECR.

The harness gives the registry's address and credentials as $KATA_REGISTRY,
$KATA_REGISTRY_USERNAME and $KATA_REGISTRY_PASSWORD (the address is also the workflow's
`vars.REGISTRY`), so `${{ steps.login-ecr.outputs.registry }}/app:tag` pushes there. The
password only travels on stdin.
"""

from __future__ import annotations

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import ActionError, get_bool, get_input, info, notice, run, set_output


def main() -> None:
    kind = get_input("registry-type", "private").lower()
    if kind not in ("private", "public"):
        raise ActionError(
            "Invalid input for 'registry-type', possible options are [private, public]"
        )
    get_bool("mask-password", True)
    get_bool("skip-logout", False)
    if not (os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")):
        raise ActionError(
            "Region is missing: run aws-actions/configure-aws-credentials (aws-region) first"
        )
    address = os.environ.get("KATA_REGISTRY", "")
    username = os.environ.get("KATA_REGISTRY_USERNAME", "")
    password = os.environ.get("KATA_REGISTRY_PASSWORD", "")
    if not address:
        raise ActionError(
            "there is no ECR offline and this run has no registry to stand in for it "
            "(KATA_REGISTRY is not set)"
        )
    if get_input("registries"):
        notice(f"registries: only the run's registry exists offline ({address})")
    info(f"Logging into registry {address} (standing in for Amazon ECR {kind})")
    if username and password:
        done = subprocess.run(
            ["docker", "login", "--username", username, "--password-stdin", address],
            input=password + "\n",
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            text = (done.stderr + done.stdout).replace(password, "***").strip()
            raise ActionError(f"Could not login to registry {address}: {text[-500:]}")
    set_output("registry", address)
    info(f"Logged into {address}")


if __name__ == "__main__":
    run("aws-actions/amazon-ecr-login", main)
