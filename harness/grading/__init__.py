"""Grading at class scale: many submissions, in parallel or in shards, into one gradebook;
and the guard every graded act run gets (sandbox, background-process reaping, limits)."""

from pathlib import Path

KATA_ROOT = Path(__file__).resolve().parents[2]
"""The kata repository (harness/, solutions/, exercises/)."""
