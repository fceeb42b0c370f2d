"""Output limits: what a run may make the harness keep (log size, message length)."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.act_runner import LOG_LIMIT_BYTES
from harness.report.model import Report

MESSAGE_LIMIT = 4000
"""Characters kept of one check's message in every report."""


def cap_text(text: str, limit: int, what: str = "message") -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[kata] {what} truncated: {len(text) - limit} more characters"


def cap_messages(report: Report, limit: int = MESSAGE_LIMIT) -> None:
    """Truncate every check message (a step can print megabytes into a failure tail)."""
    for result in report.results:
        result.message = cap_text(result.message, limit)
    report.harness_error = cap_text(report.harness_error, limit)


def append_log(source: Path, dest: Path, limit: int = LOG_LIMIT_BYTES) -> bool:
    """Append `source` to `dest` without letting `dest` grow past `limit` bytes; True when
    something had to be dropped."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    used = dest.stat().st_size if dest.exists() else 0
    room = max(0, limit - used)
    size = source.stat().st_size if source.exists() else 0
    with dest.open("ab") as out:
        if size <= room:
            with source.open("rb") as src:
                shutil.copyfileobj(src, out)
            return False
        with source.open("rb") as src:
            out.write(src.read(room))
        out.write(f"\n[kata] act log truncated at {limit} bytes\n".encode())
    return True
