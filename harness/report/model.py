"""The report of one graded run: what was checked, what it scored, what stood in for what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.checks import CheckResult, Status


@dataclass
class Report:
    project: str
    path: str
    run_id: str
    stack: dict[str, str] = field(default_factory=dict)
    stand_ins: list[str] = field(default_factory=list)
    results: list[CheckResult] = field(default_factory=list)
    stage_timings: dict[str, float] = field(default_factory=dict)
    teardown: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    harness_error: str = ""
    decisions: list[str] = field(default_factory=list)  # gates, approvals, canary verdicts
    # the workflows' jobs as act ran them (report.jobs.job_records): the run page's graph
    jobs: list[dict[str, Any]] = field(default_factory=list)
    # what a project measured, by topic ("canary", "gates", "resources"), for the run page
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(r.points for r in self.results), 2)

    @property
    def max_score(self) -> int:
        return sum(r.max_points for r in self.results)

    @property
    def passed(self) -> bool:
        return (
            bool(self.results)
            and not self.harness_error
            and all(r.status is Status.PASS for r in self.results)
        )

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for r in self.results:
            out[r.status.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "path": self.path,
            "run_id": self.run_id,
            "stack": self.stack,
            "stand_ins": self.stand_ins,
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "counts": self.counts(),
            "duration_s": round(self.duration_s, 2),
            "stage_timings": {k: round(v, 2) for k, v in self.stage_timings.items()},
            "teardown": self.teardown,
            "harness_error": self.harness_error,
            "decisions": self.decisions,
            "checks": [r.to_dict() for r in self.results],
            "jobs": self.jobs,
            "facts": self.facts,
        }
