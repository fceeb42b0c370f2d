"""Offline azure/setup-helm (v1-v4 interface): the helm installed here."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from host_tool import check_wanted, require, version_of
from kata_io import add_path, get_input, info, run, set_output

HOW = "install it (https://helm.sh/docs/intro/install/, e.g. the get-helm-3 script)"


def main() -> None:
    binary = require("helm", HOW)
    installed = version_of(binary, "version", "--short")
    check_wanted("helm", get_input("version", "latest"), installed, binary)
    add_path(str(binary.parent))
    set_output("helm-path", str(binary))
    info(f"helm {installed} at {binary}")


if __name__ == "__main__":
    run("azure/setup-helm", main)
