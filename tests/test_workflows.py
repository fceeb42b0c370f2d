"""Which workflows fire for a push: GitHub's filter rules, which act itself ignores."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.workflows import PushEvent, Workflow, filter_matches, fires_on_push, load_workflows


def wf(on: object) -> Workflow:
    data = {"on": on, "jobs": {"a": {"runs-on": "ubuntu-latest", "steps": []}}}
    return Workflow(Path("w.yml"), data, yaml.safe_dump(data))


MAIN = PushEvent("refs/heads/main")
FEATURE = PushEvent("refs/heads/feature/x")
TAG = PushEvent("refs/tags/v1.2.0")


@pytest.mark.parametrize(
    ("on", "main", "feature", "tag"),
    [
        ("push", True, True, True),
        (["push", "pull_request"], True, True, True),
        ({"push": {"branches": ["main"]}}, True, False, False),
        ({"push": {"branches": ["main", "release/**"]}}, True, False, False),
        ({"push": {"branches": ["**", "!feature/**"]}}, True, False, False),
        ({"push": {"branches-ignore": ["feature/*"]}}, True, False, False),
        ({"push": {"tags": ["v*"]}}, False, False, True),
        ({"push": {"branches": ["main"], "tags": ["v*"]}}, True, False, True),
        ({"pull_request": {"branches": ["main"]}}, False, False, False),
        ({"workflow_dispatch": None}, False, False, False),
    ],
)
def test_push_filters(on: object, main: bool, feature: bool, tag: bool) -> None:
    workflow = wf(on)
    assert fires_on_push(workflow, MAIN) is main
    assert fires_on_push(workflow, FEATURE) is feature
    assert fires_on_push(workflow, TAG) is tag


def test_yaml_on_key_parsed_as_true_is_understood(tmp_path: Path) -> None:
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/ci.yml").write_text(
        "on:\n  push:\n    branches: [main]\n"
        "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: []\n"
    )
    found = load_workflows(tmp_path)
    assert not found.errors
    assert fires_on_push(found.workflows[0], MAIN)
    assert not fires_on_push(found.workflows[0], FEATURE)


def test_paths_filter() -> None:
    workflow = wf({"push": {"branches": ["main"], "paths": ["src/**", "requirements.txt"]}})
    assert fires_on_push(workflow, PushEvent("refs/heads/main", ("src/app.py",)))
    assert not fires_on_push(workflow, PushEvent("refs/heads/main", ("README.md",)))
    ignore = wf({"push": {"paths-ignore": ["docs/**"]}})
    assert not fires_on_push(ignore, PushEvent("refs/heads/main", ("docs/a.md",)))
    assert fires_on_push(ignore, PushEvent("refs/heads/main", ("docs/a.md", "src/x.py")))


def test_pattern_semantics() -> None:
    assert filter_matches(["feature/*"], "feature/x")
    assert not filter_matches(["feature/*"], "feature/x/y")
    assert filter_matches(["feature/**"], "feature/x/y")
    assert not filter_matches(["*", "!main"], "main")
    assert filter_matches(["v[12].*"], "v1.0")


def test_malformed_yaml_is_a_readable_error(tmp_path: Path) -> None:
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/bad.yml").write_text("on: push\njobs:\n  a:\n   - [unclosed\n")
    found = load_workflows(tmp_path)
    assert not found.workflows
    assert "bad.yml is not valid YAML at line" in found.errors[0]
