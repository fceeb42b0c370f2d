"""One manifest per project (harness/projects/<level>/checks.toml): every entry has a check
function and every check function an entry, its order is the project's order, and the
exercise README's task list names the same checks per task."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest

from harness.checks import CheckList, Outcome, manifest_checks, passed
from harness.grading import KATA_ROOT
from harness.learn.catalog import checks_for
from harness.learn.hints import solution_pointer
from harness.manifest import (
    WHOLE_PROJECT,
    ManifestError,
    load_manifest,
    manifest_path,
    parse_manifest,
)
from harness.projects import PROJECTS
from harness.sandbox import carried_files

LEVELS = ("beginner", "intermediate", "advanced")
TASK_HEADING = re.compile(r"^###\s+(\d+)\.\s")
TICKED = re.compile(r"`([a-z][\w-]*\.[\w.-]+)`")

ENTRY = """
[[check]]
id = "{id}"
title = "T {id}"
stage = "static"
points = 1
hints = ["h1", "h2"]
"""


def _manifest(*ids: str, extra: str = "") -> str:
    return "".join(ENTRY.format(id=i) for i in ids) + extra


def _ok(ctx: object) -> Outcome:
    return passed("ok")


@pytest.mark.parametrize("level", LEVELS)
def test_every_entry_has_a_function_and_every_function_an_entry(level: str) -> None:
    manifest = load_manifest(level)
    assert manifest.missing() == []
    checks = manifest_checks(manifest)
    assert list(checks) == manifest.ids()
    for cid, check in checks.items():
        info = manifest.get(cid)
        assert (check.title, check.stage, check.points) == (info.title, info.stage, info.points)
        assert (check.hint, *check.hints) == info.hints and check.solution_ref == info.solution_ref
    # every check the project grades (in any of its CheckLists) comes from the manifest
    graded = set(PROJECTS[level].all_check_ids())
    assert graded == set(manifest.ids())


@pytest.mark.parametrize("level", LEVELS)
def test_manifest_order_is_the_projects_order(level: str) -> None:
    assert load_manifest(level).ids() == list(PROJECTS[level].all_check_ids())
    assert list(checks_for(level)) == load_manifest(level).ids()


@pytest.mark.parametrize("level", LEVELS)
def test_registering_an_id_the_manifest_lacks_fails(level: str) -> None:
    checks = CheckList[object](load_manifest(level))
    with pytest.raises(ManifestError, match=r"'no\.such-check' is not in .*checks\.toml"):
        checks.check("no.such-check")
    with pytest.raises(ManifestError, match="registered twice"):
        checks.check(load_manifest(level).ids()[0])(_ok)
    with pytest.raises(ManifestError, match="use check"):
        checks.add("x.y", "X", stage="static", points=1, hint="h")


@pytest.mark.parametrize("level", LEVELS)
def test_an_entry_with_no_function_fails(level: str, tmp_path: Path) -> None:
    text = manifest_path(level).read_text(encoding="utf-8")
    manifest = parse_manifest(text + ENTRY.format(id="extra.orphan"), level, tmp_path / "x")
    for info in load_manifest(level):
        manifest.registered[info.id] = object()  # as if the project registered them all
    assert manifest.missing() == ["extra.orphan"]
    with pytest.raises(ManifestError, match=r"no function registers: extra\.orphan"):
        manifest_checks(manifest)


def test_registration_takes_the_metadata_from_the_manifest(tmp_path: Path) -> None:
    extra = "task = 3\nsolution_ref = { file = \"Dockerfile\", regex = '^USER ' }\n"
    manifest = parse_manifest(_manifest("a.one", "b.two", extra=extra), "t", tmp_path)
    checks = CheckList[object](manifest)
    checks.check("b.two")(_ok)
    checks.check("a.one")(_ok)
    b = checks.get("b.two")
    assert (b.title, b.stage, b.points, b.hint, b.hints) == ("T b.two", "static", 1, "h1", ("h2",))
    assert b.solution_ref == ("Dockerfile", "^USER ") and manifest.task_ids() == {"b.two": 3}
    assert list(manifest_checks(manifest)) == ["a.one", "b.two"]  # manifest order
    with pytest.raises(ManifestError, match="registered twice"):
        CheckList[object](manifest).check(b.id)(b.run)  # one id, one function per project


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (ENTRY.format(id="a.b") * 2, "listed twice"),
        (ENTRY.format(id="a.b").replace('stage = "static"\n', ""), "missing key 'stage'"),
        (ENTRY.format(id="a.b") + "colour = 1\n", "unknown key"),
        (ENTRY.format(id="a.b").replace("points = 1", 'points = "1"'), "'points' must be"),
        (ENTRY.format(id="a.b") + "solution_ref = { file = 'x', regex = '(' }\n", "regex"),
        (ENTRY.format(id="a.b") + "solution_ref = { file = 'x' }\n", "solution_ref must"),
        ("title = 1\n", "only \\[\\[check\\]\\]"),
        ("[[check]\n", "checks.toml"),
    ],
)
def test_a_malformed_manifest_is_refused(text: str, error: str) -> None:
    with pytest.raises(ManifestError, match=error):
        parse_manifest(text, "t", Path("checks.toml"))


@pytest.mark.parametrize("level", LEVELS)
def test_solution_refs_point_into_the_reference_solution(level: str) -> None:
    for info in load_manifest(level):
        if info.solution_ref is not None:
            assert solution_pointer(level, info.solution_ref), (info.id, info.solution_ref)


def readme_tasks(level: str, known_prefixes: set[str]) -> dict[int, set[str]]:
    """task number -> the check ids named in its `*Checks: ...*` paragraph."""
    lines = (KATA_ROOT / "exercises" / level / "README.md").read_text().splitlines()
    tasks: dict[int, set[str]] = {}
    task: int | None = None
    in_checks = False
    for line in lines:
        if line.startswith("#"):
            heading = TASK_HEADING.match(line)
            task = int(heading.group(1)) if heading else None
            in_checks = False
            continue
        if task is None:
            continue
        if line.startswith("*Checks:"):
            in_checks = True
        elif not line.strip():
            in_checks = False
        if in_checks:
            named = {c for c in TICKED.findall(line) if c.split(".")[0] in known_prefixes}
            tasks.setdefault(task, set()).update(named)
    return tasks


@pytest.mark.parametrize("level", LEVELS)
def test_the_readme_task_list_names_the_manifests_checks(level: str) -> None:
    manifest = load_manifest(level)
    prefixes = {cid.split(".")[0] for cid in manifest.ids()}
    readme = readme_tasks(level, prefixes)
    by_task: dict[int, set[str]] = {}
    for cid, task in manifest.task_ids().items():
        by_task.setdefault(task, set()).add(cid)
    unknown = set().union(*readme.values()) - set(manifest.ids())
    assert not unknown, f"exercises/{level}/README.md names checks not in the manifest"
    assert readme == by_task


def test_beginner_texts_quote_the_thresholds_its_checks_use() -> None:
    """These titles and hint were f-strings over the checks' constants before the manifest."""
    from harness.projects.beginner import runtime_checks as rc
    from harness.projects.beginner import static_checks as sc

    manifest = load_manifest("beginner")
    assert f"{rc.MIN_ACCURACY:.0%} accuracy" in manifest.get("model.accuracy").title
    assert f"under the {rc.SIZE_BUDGET_MB} MB" in manifest.get("image.size").title
    assert f"(p95 under {rc.LATENCY_BUDGET_MS} ms)" in manifest.get("container.latency").title
    assert ", ".join(sc.PROVIDED_SECRETS) + "." in manifest.get("workflow.known-secrets").hint


