"""`python -m harness progress`: per level, the score, checks passed, and the next check to
work on with the hint of its current level."""

from __future__ import annotations

from harness.projects import PROJECTS

from .catalog import checks_for
from .hints import Hint, hint_for
from .state import Progress


def current_hints(
    level: str, progress: Progress, reads: dict[str, str] | None = None
) -> dict[str, Hint]:
    """Each check's hint at its current attempts; with `reads` (each check's fingerprint of
    the files it reads now), the hint of the run about to start, if it fails the check."""
    out = {}
    for cid, check in checks_for(level).items():
        now = reads.get(cid) if reads is not None else None
        hint = hint_for(level, check, progress.attempts(level, cid, now))
        if hint is not None:
            out[cid] = hint
    return out


def next_check(level: str, progress: Progress) -> str | None:
    """The first check, in the project's order, not passing: failing ones first, then those
    not run yet."""
    state = progress.levels.get(level)
    if state is None:
        return None
    order = list(checks_for(level)) or list(state.checks)
    known = state.checks
    failing = [c for c in order if c in known and known[c].status in ("fail", "error")]
    unknown = [c for c in order if c not in known or known[c].status == "skip"]
    return next(iter(failing or unknown), None)


def render(progress: Progress) -> str:
    lines = []
    levels = list(PROJECTS) + sorted(set(progress.levels) - set(PROJECTS))
    for level in levels:
        state = progress.levels.get(level)
        checks = checks_for(level)
        total = len(checks) or (len(state.checks) if state else 0)
        maximum = sum(c.points for c in checks.values())
        if state is None or not state.runs:
            lines.append(f"{level}: not started (python -m harness grade {level})")
            continue
        if state.reset_at:
            lines.append(
                f"{level}: reset to the starter at {state.reset_at}, not graded since "
                f"(python -m harness grade {level}); {state.runs} run(s) before"
            )
            continue
        passed = len([c for c in state.passed() if not checks or c in checks])
        lines.append(
            f"{level}: {state.score:g}/{maximum or '?'} points, {passed}/{total} checks passed "
            f"({state.runs} run(s), last {state.updated})"
        )
        nxt = next_check(level, progress)
        if nxt is None:
            lines.append("   every check passes: well done")
            continue
        check = checks.get(nxt)
        lines.append(f"   next: {nxt}" + (f": {check.title}" if check else ""))
        status = state.checks.get(nxt)
        if status is None or status.status == "skip":
            lines.append("   not run yet: do a full run (without --static-only)")
        elif check is not None and (hint := hint_for(level, check, status.attempts)) is not None:
            lines.append(f"   hint {hint.level}/{hint.levels}: {hint.text}")
    return "\n".join(lines) + "\n"
