"""Which remote actions have offline stand-ins, and the act flags that swap them in.

Each stand-in is a composite action in stand_ins/<owner>__<repo>/. Its shared helpers live
once, in stand_ins/_shared/. act copies a local repository's folder on its own (no
symlinks followed), so each run gets an assembled folder: the stand-in's files plus the
shared helpers it imports (see `assemble`). act is pointed at that folder with
`--local-repository OWNER/REPO@REF=DIR`, one flag per ref the workflow uses.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

STAND_INS_DIR = Path(__file__).resolve().parent / "stand_ins"
SHARED_DIR = STAND_INS_DIR / "_shared"
"""Helper modules (stdlib only) that stand-ins import by bare name, e.g. `kata_io`."""


def _discover() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in sorted(STAND_INS_DIR.iterdir()):
        owner, sep, repo = directory.name.partition("__")
        if sep and owner and repo and (directory / "action.yml").is_file():
            found[f"{owner}/{repo}"] = directory
    return found


STAND_INS: dict[str, Path] = _discover()
"""owner/repo (lower case) -> stand-in directory."""

HOST_MODE_DOCKER = "docker:// actions run a container image, which act's host mode cannot do"


def uses_in_workflow(workflow: dict[str, Any]) -> set[str]:
    """Every `uses:` of the workflow: steps' actions and jobs' reusable workflows."""
    found: set[str] = set()
    jobs = workflow.get("jobs") or {}
    for job in jobs.values() if isinstance(jobs, dict) else []:
        if not isinstance(job, dict):
            continue
        if isinstance(job.get("uses"), str):
            found.add(job["uses"].strip())
        for step in job.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("uses"), str):
                found.add(step["uses"].strip())
    return found


def _unsupported_reason(uses: str) -> str | None:
    """Why `uses` cannot run offline, or None when a stand-in covers it."""
    if uses.startswith("docker://"):
        return HOST_MODE_DOCKER
    target, at, ref = uses.partition("@")
    parts = target.split("/")
    if not at or not ref or len(parts) < 2 or not all(parts[:2]):
        return "not an OWNER/REPO@REF reference"
    directory = STAND_INS.get(f"{parts[0]}/{parts[1]}".lower())
    if directory is None:
        return "no offline stand-in for this action (nothing can be downloaded)"
    if len(parts) > 2 and not (directory.joinpath(*parts[2:]) / "action.yml").is_file():
        return f"the stand-in for {parts[0]}/{parts[1]} has no '{'/'.join(parts[2:])}'"
    return None


def _source_files(directory: Path) -> list[Path]:
    """The committed files of a stand-in folder (no bytecode caches)."""
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


IMPORT_LINE = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w., \t]+))", re.MULTILINE
)


def imported_modules(source: Path) -> set[str]:
    """Top-level names in the absolute import statements of a Python file (`a.b` gives
    `a`). Read line by line, not parsed: a few ms for all stand-ins, where `ast` takes a
    tenth of a second; a stray match (an import line in a docstring) only adds a helper,
    and tests/actions checks each import against the assembled folder with `ast`."""
    found: set[str] = set()
    for module, names in IMPORT_LINE.findall(source.read_text(encoding="utf-8")):
        for name in [module] if module else names.split(","):
            if name.strip():
                found.add(name.split()[0].partition(".")[0])
    return found


def shared_helpers(directory: Path) -> list[Path]:
    """The _shared modules a stand-in imports, directly or through another helper.

    A module of the stand-in's own folder wins over a shared one of the same name (as it
    would on sys.path, where the folder comes first)."""
    own = {path.stem for path in directory.glob("*.py")}
    pending = list(directory.glob("*.py"))
    needed: dict[str, Path] = {}
    while pending:
        for name in sorted(imported_modules(pending.pop())):
            helper = SHARED_DIR / f"{name}.py"
            if name not in own and name not in needed and helper.is_file():
                needed[name] = helper
                pending.append(helper)
    return sorted(needed.values())


def assemble(directory: Path, into: Path) -> Path:
    """A runnable copy of the stand-in `directory`, under `into`: its own files plus the
    shared helpers it imports, side by side (main.py puts its folder on sys.path).

    The folder is named after a digest of its contents and written once: built under a
    temporary name, then renamed into place. A run that finds it there reuses it, so
    concurrent runs sharing `into` never see a half-written or changed folder.
    """
    files = {path.relative_to(directory).as_posix(): path for path in _source_files(directory)}
    files |= {helper.name: helper for helper in shared_helpers(directory)}
    digest = hashlib.sha256()
    for relpath in sorted(files):
        content = files[relpath].read_bytes()
        digest.update(f"{relpath}\0{len(content)}\0".encode())
        digest.update(content)
    target = into / f"{directory.name}-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    into.mkdir(parents=True, exist_ok=True)
    staging = into / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        for relpath, source in files.items():
            (staging / relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, staging / relpath)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():  # not another run that got there first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def default_assembly_dir() -> Path:
    """This user's cache of assembled stand-ins in the temp folder (content-addressed, so
    runs may share it); a grading run passes its own workdir instead, which its sandbox
    can see."""
    root = Path(tempfile.gettempdir()) / f"kata-stand-ins-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    if root.is_symlink() or root.stat().st_uid != os.getuid():
        raise RuntimeError(f"{root} belongs to another user; pass a folder of your own")
    return root


def plan_local_repositories(
    uses: Iterable[str], into: Path | None = None
) -> tuple[list[str], list[str]]:
    """(act `--local-repository` values, unsupported refs as "USES: reason").

    Local actions and workflows (`./...`) are left to act. Every ref of a supported
    action maps to the same stand-in, assembled under `into` (see `assemble`; default
    `default_assembly_dir()`), e.g. `actions/setup-python@v5=INTO/actions__setup-python-<digest>`.
    """
    mappings: list[str] = []
    assembled: dict[Path, Path] = {}
    unsupported: list[str] = []
    for item in sorted(set(uses)):
        if item.startswith("./") or item.startswith("../"):
            continue
        reason = _unsupported_reason(item)
        if reason is not None:
            unsupported.append(f"{item}: {reason}")
            continue
        target, _, ref = item.partition("@")
        owner, repo = target.split("/")[:2]
        directory = STAND_INS[f"{owner}/{repo}".lower()]
        if directory not in assembled:
            assembled[directory] = assemble(directory, into or default_assembly_dir())
        mappings.append(f"{owner}/{repo}@{ref}={assembled[directory]}")
    return sorted(set(mappings)), unsupported
