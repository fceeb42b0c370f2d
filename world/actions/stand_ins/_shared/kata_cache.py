"""The per-machine store behind the actions/cache stand-ins (and setup-python's pip cache).

GitHub keeps caches per repository and branch on its servers; offline, one folder on this
machine plays that part and outlives every run: $KATA_ACTIONS_CACHE (the harness sets it)
or ~/.cache/cicd-kata/actions-cache (entries/, pip/, uv/). An entry is a gzip tar plus a
meta.json, stored under the cache "version" (a hash of the paths, as the real action
computes one) so a restore with other paths misses, as it does on GitHub. Keys are
immutable: a second save of a key is refused with the real action's message.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import tarfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

MAX_KEY_LENGTH = 512


def base() -> Path:
    """The per-machine folder: cache entries, and the pip and uv caches beside them."""
    explicit = os.environ.get("KATA_ACTIONS_CACHE")
    if explicit:
        return Path(explicit)
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "cicd-kata" / "actions-cache"


def root() -> Path:
    return base() / "entries"


def tool_cache_dir(name: str) -> Path:
    """A tool's cache (pip, uv) beside the entries, shared by every run here."""
    path = base() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_key(key: str) -> None:
    """The real action's key validation (its messages)."""
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(
            f"Key Validation Error: {key} cannot be larger than {MAX_KEY_LENGTH} characters."
        )
    if "," in key:
        raise ValueError(f"Key Validation Error: {key} cannot contain commas.")


def version(paths: list[str]) -> str:
    """Like @actions/cache getCacheVersion: the paths and the compression, hashed."""
    return hashlib.sha256("|".join([*paths, "gzip"]).encode()).hexdigest()


def _entry_dir(paths: list[str], key: str) -> Path:
    return root() / version(paths)[:20] / hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Entry:
    key: str
    folder: Path
    created: float


def _entries(paths: list[str]) -> list[Entry]:
    found = []
    for meta in (root() / version(paths)[:20]).glob("*/meta.json"):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
            found.append(Entry(str(data["key"]), meta.parent, float(data["created"])))
        except (OSError, ValueError, KeyError):
            continue
    return sorted(found, key=lambda e: e.created, reverse=True)


def find(paths: list[str], key: str, restore_keys: list[str]) -> Entry | None:
    """GitHub's matching: for the key, then each restore key in order, an exact match
    first, then the newest entry whose key starts with it."""
    entries = _entries(paths)
    for wanted in [key, *restore_keys]:
        exact = [e for e in entries if e.key == wanted]
        if exact:
            return exact[0]
        prefixed = [e for e in entries if e.key.startswith(wanted)]
        if prefixed:
            return prefixed[0]
    return None


def resolve(patterns: list[str], workspace: Path) -> list[Path]:
    """Files and folders the path patterns name (globs, `~`, `!` exclusions), relative
    patterns from the workspace."""
    chosen: dict[str, Path] = {}
    for pattern in patterns:
        negate = pattern.startswith("!")
        text = os.path.expanduser(pattern[1:] if negate else pattern)
        full = text if os.path.isabs(text) else str(workspace / text)
        for match in glob.glob(full, recursive=True, include_hidden=True):
            path = Path(match).resolve()
            if negate:
                chosen = {k: v for k, v in chosen.items() if not _within(v, path)}
            else:
                chosen[str(path)] = path
    return sorted(chosen.values())


def _within(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _arcname(path: Path, workspace: Path) -> str:
    if _within(path, workspace.resolve()):
        return "ws/" + path.relative_to(workspace.resolve()).as_posix()
    return "abs/" + path.as_posix().lstrip("/")


def save(paths: list[str], key: str, workspace: Path) -> int:
    """Store what the paths name under `key`; returns the archive size. Raises
    FileExistsError when the key exists, FileNotFoundError when nothing matched."""
    target = _entry_dir(paths, key)
    if (target / "meta.json").is_file():
        raise FileExistsError(key)
    found = resolve(paths, workspace)
    if not found:
        raise FileNotFoundError(paths)
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir(parents=True)
    try:
        with tarfile.open(staging / "data.tar.gz", "w:gz") as tar:
            for path in found:
                tar.add(path, arcname=_arcname(path, workspace))
        meta = {"key": key, "paths": paths, "created": time.time()}
        (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.rename(staging, target)
        except OSError:
            raise FileExistsError(key) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return (target / "data.tar.gz").stat().st_size


def restore(entry: Entry, workspace: Path) -> None:
    """Unpack an entry: workspace files into this run's workspace, others where they were."""
    with tarfile.open(entry.folder / "data.tar.gz", "r:gz") as tar:
        for member in tar.getmembers():
            area, _, rest = member.name.partition("/")
            base = workspace if area == "ws" else Path("/")
            member.name = rest
            tar.extract(member, base, filter="fully_trusted" if area == "abs" else "data")
