"""checkov, run from a virtual environment of its own.

checkov pulls in `bc-python-hcl2`, which shadows `python-hcl2`; keeping it out of the
harness's environment avoids that clash. The venv is made once, on first use, under the
user's cache folder and reused (a pinned, pure download: safe to cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CHECKOV_VERSION = "3.3.30"
# Findings that fail the grade: exposure a reviewer would block. Everything else is reported.
BLOCKING = {
    "CKV_AWS_24": "SSH (22) open to 0.0.0.0/0",
    "CKV_AWS_25": "RDP (3389) open to 0.0.0.0/0",
    "CKV_AWS_41": "AWS credentials hardcoded in the provider block",
    "CKV_AWS_46": "secrets in EC2 user data",
    "CKV_AWS_277": "a security group allows all ports from 0.0.0.0/0",
}


@dataclass(frozen=True)
class Finding:
    check_id: str
    resource: str
    name: str
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.check_id} {self.resource} ({self.file}:{self.line}): {self.name}"


def tool_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cicd-kata" / "tools" / f"checkov-{CHECKOV_VERSION}"


def find_checkov(install: bool = True) -> str | None:
    """The checkov executable: on PATH, in the kata's tool venv, or installed there now."""
    venv = tool_dir()
    binary = venv / "bin" / "checkov"
    if binary.exists():
        return str(binary)
    if shutil.which("checkov"):
        return shutil.which("checkov")
    if not install:
        return None
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"checkov=={CHECKOV_VERSION}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if pip.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        raise RuntimeError(f"installing checkov failed: {pip.stderr.strip()[-300:]}")
    return str(binary)


def scan(directory: Path, binary: str, timeout: float = 180) -> list[Finding]:
    proc = subprocess.run(
        [
            binary,
            "-d",
            str(directory),
            "--framework",
            "terraform",
            "--skip-download",
            "-o",
            "json",
            "--compact",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        raw = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"checkov gave no JSON: {proc.stderr.strip()[-300:]}") from exc
    reports = raw if isinstance(raw, list) else [raw]
    findings = []
    for report in reports:
        for item in (report.get("results") or {}).get("failed_checks", []):
            lines = item.get("file_line_range") or [0]
            findings.append(
                Finding(
                    str(item.get("check_id")),
                    str(item.get("resource")),
                    str(item.get("check_name")),
                    str(item.get("file_path", "")).lstrip("/"),
                    int(lines[0]),
                )
            )
    return findings
