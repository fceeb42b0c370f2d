"""Offline azure/setup-helm (v1-v4 interface): the helm installed here."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from host_tool import setup_installed
from kata_io import run

HOW = "install it (https://helm.sh/docs/intro/install/, e.g. the get-helm-3 script)"


def main() -> None:
    setup_installed("helm", HOW, ("version", "--short"))


if __name__ == "__main__":
    run("azure/setup-helm", main)
