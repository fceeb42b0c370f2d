"""What a static check sees: the project's files, parsed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from harness.workflows import Workflow, WorkflowSet, load_workflows

from .dockerfile import Dockerfile, parse_dockerfile


@dataclass
class StaticContext:
    root: Path
    options: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def workflows(self) -> WorkflowSet:
        return load_workflows(self.root)

    def text(self, rel: str) -> str | None:
        path = self.root / rel
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None

    @cached_property
    def dockerfile(self) -> Dockerfile | None:
        text = self.text("Dockerfile")
        return parse_dockerfile(text) if text is not None else None

    def all_jobs(self) -> list[tuple[Workflow, str, dict[str, Any]]]:
        return [
            (wf, job_id, job) for wf in self.workflows.workflows for job_id, job in wf.jobs.items()
        ]


def job_needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs")
    if needs is None:
        return []
    return [str(n) for n in (needs if isinstance(needs, list) else [needs])]


def unknown_need(jobs: dict[str, dict[str, Any]]) -> str | None:
    """Why a job's `needs` names no job of the workflow, or None. Job ids are case-sensitive
    in GitHub Actions (`needs: Train` is not the job `train`): GitHub rejects the workflow."""
    for job_id, job in jobs.items():
        for name in job_needs(job):
            if name in jobs:
                continue
            same = [j for j in jobs if j.lower() == name.lower()]
            hint = f": job ids are case-sensitive, did you mean `{same[0]}`?" if same else ""
            return f"job `{job_id}` needs `{name}`, but there is no job of that name{hint}"
    return None


def transitive_needs(jobs: dict[str, dict[str, Any]], job_id: str) -> set[str]:
    seen: set[str] = set()
    todo = list(job_needs(jobs.get(job_id, {})))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(job_needs(jobs.get(current, {})))
    return seen


def step_runs(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job.get("steps") or [] if isinstance(s, dict))


def step_uses(job: dict[str, Any]) -> list[str]:
    return [
        str(s.get("uses")) for s in job.get("steps") or [] if isinstance(s, dict) and s.get("uses")
    ]
