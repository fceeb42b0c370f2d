"""Offline actions/cache/save: stores the paths under the key in the per-machine cache."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from cache_action import save
from kata_io import run

if __name__ == "__main__":
    run("actions/cache/save", save)