@pytest.mark.parametrize("level", LEVELS)
def test_every_reads_glob_names_files_of_the_solution(level: str) -> None:
    """What a check reads decides its attempts: a glob that matches nothing would freeze
    the check's hints at their first level."""
    files = carried_files(KATA_ROOT / "solutions" / level)
    for info in load_manifest(level):
        if info.reads == WHOLE_PROJECT:
            continue
        for glob in info.reads:
            if glob.endswith(".yaml"):  # the .yml form's twin; the solutions use .yml
                continue
            assert any(fnmatch(f, glob) for f in files), f"{info.id}: {glob} matches nothing"


def test_reads_defaults_to_the_whole_project_and_is_checked() -> None:
    path = Path("checks.toml")
    plain = parse_manifest(_manifest("a.x"), "beginner", path).get("a.x")
    assert plain.reads == WHOLE_PROJECT == ("*",)
    text = _manifest("a.x") + 'reads = ["Dockerfile"]\n'
    assert parse_manifest(text, "beginner", path).get("a.x").reads == ("Dockerfile",)
    for bad in ("reads = []\n", 'reads = "Dockerfile"\n', "reads = [1]\n"):
        with pytest.raises(ManifestError, match="reads"):
            parse_manifest(_manifest("a.x") + bad, "beginner", path)
