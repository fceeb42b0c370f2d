"""Every hint's code must pass every other check: each snippet a hint tells the learner to
write is applied to the reference solution, and the level's whole static tier must still pass.

How snippets are taken from hints (the manifests' `hints`, whitespace collapsed): every
backticked span that is one whole line of one of three kinds is applied; anything else
(a fragment such as `USER`, `RUN useradd ...`, `push:`, a placeholder such as `name==version`,
Terraform, an expression) is prose and is left alone.

    Dockerfile     an instruction with arguments, no "..." (`HEALTHCHECK CMD [...]`): it
                   replaces the final stage's instruction of that keyword with the same first
                   argument (`RUN useradd` replaces `RUN useradd`), else the last one of that
                   keyword when only one counts (USER, HEALTHCHECK, CMD, ENTRYPOINT), else it
                   goes before CMD; `ARG NAME=...` replaces the ARG of that name before FROM,
                   `FROM ...` the first FROM
    requirements   `name==1.2.3`: replaces that package's line of requirements.txt
    workflow YAML  `key: value` on one line (the value has no ": "): replaces the value of
                   the `key:` line, in any workflow, whose value is closest to it (difflib)

A snippet a hint shows as a counter-example or only names an existing line is listed in
NOT_ADVICE with the reason; that list is checked too, so it cannot go stale.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.checks import CheckList, Status, run_check
from harness.manifest import load_manifest

from .conftest import ROOT, Project

LEVELS = ("beginner", "intermediate", "advanced")
DOCKER_KEYWORDS = {
    "FROM", "ARG", "RUN", "USER", "HEALTHCHECK", "COPY", "ADD", "ENV", "CMD", "EXPOSE",
    "WORKDIR", "ENTRYPOINT", "LABEL",
}  # fmt: skip
ONCE_PER_STAGE = {"USER", "HEALTHCHECK", "CMD", "ENTRYPOINT"}
REQUIREMENT = re.compile(r"([A-Za-z0-9_.\[\]-]+)==\d[\w.]*")
YAML_LINE = re.compile(r"([\w-]+): (\S.*)")
NOT_ADVICE = {
    ("beginner", "workflow.trigger-main", "on: push"): "the counter-example (every branch)",
    ("intermediate", "workflow.trigger-main", "on: push"): "the counter-example (every branch)",
    ("beginner", "dockerfile.non-root", "RUN pip install"): "names the existing install line",
}


@dataclass(frozen=True)
class Snippet:
    level: str
    check_id: str
    kind: str  # dockerfile, requirements, workflow
    text: str

    def __str__(self) -> str:
        return f"{self.level}:{self.check_id}:{self.text[:40]}"


def kind_of(text: str) -> str | None:
    words = text.split()
    if len(words) >= 2 and words[0] in DOCKER_KEYWORDS and "..." not in text:
        return "dockerfile"
    if REQUIREMENT.fullmatch(text):
        return "requirements"
    found = YAML_LINE.fullmatch(text)
    if found and ": " not in found.group(2) and "..." not in text:
        return "workflow"
    return None


def snippets(level: str) -> list[Snippet]:
    found = []
    for info in load_manifest(level):
        for hint in info.hints:
            for text in re.findall(r"`([^`]+)`", " ".join(hint.split())):
                kind = kind_of(text)
                if kind is not None and (level, info.id, text) not in NOT_ADVICE:
                    found.append(Snippet(level, info.id, kind, text))
    return found


ALL = [s for level in LEVELS for s in snippets(level)]


# --- applying a snippet -----------------------------------------------------------------------


def _logical(lines: list[str]) -> list[tuple[int, int, str]]:
    """(first, last physical index, joined text) of each Dockerfile instruction."""
    out: list[tuple[int, int, str]] = []
    start, buf = -1, ""
    for i, raw in enumerate(lines):
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if not buf:
            start = i
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        out.append((start, i, buf + stripped))
        buf = ""
    return out


def apply_dockerfile(text: str, snippet: str) -> str:
    lines = text.splitlines()
    keyword, first = snippet.split()[0], snippet.split()[1]
    instructions = _logical(lines)
    froms = [i for i, ins in enumerate(instructions) if ins[2].split()[0].upper() == "FROM"]
    final = instructions[froms[-1] + 1 :] if froms else instructions

    def same(ins: tuple[int, int, str], arg: str | None) -> bool:
        words = ins[2].split()
        return words[0].upper() == keyword and (arg is None or words[1:2] == [arg])

    target: tuple[int, int, str] | None = None
    if keyword == "FROM":
        target = instructions[froms[0]]
    elif keyword == "ARG":
        name = first.split("=")[0]
        before = instructions[: froms[0]] if froms else []
        target = next(
            (i for i in before if same(i, None) and i[2].split()[1].startswith(name)), None
        )
    else:
        matches = [i for i in final if same(i, first)]
        if not matches and keyword in ONCE_PER_STAGE:
            matches = [i for i in final if same(i, None)]
        target = matches[-1] if matches else None
    if target is None:
        cmd = next((i for i in reversed(final) if same(i, None) or i[2].startswith("CMD")), None)
        at = cmd[0] if cmd is not None and cmd[2].startswith("CMD") else len(lines)
        return "\n".join([*lines[:at], snippet, *lines[at:]]) + "\n"
    return "\n".join([*lines[: target[0]], snippet, *lines[target[1] + 1 :]]) + "\n"


def apply_requirement(text: str, snippet: str) -> str:
    name = REQUIREMENT.fullmatch(snippet)
    assert name is not None
    key = name.group(1).lower().replace("_", "-")
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.split(r"[=<>~!\[ ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-") == key:
            lines[i] = snippet
            return "\n".join(lines) + "\n"
    return "\n".join([*lines, snippet]) + "\n"


def apply_workflow(project: Project, snippet: str) -> None:
    found = YAML_LINE.fullmatch(snippet)
    assert found is not None
    key, value = found.groups()
    line_re = re.compile(rf"^(\s*(?:- )?){re.escape(key)}:\s*(\S.*)$")
    best: tuple[float, Path, int, str] | None = None
    for path in sorted((project.root / ".github" / "workflows").glob("*.y*ml")):
        for i, line in enumerate(path.read_text().splitlines()):
            m = line_re.match(line)
            if m:
                score = difflib.SequenceMatcher(None, m.group(2), value).ratio()
                if best is None or score > best[0]:
                    best = (score, path, i, m.group(1))
    assert best is not None, f"no `{key}:` line in any workflow of the solution"
    _, path, i, indent = best
    lines = path.read_text().splitlines()
    lines[i] = f"{indent}{key}: {value}"
    path.write_text("\n".join(lines) + "\n")


def apply(project: Project, snippet: Snippet) -> None:
    if snippet.kind == "dockerfile":
        project.write("Dockerfile", apply_dockerfile(project.read("Dockerfile"), snippet.text))
    elif snippet.kind == "requirements":
        project.write(
            "requirements.txt", apply_requirement(project.read("requirements.txt"), snippet.text)
        )
    else:
        apply_workflow(project, snippet.text)


# --- the static tier of each level ------------------------------------------------------------


def static_tier(level: str) -> tuple[CheckList[Any], Callable[[Path], Any]]:
    if level == "beginner":
        from harness.projects.beginner.static_checks import STATIC
        from harness.static.context import StaticContext

        return STATIC, StaticContext
    if level == "intermediate":
        from harness.projects.intermediate.static_checks import STATIC as INTERMEDIATE
        from harness.projects.intermediate.static_checks import TfStaticContext

        return INTERMEDIATE, TfStaticContext
    from harness.projects.advanced.static_checks import STATIC as ADVANCED
    from harness.static.context import StaticContext as AdvancedContext

    return ADVANCED, AdvancedContext


def broken_checks(level: str, root: Path) -> dict[str, str]:
    checks, context = static_tier(level)
    ctx = context(root)
    results = {c.id: run_check(c, ctx) for c in checks}
    return {k: r.message for k, r in results.items() if r.status is not Status.PASS}


@pytest.mark.parametrize("snippet", ALL, ids=str)
def test_hint_snippet_keeps_the_static_tier_green(
    snippet: Snippet, copy_project: Callable[[Path], Project]
) -> None:
    project = copy_project(ROOT / "solutions" / snippet.level)
    before = broken_checks(snippet.level, project.root)
    apply(project, snippet)
    after = broken_checks(snippet.level, project.root)
    assert after == before, f"`{snippet.text}` (hint of {snippet.check_id}) breaks: {after}"


def test_snippets_are_found_and_not_advice_is_current() -> None:
    beginner = {(s.check_id, s.text) for s in snippets("beginner")}
    assert any(check_id == "dockerfile.healthcheck" for check_id, _ in beginner)
    assert ("deps.pinned", "scikit-learn==1.9.1") in beginner
    for level, check_id, text in NOT_ADVICE:
        hints = " ".join(" ".join(h.split()) for h in load_manifest(level).get(check_id).hints)
        assert f"`{text}`" in hints, (level, check_id, text)


def test_dockerfile_snippet_replaces_a_continued_instruction() -> None:
    text = 'ARG B=x\nFROM ${B}\nRUN a\nHEALTHCHECK --interval=1s \\\n    CMD ["true"]\nCMD ["x"]\n'
    out = apply_dockerfile(text, 'HEALTHCHECK CMD ["false"]')
    assert out == 'ARG B=x\nFROM ${B}\nRUN a\nHEALTHCHECK CMD ["false"]\nCMD ["x"]\n'
    assert apply_dockerfile(out, "USER 10001").endswith('USER 10001\nCMD ["x"]\n')
