"""Which remote actions have offline stand-ins, and the act flags that swap them in.

Each stand-in is a composite action in stand_ins/<owner>__<repo>/. act is pointed at it
with `--local-repository OWNER/REPO@REF=DIR`, one flag per ref the workflow uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

STAND_INS_DIR = Path(__file__).resolve().parent / "stand_ins"


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


def plan_local_repositories(uses: Iterable[str]) -> tuple[list[str], list[str]]:
    """(act `--local-repository` values, unsupported refs as "USES: reason").

    Local actions and workflows (`./...`) are left to act. Every ref of a supported
    action maps to the same stand-in, e.g. `actions/setup-python@v5=/abs/stand_ins/...`.
    """
    mappings: list[str] = []
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
        mappings.append(f"{owner}/{repo}@{ref}={STAND_INS[f'{owner}/{repo}'.lower()]}")
    return sorted(set(mappings)), unsupported
