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
from dataclasses import dataclass
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


def actions_cache_dir() -> Path:
    """The per-machine cache the cache, setup-python (pip) and setup-uv stand-ins keep
    across runs (what GitHub keeps on its servers); the harness hands it to the steps as
    $KATA_ACTIONS_CACHE and lets the sandbox write to it."""
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "cicd-kata" / "actions-cache"


STAND_INS: dict[str, Path] = _discover()
"""owner/repo (lower case) -> stand-in directory."""

HOST_MODE_DOCKER = "docker:// actions run a container image, which act's host mode cannot do"
NO_STAND_IN = "no offline stand-in for this action, and nothing can be downloaded offline"
REMOTE_WORKFLOW = "a reusable workflow from another repository cannot be fetched offline"
FIXES = {
    HOST_MODE_DOCKER: "run the tool in a `run:` step instead (e.g. `docker run IMAGE ...`)",
    NO_STAND_IN: "use an action that has a stand-in (README, 'Offline action stand-ins') or "
    "write the step as `run:` commands",
    REMOTE_WORKFLOW: "copy the workflow into .github/workflows/ and call it as "
    "`uses: ./.github/workflows/NAME.yml`",
}
RETIRED: dict[str, tuple[int, str]] = {
    "actions/cache": (3, "v1 and v2 stopped working on GitHub on 2025-03-01 (new cache service)"),
    "actions/upload-artifact": (4, "v1 to v3 stopped working on GitHub on 2025-01-30"),
    "actions/download-artifact": (4, "v1 to v3 stopped working on GitHub on 2025-01-30"),
}
"""owner/repo -> (first major that still runs on GitHub, why older ones fail there)."""
MAJOR = re.compile(r"^v?(\d+)(?:\.\d+){0,2}$")


@dataclass(frozen=True)
class Verdict:
    """Why a `uses:` cannot run offline, and what the learner can do instead."""

    uses: str
    reason: str
    fix: str

    def __str__(self) -> str:
        return f"{self.uses}: {self.reason}"


def uses_in_workflow(workflow: dict[str, Any]) -> set[str]:
    """Every `uses:` of the workflow: steps' actions and jobs' reusable workflows."""
    return {uses for _, _, uses in uses_by_step(workflow)}


def ref_major(ref: str) -> int | None:
    """`v4`, `v4.2.1` or `4` -> 4; a branch or a commit SHA -> None (any ref maps to the
    same stand-in; only a version tag can name a retired major)."""
    match = MAJOR.match(ref)
    return int(match.group(1)) if match else None


def verdict(uses: str) -> Verdict | None:
    """Why `uses` cannot run offline, or None when a stand-in covers it (or it is local)."""
    if uses.startswith("./") or uses.startswith("../"):
        return None
    if uses.startswith("docker://"):
        return Verdict(uses, HOST_MODE_DOCKER, FIXES[HOST_MODE_DOCKER])
    target, at, ref = uses.partition("@")
    parts = target.split("/")
    if not at or not ref or len(parts) < 2 or not all(parts[:2]):
        return Verdict(uses, "not an OWNER/REPO@REF reference", "write it as OWNER/REPO@REF")
    name = f"{parts[0]}/{parts[1]}".lower()
    if len(parts) > 2 and parts[2] == ".github" and target.endswith((".yml", ".yaml")):
        return Verdict(uses, REMOTE_WORKFLOW, FIXES[REMOTE_WORKFLOW])
    directory = STAND_INS.get(name)
    if directory is None:
        return Verdict(uses, NO_STAND_IN, FIXES[NO_STAND_IN])
    if len(parts) > 2 and not (directory.joinpath(*parts[2:]) / "action.yml").is_file():
        return Verdict(
            uses,
            f"the stand-in for {parts[0]}/{parts[1]} has no '{'/'.join(parts[2:])}'",
            f"use {parts[0]}/{parts[1]} itself or one of its stand-in's sub-actions",
        )
    major, retired = ref_major(ref), RETIRED.get(name)
    if major is not None and retired is not None and major < retired[0]:
        return Verdict(uses, f"@{ref} is retired: {retired[1]}", f"use @v{retired[0]} or newer")
    return None


def _unsupported_reason(uses: str) -> str | None:
    found = verdict(uses)
    return found.reason if found else None


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
    files = {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in _source_files(directory)
    }
    files |= {helper.name: helper.read_bytes() for helper in shared_helpers(directory)}
    return _write_once(into, directory.name, files)


def _write_once(into: Path, name: str, files: dict[str, bytes]) -> Path:
    """`into/<name>-<digest of files>/` holding `files` (relpath -> content), written once."""
    digest = hashlib.sha256()
    for relpath in sorted(files):
        digest.update(f"{relpath}\0{len(files[relpath])}\0".encode())
        digest.update(files[relpath])
    target = into / f"{name}-{digest.hexdigest()[:16]}"
    if target.is_dir():
        return target
    into.mkdir(parents=True, exist_ok=True)
    staging = into / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        for relpath, content in files.items():
            (staging / relpath).parent.mkdir(parents=True, exist_ok=True)
            (staging / relpath).write_bytes(content)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():  # not another run that got there first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


