"""actions/cache, cache/restore, cache/save and setup-python's pip cache under real act:
key and restore-keys semantics, cache-hit on exact matches only, a cache that outlives
the run (one act run per phase, every case a job)."""

from __future__ import annotations

import sys

from .act_helpers import ActProject, dump_env_step

HOST = f"{sys.version_info.major}.{sys.version_info.minor}"

WORKFLOW = """
on: push
jobs:
  deps:
    runs-on: ubuntu-latest
    steps:
      - id: restore
        uses: actions/cache/restore@v4
        with:
          path: deps
          key: deps-linux-@KEY@
          restore-keys: deps-linux-
      - run: test -f deps/built.txt || { mkdir -p deps; echo built > deps/built.txt; }
      - uses: actions/cache/save@0123456789abcdef0123456789abcdef01234567
        with:
          path: deps
          key: deps-linux-@KEY@
      - id: prefix
        uses: actions/cache@v3
        with:
          path: deps
          key: deps-other
          restore-keys: |
            nothing-
            deps-linux-
      - run: DUMP
        env:
          O_HIT: ${{ steps.restore.outputs.cache-hit }}
          O_PRIMARY: ${{ steps.restore.outputs.cache-primary-key }}
          O_MATCHED: ${{ steps.restore.outputs.cache-matched-key }}
          O_PREFIX_HIT: ${{ steps.prefix.outputs.cache-hit }}
  strict:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/cache@v4
        with:
          path: nowhere
          key: never-saved
          fail-on-cache-miss: true
  pip:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with:
          python-version: "@PYVER@"
          cache: pip
      - run: echo "PIPCACHE=$PIP_CACHE_DIR"
""".replace("DUMP", dump_env_step()).replace("@PYVER@", HOST)


def test_cache_restores_by_key_and_prefix_across_runs(project: ActProject) -> None:
    first = project.run(WORKFLOW.replace("@KEY@", "1"))
    assert first.job_result("deps") == "success", first.explain()
    cold = first.result("deps")
    assert cold == {"HIT": "false", "PRIMARY": "deps-linux-1", "MATCHED": "", "PREFIX_HIT": "false"}
    lines = first.lines("deps")
    assert any(
        ln.startswith("Cache not found for input keys: deps-linux-1, deps-linux-") for ln in lines
    )
    assert "Cache restored from key: deps-linux-1" in lines  # actions/cache by restore-keys

    assert first.job_result("strict") == "failure"
    assert any(
        "Exiting as fail-on-cache-miss is set. Input key: never-saved" in e
        for e in first.errors("strict")
    )
    assert first.job_result("pip") == "success", first.explain()
    pip_cache = project.root / "actions-cache" / "pip"
    assert f"PIPCACHE={pip_cache}" in first.lines("pip")

    second = project.run(WORKFLOW.replace("@KEY@", "1"))
    warm = second.result("deps")
    assert warm["HIT"] == "true" and warm["MATCHED"] == "deps-linux-1", second.explain()
    assert any(
        "Unable to reserve cache with key deps-linux-1" in ln for ln in second.text.splitlines()
    )

    third = project.run(WORKFLOW.replace("@KEY@", "2"))
    stale = third.result("deps")
    assert stale["HIT"] == "false" and stale["MATCHED"] == "deps-linux-1", third.explain()
