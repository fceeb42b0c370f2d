"""Offline actions/cache: restore only (act runs no post step for a composite action)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cache_action import cache_main
from kata_io import run

if __name__ == "__main__":
    run("actions/cache", cache_main)
