"""Offline actions/cache/restore: the restore half of actions/cache (see ../main.py)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from cache_action import restore
from kata_io import run


def main() -> None:
    restore(split=True)


if __name__ == "__main__":
    run("actions/cache/restore", main)
