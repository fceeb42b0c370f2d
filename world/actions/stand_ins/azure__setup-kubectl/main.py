"""Offline azure/setup-kubectl (v1-v4 interface): the kubectl installed here."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from host_tool import check_wanted, require, version_of
from kata_io import add_path, get_input, info, run, set_output

HOW = "install it (https://kubernetes.io/docs/tasks/tools/, or `sudo apt-get install kubectl`)"


def main() -> None:
    binary = require("kubectl", HOW)
    installed = version_of(binary, "version", "--client")
    check_wanted("kubectl", get_input("version", "latest"), installed, binary)
    add_path(str(binary.parent))
    set_output("kubectl-path", str(binary))
    info(f"kubectl {installed} at {binary}")


if __name__ == "__main__":
    run("azure/setup-kubectl", main)