REFUSING_ACTION = """name: kata refusal
description: stands where an action that cannot run offline was asked for
runs:
  using: composite
  steps:
    - shell: bash
      run: |
        echo '::error::kata: {uses} cannot run offline: {reason}. What to do: {fix}'
        exit 1
"""
REFUSING_WORKFLOW = """on: workflow_call
jobs:
  kata-cannot-run:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo '::error::kata: {uses} cannot run offline: {reason}. What to do: {fix}'
          exit 1
"""


def _refusal_text(found: Verdict, workflow: bool) -> bytes:
    """An action.yml or workflow that fails at once with the verdict (act reads it instead
    of cloning the real repository)."""
    # single-quoted for bash (backticks and $ stay text); ${{ would be an expression to act
    values = {k: v.replace("'", "'\\''").replace("${{", "$ {{") for k, v in vars(found).items()}
    return (REFUSING_WORKFLOW if workflow else REFUSING_ACTION).format(**values).encode()


DOCKER_REFUSED = "kata-refused/docker-action"


def docker_refusal(uses: str) -> str:
    """The OWNER/REPO@REF a `docker://IMAGE` step is rewritten to in a run's copy of the
    workflow: act would pull IMAGE from the network (and cannot run it in host mode), so
    the step uses a refusing folder mapped under this name instead."""
    return f"{DOCKER_REFUSED}@{hashlib.sha256(uses.encode()).hexdigest()[:12]}"


def refusals(verdicts: Iterable[Verdict], into: Path) -> list[str]:
    """`--local-repository` values mapping each OWNER/REPO@REF that cannot run (no stand-in,
    a retired major, another repository's workflow) to a folder that fails with its
    verdict, so act never tries the network for it. A docker:// step is mapped under
    `docker_refusal(uses)` (the run rewrites the step to that name); malformed refs have no
    repository to map; a sub-path a stand-in lacks shares its stand-in's mapping."""
    folders: dict[str, dict[str, bytes]] = {}
    for found in verdicts:
        target, _, ref = found.uses.partition("@")
        parts = target.split("/")
        if found.uses.startswith("docker://"):
            name = docker_refusal(found.uses)
            folders.setdefault(name, {})["action.yml"] = _refusal_text(found, False)
            continue
        if len(parts) < 2 or not ref:
            continue
        repo = f"{parts[0]}/{parts[1]}"
        if repo.lower() in STAND_INS and not found.reason.startswith("@"):
            continue
        sub = "/".join(parts[2:])
        workflow = found.reason == REMOTE_WORKFLOW
        path = sub if workflow else "/".join(p for p in (sub, "action.yml") if p)
        folders.setdefault(f"{repo}@{ref}", {})[path] = _refusal_text(found, workflow)
    mappings = []
    for repo_ref, files in sorted(folders.items()):
        name = "_refusal-" + re.sub(r"[^\w.-]+", "_", repo_ref)[:60]
        mappings.append(f"{repo_ref}={_write_once(into, name, files)}")
    return mappings


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
    action (tag, branch or commit SHA) maps to the same stand-in, assembled under `into`
    (see `assemble`; default `default_assembly_dir()`), e.g.
    `actions/setup-python@v5=INTO/actions__setup-python-<digest>`. What cannot run maps to
    a refusing folder (see `refusals`), so act fails that step with the verdict instead of
    reaching for the network.
    """
    mappings, verdicts = plan(uses, into)
    return mappings, [str(v) for v in verdicts]


def plan(uses: Iterable[str], into: Path | None = None) -> tuple[list[str], list[Verdict]]:
    """`plan_local_repositories` with the verdicts as objects (reason and fix apart)."""
    mappings: list[str] = []
    assembled: dict[Path, Path] = {}
    verdicts: list[Verdict] = []
    for item in sorted(set(uses)):
        if item.startswith("./") or item.startswith("../"):
            continue
        found = verdict(item)
        if found is not None:
            verdicts.append(found)
            continue
        target, _, ref = item.partition("@")
        owner, repo = target.split("/")[:2]
        directory = STAND_INS[f"{owner}/{repo}".lower()]
        if directory not in assembled:
            assembled[directory] = assemble(directory, into or default_assembly_dir())
        mappings.append(f"{owner}/{repo}@{ref}={assembled[directory]}")
    if verdicts:
        mappings += refusals(verdicts, into or default_assembly_dir())
    return sorted(set(mappings)), verdicts


def uses_by_step(workflow: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(job id, step name, uses) for every `uses:`; a job-level reusable workflow has the
    step name ''. Step names are the workflow's `name:`, else its `id:`, else `#N`."""
    found: list[tuple[str, str, str]] = []
    jobs = workflow.get("jobs") or {}
    for job_id, job in jobs.items() if isinstance(jobs, dict) else []:
        if not isinstance(job, dict):
            continue
        if isinstance(job.get("uses"), str):
            found.append((str(job_id), "", job["uses"].strip()))
        for number, step in enumerate(job.get("steps") or [], 1):
            if isinstance(step, dict) and isinstance(step.get("uses"), str):
                name = step.get("name") or step.get("id") or f"#{number}"
                found.append((str(job_id), str(name), step["uses"].strip()))
    return found
