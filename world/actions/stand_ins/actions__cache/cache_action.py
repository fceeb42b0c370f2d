"""The work of the actions/cache stand-ins (main.py, restore/main.py, save/main.py): restore
by key and restore-keys from the per-machine store in kata_cache, and save.

act cannot run a `post:` step for a composite action, and composite is all the stand-ins
can be without Node, so `actions/cache` itself only restores: on a miss it says that
nothing will be saved at the end of the job and that `actions/cache/save` saves.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kata_cache
from kata_io import (
    ActionError,
    get_bool,
    get_input,
    get_lines,
    info,
    notice,
    set_output,
    warning,
    workspace,
)


def _paths() -> list[str]:
    paths = get_lines("path")
    if not paths:
        raise ActionError("Input required and not supplied: path")
    return paths


def _key() -> str:
    key = get_input("key")
    if not key:
        raise ActionError("Input required and not supplied: key")
    try:
        kata_cache.check_key(key)
    except ValueError as exc:
        raise ActionError(str(exc)) from None
    return key


def restore(split: bool) -> bool:
    """Restore; returns whether the key matched exactly (the `cache-hit` output)."""
    paths, key = _paths(), _key()
    restore_keys = get_lines("restore-keys")
    for extra in restore_keys:
        try:
            kata_cache.check_key(extra)
        except ValueError as exc:
            raise ActionError(str(exc)) from None
    if split:
        set_output("cache-primary-key", key)
    entry = kata_cache.find(paths, key, restore_keys)
    if entry is None:
        if get_bool("fail-on-cache-miss"):
            raise ActionError(
                "Failed to restore cache entry. Exiting as fail-on-cache-miss is set. "
                f"Input key: {key}"
            )
        info(f"Cache not found for input keys: {', '.join([key, *restore_keys])}")
        set_output("cache-hit", "false")
        return False
    exact = entry.key == key
    if get_bool("lookup-only"):
        info(f"Cache found and can be restored from key: {entry.key}")
    else:
        kata_cache.restore(entry, workspace())
        info(f"Cache restored from key: {entry.key}")
    set_output("cache-hit", "true" if exact else "false")
    if split:
        set_output("cache-matched-key", entry.key)
    return exact


def save(key: str | None = None) -> None:
    paths, key = _paths(), key or _key()
    try:
        size = kata_cache.save(paths, key, workspace())
    except FileNotFoundError:
        warning(
            "Path Validation Error: Path(s) specified in the action for caching do(es) not "
            "exist, hence no cache is being saved."
        )
        return
    except FileExistsError:
        warning(
            f"Failed to save: Unable to reserve cache with key {key}, another job may be "
            "creating this cache."
        )
        return
    info(f"Cache saved with key: {key} ({size} bytes, in {kata_cache.root()})")


def cache_main() -> None:
    if not restore(split=False):
        notice(
            "actions/cache offline: act cannot run the post step of a composite stand-in, so "
            "nothing is saved at the end of this job; add `actions/cache/save` (same path "
            "and key) after the step that fills the cache"
        )
