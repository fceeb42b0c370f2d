"""What a submission is: a project folder, or a local git repository (bare or not) whose
HEAD is cloned to a temporary folder; and which project level it is.

A folder that is neither (a class folder) stands for the submissions inside it.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness.errors import UsageError

URL = re.compile(r"^[a-z][a-z0-9+.-]*://|^[^/\s]+@[^/\s]+:", re.IGNORECASE)
PROJECT_MARKERS = (".github", "Dockerfile", "kata.toml", ".kata-level", "requirements.txt")
LEVEL_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
DEFAULT_LEVEL = "beginner"


@dataclass(frozen=True)
class Submission:
    name: str
    source: str  # the path as given (or found in a class folder)

    @property
    def path(self) -> Path:
        return Path(self.source)


def git_kind(path: Path) -> str | None:
    """ "repo" for a working tree with .git, "bare" for a bare repository, else None."""
    if (path / ".git").exists():
        return "repo"
    if (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir():
        return "bare"
    return None


def is_submission(path: Path) -> bool:
    return git_kind(path) is not None or any((path / m).exists() for m in PROJECT_MARKERS)


def expand(sources: list[str]) -> list[str]:
    """Each source as is, except a class folder: its sub-folders, sorted."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if URL.search(source) or not path.is_dir() or is_submission(path):
            out.append(source)
            continue
        children = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        out += [str(child) for child in children]
    return out


def _base_name(source: str) -> str:
    name = Path(source.rstrip("/")).name.removesuffix(".git") or "submission"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "submission"


def name_all(sources: list[str]) -> list[Submission]:
    """One Submission per source, with a folder-safe, unique name (`-2`, `-3` on clashes)."""
    seen: dict[str, int] = {}
    out = []
    for source in sources:
        base = _base_name(source)
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        out.append(Submission(name, source))
    return out


def checkout(submission: Submission, scratch: Path) -> Path:
    """The folder to grade: the submission itself, or a fresh clone of a git repository's
    HEAD (what was committed, not the working tree). Raises UsageError with the reason."""
    if URL.search(submission.source):
        raise UsageError(f"{submission.source}: only local paths are graded, not URLs")
    path = submission.path
    if not path.is_dir():
        raise UsageError(f"{submission.source}: no such folder or repository")
    if git_kind(path) is None:
        return path.resolve()
    dest = scratch / submission.name
    done = subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", "--", str(path.resolve()), str(dest)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise UsageError(f"{submission.source}: git clone failed: {done.stderr.strip()[-300:]}")
    return dest


def detect_level(project: Path, given: str | None = None) -> str:
    """--level if given; else kata.toml's `level` (top level or [kata]); else .kata-level's
    first line; else by shape (a terraform/ folder or *.tf file: intermediate); else beginner."""
    level = given or _declared_level(project) or _level_by_shape(project)
    if not LEVEL_NAME.match(level):
        raise UsageError(f"{project}: {level!r} is not a level name")
    return level


def _declared_level(project: Path) -> str | None:
    toml = project / "kata.toml"
    if toml.is_file():
        try:
            data = tomllib.loads(toml.read_text(encoding="utf-8", errors="replace"))
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{toml}: not valid TOML: {exc}") from None
        level = data.get("level") or (data.get("kata") or {}).get("level")
        if isinstance(level, str) and level.strip():
            return level.strip()
    marker = project / ".kata-level"
    if marker.is_file():
        lines = marker.read_text(encoding="utf-8", errors="replace").split()
        if lines:
            return lines[0].strip()
    return None


def _level_by_shape(project: Path) -> str:
    if (project / "terraform").is_dir() or any(project.glob("*.tf")):
        return "intermediate"
    return DEFAULT_LEVEL
