"""Environment protection, enforced: act ignores GitHub Environments' required reviewers,
so the harness holds every job bound to a protected environment that has no approval."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from harness.errors import KataError
from harness.runner import Options

from .static_checks import PROTECTED, environment_of


def parse_approvals(options: Options) -> dict[str, str]:
    """environment -> who approved, from --approve and --approvals FILE (YAML or JSON)."""
    approvals = {env: options.approved_by for env in options.approve}
    if options.approvals_file is not None:
        try:
            data = yaml.safe_load(options.approvals_file.read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise KataError(
                f"cannot read the approvals file {options.approvals_file}: {exc}"
            ) from exc
        for env, value in dict(data).items():
            who = value.get("approved_by") if isinstance(value, dict) else value
            approvals[str(env)] = str(who or "approvals file")
    return approvals


def apply_gates(repo: Path, approvals: dict[str, str]) -> dict[str, str]:
    """Hold every job bound to a protected environment that has no approval (act would run
    it regardless): the job gets `if: ${{ false }}` in the run's working copy, so it and its
    dependents are skipped, the way GitHub keeps them waiting. Returns job -> environment.
    The edit is textual, so the rest of the file (comments, `on:`) stays exactly as written."""
    gated: dict[str, str] = {}
    aliases = {alias: name for name, names in PROTECTED.items() for alias in names}
    for path in sorted((repo / ".github" / "workflows").glob("*.y*ml")):
        text = path.read_text()
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue  # the static tier reports it; act will refuse it too
        if not isinstance(data, dict):
            continue
        lines = text.splitlines(keepends=True)
        for job_id, job in (data.get("jobs") or {}).items():
            env = aliases.get(environment_of(job) if isinstance(job, dict) else "")
            if env is None:
                continue
            gated[str(job_id)] = env
            if env not in approvals:
                lines = _hold_job(lines, str(job_id))
        path.write_text("".join(lines))
    return gated


def _hold_job(lines: list[str], job_id: str) -> list[str]:
    header = re.compile(rf"^(\s+){re.escape(job_id)}:\s*(#.*)?$")
    for i, line in enumerate(lines):
        match = header.match(line.rstrip("\n"))
        if not match:
            continue
        indent = match.group(1) + "  "
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith(indent)):
            if re.match(rf"^{indent}if:", lines[j]):
                return [*lines[:j], f"{indent}if: ${{{{ false }}}}\n", *lines[j + 1 :]]
            j += 1
        return [*lines[: i + 1], f"{indent}if: ${{{{ false }}}}\n", *lines[i + 1 :]]
    return lines


def describe_gate(job: str, env: str, approvals: dict[str, str]) -> str:
    who = approvals.get(env)
    return f"job `{job}` ({env}) " + (f"approved by {who}" if who else "waits for approval")
