"""Offline azure/setup-kubectl (v1-v4 interface): the kubectl installed here."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from host_tool import setup_installed
from kata_io import run

HOW = "install it (https://kubernetes.io/docs/tasks/tools/, or `sudo apt-get install kubectl`)"


def main() -> None:
    setup_installed("kubectl", HOW, ("version", "--client"))


if __name__ == "__main__":
    run("azure/setup-kubectl", main)
