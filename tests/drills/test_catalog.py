"""The catalogue's shape: enough drills on each level, real targets in the fast tiers,
scenarios that describe symptoms (never the answer), and exactly invertible faults."""

from __future__ import annotations

import random
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from harness.drills.catalog import BY_NAME, DRILLS, drills_for, get_drill, pick
from harness.drills.model import AddFile, Drill, DrillError, Replace
from harness.drills.workspace import reference_diff
from harness.errors import UsageError
from harness.learn.catalog import checks_for
from harness.projects import PROJECTS

from .conftest import solution_copy, three_states, tree

FAST_STAGES = {"static", "terraform"}


def test_catalogue_size_and_levels() -> None:
    assert len(DRILLS) >= 10
    assert len(drills_for("beginner")) >= 5 and len(drills_for("intermediate")) >= 5
    assert len(BY_NAME) == len(DRILLS)


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_drill_is_well_formed(drill: Drill) -> None:
    assert drill.level in PROJECTS
    checks = checks_for(drill.level)
    assert drill.targets
    for target in drill.targets:
        assert target in checks, f"{target} is not a check of {drill.level}"
        assert checks[target].stage in FAST_STAGES, f"{target} is not judged by a fast tier"
    assert drill.difficulty in ("easy", "medium", "hard")
    assert drill.title and len(drill.scenario) > 80
    for target in drill.targets:  # symptoms, not the grader's vocabulary
        assert target not in drill.scenario and target not in drill.title


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_scenario_never_contains_the_answer(drill: Drill) -> None:
    for edit in drill.edits:
        if isinstance(edit, Replace):
            restored = [line.strip() for line in edit.old.splitlines() if line.strip()]
            removed = {line.strip() for line in edit.new.splitlines()}
            answer = [line for line in restored if line not in removed and len(line) > 12]
            for line in answer:
                assert line not in drill.scenario, line


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_fix_of_inject_restores_the_solution_byte_for_byte(drill: Drill, tmp_path: Path) -> None:
    solution, broken, fixed = three_states(drill, tmp_path)
    assert tree(fixed) == tree(solution)
    before, after = tree(solution), tree(broken)
    changed = {r for r in before.keys() | after.keys() if before.get(r) != after.get(r)}
    assert changed == set(drill.files)


@pytest.mark.parametrize("drill", [get_drill("missing-needs"), get_drill("state-committed")])
def test_reference_diff_shows_the_fix(drill: Drill) -> None:
    text = reference_diff(drill)
    for rel in drill.files:
        assert f"a/{rel}" in text or f"b/{rel}" in text
    assert any(line.startswith(("+", "-")) for line in text.splitlines()[2:])


def test_an_edit_that_no_longer_fits_is_refused(tmp_path: Path) -> None:
    root = solution_copy("beginner", tmp_path / "p")
    drill = get_drill("unpinned-dependency")
    drill.inject(root)
    with pytest.raises(DrillError, match=r"requirements\.txt"):
        drill.inject(root)
    with pytest.raises(DrillError, match="already exists"):
        AddFile("requirements.txt", "x\n").apply(root)
    with pytest.raises(ValueError):
        Replace("a", "same", "same")


def test_unknown_drill_and_seeded_pick() -> None:
    with pytest.raises(UsageError, match="--list"):
        get_drill("no-such-drill")
    first = [pick(random.Random(42)).name for _ in range(3)]
    assert len(set(first)) == 1
    assert pick(random.Random(1), "intermediate").level == "intermediate"
    names = {pick(random.Random(seed)).name for seed in range(200)}
    assert names == set(BY_NAME)
    with pytest.raises(UsageError):
        pick(random.Random(0), "no-such-level")


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_incident_never_calls_the_faulty_files_unchanged(drill: Drill, tmp_path: Path) -> None:
    """What the incident says did not change (`unchanged`) is real and is not where the
    fault is."""
    solution = tree(solution_copy(drill.level, tmp_path / "solution"))
    for pattern in drill.unchanged:
        assert any(fnmatch(rel, pattern) for rel in solution), f"{pattern} names no file"
        touched = [rel for rel in drill.files if fnmatch(rel, pattern)]
        assert not touched, f"the incident says {pattern} did not change; the fault edits {touched}"


def test_canary_incident_happens_where_the_pipeline_takes_its_weight(tmp_path: Path) -> None:
    """The pipeline applies staging with the workflow's own weight (`-var canary_weight=
    $CANARY_WEIGHT`), so "every staging client hit the canary" needs that weight broken."""
    drill = get_drill("canary-all-traffic")
    _, broken, _ = three_states(drill, tmp_path)
    workflow = yaml.safe_load((broken / ".github/workflows/promote.yml").read_text())
    job = workflow["jobs"]["deploy-staging-canary"]
    applies = [s["run"] for s in job["steps"] if "canary_weight=$CANARY_WEIGHT" in s.get("run", "")]
    assert applies, "the staging job no longer applies the workflow's weight"
    assert int(job["env"]["CANARY_WEIGHT"]) > 50
    assert "Nothing in the workflow changed" not in drill.scenario
