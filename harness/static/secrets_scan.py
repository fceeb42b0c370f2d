"""Finds credentials written into a project's files.

The patterns are the well-known token formats (as gitleaks and detect-secrets use) plus the
shapes a CI/CD beginner writes by hand: a literal `password:` in a workflow, `docker login -p`,
`ENV ..._PASSWORD=...` in a Dockerfile, `API_KEY = "..."` in code. Values are never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {
    ".py",
    ".yml",
    ".yaml",
    ".toml",
    ".cfg",
    ".ini",
    ".json",
    ".sh",
    ".env",
    ".txt",
    ".tf",
    ".tfvars",
    ".md",
    ".conf",
    "",
}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "data", "model"}

TOKEN_PATTERNS: dict[str, re.Pattern[str]] = {
    "AWS access key id": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"(?i)aws_?secret_?access_?key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}\b"
    ),
    "GitHub token": re.compile(r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|github_pat_\w{40,}"),
    "Docker Hub token": re.compile(r"\bdckr_pat_[A-Za-z0-9_-]{20,}"),
    "private key": re.compile(r"-----BEGIN ((RSA|EC|OPENSSH|DSA) )?PRIVATE KEY-----"),
    "Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
}
# `password: hunter2` in a workflow's `with:`, but not `password: ${{ secrets.X }}`
YAML_LITERAL = re.compile(
    r"(?i)^\s*[\w-]*(password|passwd|secret|token|api[_-]?key|access[_-]?key)[\w-]*\s*:\s*"
    r"(?!\s*\$\{\{)(?!\s*$)['\"]?([^'\"\s#]{4,})"
)
CLI_PASSWORD = re.compile(
    r"(?i)docker\s+login\b[^\n]*\s(-p|--password)[ =](?!\s*\$)['\"]?([^\s'\"]{4,})"
)
DOCKERFILE_ENV = re.compile(
    r"(?i)^\s*(ENV|ARG)\s+[\w]*(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|ACCESS_KEY)[\w]*\s*[= ]\s*"
    r"['\"]?([^\s'\"$]{4,})"
)
CODE_ASSIGN = re.compile(
    r"(?i)\b[\w]*(password|passwd|secret|token|api_key|apikey|access_key)[\w]*\s*[:=]\s*"
    r"['\"]([^'\"\s]{6,})['\"]"
)
PLACEHOLDERS = re.compile(
    r"(?i)^(x+|\*+|changeme|example|dummy|placeholder|<.*>|your[_-].*|read|write|none|inherit"
    r"|true|false|required|optional)$"
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}"


def _candidate_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts[:-1]) or not path.is_file():
            continue
        textual = path.name == "Dockerfile" or path.suffix in TEXT_SUFFIXES
        if (textual or path.name.startswith(".env")) and path.stat().st_size <= 512_000:
            files.append(path)
    return files


def scan_text(rel: str, text: str) -> list[Finding]:
    findings: list[Finding] = []
    is_yaml = rel.endswith((".yml", ".yaml"))
    is_dockerfile = Path(rel).name.startswith("Dockerfile")
    is_code = rel.endswith((".py", ".sh", ".toml", ".cfg", ".ini", ".json", ".tf", ".tfvars"))
    for number, line in enumerate(text.splitlines(), 1):
        for kind, pattern in TOKEN_PATTERNS.items():
            if pattern.search(line):
                findings.append(Finding(rel, number, kind))
        checks: list[tuple[bool, re.Pattern[str], str]] = [
            (is_yaml, YAML_LITERAL, "literal credential in YAML"),
            (True, CLI_PASSWORD, "password on a `docker login` command line"),
            (is_dockerfile, DOCKERFILE_ENV, "credential baked into the image with ENV/ARG"),
            (is_code, CODE_ASSIGN, "credential assigned as a string literal"),
        ]
        for applies, pattern, kind in checks:
            if not applies:
                continue
            match = pattern.search(line)
            if match and not PLACEHOLDERS.match(match.groups()[-1]):
                findings.append(Finding(rel, number, kind))
    return findings


def scan_project(root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for path in _candidate_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        findings.extend(scan_text(str(path.relative_to(root)), text))
    return findings
