"""Reads a project's GitHub Actions workflows and decides which of them fire for an event.

act ignores branch and path filters, so the harness decides itself, with GitHub's rules:
`branches`/`branches-ignore`/`tags` and `paths`/`paths-ignore`, patterns with `*`, `**`,
`?`, `+`, `[...]` and `!` negations evaluated in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import UsageError

WORKFLOW_DIR = Path(".github/workflows")


@dataclass
class Workflow:
    path: Path  # relative to the project root
    data: dict[str, Any]
    text: str

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.path.name)

    @property
    def triggers(self) -> dict[str, Any]:
        return normalise_triggers(trigger_block(self.data))

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        jobs = self.data.get("jobs") or {}
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in jobs.items()}

    def steps(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for job_id, job in self.jobs.items():
            for step in job.get("steps") or []:
                if isinstance(step, dict):
                    yield job_id, step


@dataclass
class WorkflowSet:
    workflows: list[Workflow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load_workflows(project: Path) -> WorkflowSet:
    """Parse every workflow; malformed files become readable errors, not exceptions."""
    result = WorkflowSet()
    folder = project / WORKFLOW_DIR
    if not folder.is_dir():
        result.errors.append(f"no {WORKFLOW_DIR}/ folder: GitHub only runs workflows kept there")
        return result
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        rel = path.relative_to(project)
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            result.errors.append(f"{rel} is not valid YAML{line}: {problem}")
            continue
        if not isinstance(data, dict) or "jobs" not in data:
            result.errors.append(f"{rel} has no top-level `jobs:` mapping")
            continue
        if trigger_block(data) is None:
            result.errors.append(f"{rel} has no `on:` trigger")
            continue
        result.workflows.append(Workflow(rel, data, text))
    if not result.workflows and not result.errors:
        result.errors.append(f"{WORKFLOW_DIR}/ holds no .yml or .yaml workflow")
    return result


def trigger_block(data: dict[Any, Any]) -> Any:
    """The `on:` block; YAML 1.1 reads a bare `on` key as the boolean True."""
    return data.get("on", data.get(True))


def normalise_triggers(on: Any) -> dict[str, Any]:
    """`on: push`, `on: [push, pull_request]` and the mapping form, all as one mapping."""
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {str(e): {} for e in on}
    if isinstance(on, dict):
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in on.items()}
    return {}


@lru_cache(maxsize=512)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "."
        elif c == "+":
            out += "+"
        elif c == "[":
            end = pattern.find("]", i)
            if end == -1:
                out += re.escape(c)
            else:
                out += pattern[i : end + 1]
                i = end
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


def filter_matches(patterns: list[str], value: str) -> bool:
    """GitHub's include-list semantics: later `!` patterns exclude what earlier ones matched."""
    matched = False
    for raw in patterns:
        pattern = str(raw)
        negate = pattern.startswith("!")
        if negate:
            pattern = pattern[1:]
        if _pattern_regex(pattern).match(value):
            matched = not negate
    return matched


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


@dataclass(frozen=True)
class PushEvent:
    ref: str  # refs/heads/main or refs/tags/v1
    changed_files: tuple[str, ...] = ()

    @property
    def is_tag(self) -> bool:
        return self.ref.startswith("refs/tags/")

    @property
    def name(self) -> str:
        return self.ref.split("/", 2)[2] if self.ref.count("/") >= 2 else self.ref


def fires_on_push(workflow: Workflow, event: PushEvent) -> bool:
    """Would GitHub start this workflow for this push?"""
    if "push" not in workflow.triggers:
        return False
    spec = workflow.triggers["push"] or {}
    branches, branches_ignore = (
        _as_list(spec.get("branches")),
        _as_list(spec.get("branches-ignore")),
    )
    tags, tags_ignore = _as_list(spec.get("tags")), _as_list(spec.get("tags-ignore"))
    has_ref_filter = any(k in spec for k in ("branches", "branches-ignore", "tags", "tags-ignore"))
    if has_ref_filter:
        if event.is_tag:
            if "tags" in spec:
                ok = filter_matches(tags, event.name)
            elif "tags-ignore" in spec:
                ok = not filter_matches(tags_ignore, event.name)
            else:
                ok = False  # only branch filters: tag pushes don't fire
        else:
            if "branches" in spec:
                ok = filter_matches(branches, event.name)
            elif "branches-ignore" in spec:
                ok = not filter_matches(branches_ignore, event.name)
            else:
                ok = False  # only tag filters: branch pushes don't fire
        if not ok:
            return False
    if event.changed_files and ("paths" in spec or "paths-ignore" in spec):
        if "paths" in spec:
            return any(filter_matches(_as_list(spec["paths"]), f) for f in event.changed_files)
        ignored = _as_list(spec["paths-ignore"])
        return any(not filter_matches(ignored, f) for f in event.changed_files)
    return True


def fires_on_workflow_run(workflow: Workflow, finished: str, branch: str, action: str) -> bool:
    """Would GitHub start this workflow when the workflow named `finished` (run for a push
    to `branch`) reaches `action` (requested, in_progress or completed)? Its `workflows:`
    names the others by `name:`; `types` defaults to all; `branches` filters on the branch
    the finished run was for."""
    if "workflow_run" not in workflow.triggers:
        return False
    spec = workflow.triggers["workflow_run"] or {}
    if finished not in _as_list(spec.get("workflows")):
        return False
    types = _as_list(spec.get("types"))
    if types and action not in types:
        return False
    if "branches" in spec:
        return filter_matches(_as_list(spec["branches"]), branch)
    if "branches-ignore" in spec:
        return not filter_matches(_as_list(spec["branches-ignore"]), branch)
    return True


def runs_on_labels(workflows: list[Workflow]) -> set[str]:
    """Every literal runs-on label, so each can be mapped to the host runner."""
    labels: set[str] = {"ubuntu-latest"}
    for wf in workflows:
        for job in wf.jobs.values():
            runs_on = job.get("runs-on")
            if isinstance(runs_on, dict):
                runs_on = runs_on.get("labels")
            for label in _as_list(runs_on):
                if "${{" not in label:
                    labels.add(label)
            matrix = (job.get("strategy") or {}).get("matrix") or {}
            if isinstance(matrix, dict):
                for values in matrix.values():
                    if isinstance(values, list):
                        labels.update(v for v in values if isinstance(v, str) and "-" in v)
    return labels


def require_workflows(project: Path) -> WorkflowSet:
    found = load_workflows(project)
    if not found.workflows and found.errors:
        raise UsageError("; ".join(found.errors))
    return found
