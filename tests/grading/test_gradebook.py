"""The gradebook over a small class, static tier only: rows, files, parallel runs, errors in
one row never stopping the others, and merging shards back into the same gradebook."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.grading.gradebook import merge, write_gradebook
from harness.projects import beginner
from harness.projects.beginner.static_checks import STATIC

from .helpers import git_repo, gradebook, kata, report, rows, solution, starter

FILES = ("gradebook.csv", "gradebook.json", "gradebook.md")


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("class")
    solution(root / "alice")
    starter(root / "bob")
    git_repo(solution(root / "src-carol"), root / "carol.git", bare=True)
    shutil.rmtree(root / "src-carol")
    odd = starter(root / "dave")
    (odd / "kata.toml").write_text('level = "no-such-level"\n')
    return root


@pytest.fixture(scope="module")
def graded(klass: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    missing = str(klass.parent / "no-such-submission")
    done = kata("gradebook", str(klass), missing, "--out", str(out), "--jobs", "2", "--static-only")
    assert done.returncode == 1, done.stderr  # two rows have an error; the others are graded
    return out


def test_rows_points_and_errors(graded: Path) -> None:
    got = rows(graded)
    assert sorted(got) == ["alice", "bob", "carol", "dave", "no-such-submission"]
    alice, bob, carol = got["alice"], got["bob"], got["carol"]
    assert alice["total"] == carol["total"] == 20 and alice["max"] == 46
    assert all(
        c["status"] == "pass"
        for cid, c in alice["checks"].items()
        if "." in cid and cid in STATIC.ids()
    )
    assert bob["total"] < alice["total"] and bob["checks"]["deps.pinned"]["points"] == 0
    assert "unknown project 'no-such-level'" in got["dave"]["error"]
    assert "no such folder" in got["no-such-submission"]["error"]
    assert got["dave"]["checks"] == {}


def test_csv_has_one_column_per_check(graded: Path) -> None:
    with (graded / "gradebook.csv").open() as f:
        table = list(csv.DictReader(f))
    header = list(table[0])
    assert header[:2] == ["submission", "level"]
    assert header[2:-6] == beginner.PROJECT.all_check_ids()
    assert header[-6:] == ["total", "max", "passed", "duration_s", "error", "notes"]
    by_name = {r["submission"]: r for r in table}
    assert by_name["alice"]["deps.pinned"] == "2" and by_name["alice"]["pipeline.act-run"] == "0"
    assert by_name["dave"]["deps.pinned"] == "" and by_name["dave"]["error"]


def test_markdown_and_per_submission_reports(graded: Path) -> None:
    md = (graded / "gradebook.md").read_text()
    assert "| alice | beginner | 20/46 |" in md and "### Pass rate per check" in md
    assert "| `deps.pinned` | 2/3 | 67 % |" in md
    for name in ("alice", "bob", "carol"):
        folder = graded / "submissions" / name
        for f in ("report.json", "report.xml", "report.md", "results.json", "entry.json"):
            assert (folder / f).is_file(), (name, f)
    data = gradebook(graded)
    assert data["summary"] == {
        "submissions": 5,
        "graded": 3,
        "errors": 2,
        "passed": 0,
        "mean_score_pct": 33.3,
    }


def test_parallel_runs_do_not_share_anything(graded: Path) -> None:
    ids = {report(graded, n)["run_id"] for n in ("alice", "bob", "carol")}
    assert len(ids) == 3


def test_reference_copies_are_noted_not_penalised(graded: Path) -> None:
    got = rows(graded)
    assert any("ALL 5/5 files" in n for n in got["alice"]["notes"])
    assert any("byte-identical" in n for n in got["carol"]["notes"])
    assert got["bob"]["notes"] == []
    assert got["alice"]["total"] == 20  # the note changes no score


def _split(graded: Path, dest: Path, groups: list[list[str]]) -> list[Path]:
    shards = []
    for i, names in enumerate(groups):
        shard = dest / f"shard-{i}"
        for name in names:
            shutil.copytree(graded / "submissions" / name, shard / "submissions" / name)
        write_gradebook(shard)
        shards.append(shard)
    return shards


@pytest.mark.parametrize(
    "groups",
    [
        [["alice", "dave"], ["bob", "carol", "no-such-submission"]],
        [["no-such-submission"], ["carol"], ["bob", "alice", "dave"]],
    ],
)
def test_merging_shards_gives_the_same_gradebook(
    graded: Path, tmp_path: Path, groups: list[list[str]]
) -> None:
    shards = _split(graded, tmp_path, groups)
    for order in (shards, shards[::-1]):
        out = tmp_path / f"merged-{order is shards}"
        merge(order, out)
        for f in FILES:
            assert (out / f).read_bytes() == (graded / f).read_bytes(), f


def test_merge_accepts_downloaded_artifact_layout(graded: Path, tmp_path: Path) -> None:
    shards = _split(graded, tmp_path / "shards", [["alice", "bob"], ["carol", "dave"]])
    assert shards[0].parent == tmp_path / "shards"
    done = kata("gradebook-merge", str(tmp_path / "shards"), "--out", str(tmp_path / "m"))
    assert done.returncode == 0, done.stderr
    assert sorted(rows(tmp_path / "m")) == ["alice", "bob", "carol", "dave"]


def test_merge_refuses_two_different_submissions_of_one_name(graded: Path, tmp_path: Path) -> None:
    a, b = _split(graded, tmp_path, [["alice"], ["bob"]])
    shutil.move(b / "submissions" / "bob", b / "submissions" / "alice")
    entry = b / "submissions" / "alice" / "entry.json"
    entry.write_text(json.dumps({**json.loads(entry.read_text()), "name": "alice"}))
    with pytest.raises(UsageError, match="two different submissions named alice"):
        merge([a, b], tmp_path / "out")


def test_separate_shard_runs_merge_to_the_single_run(
    graded: Path, klass: Path, tmp_path: Path
) -> None:
    outs = []
    for i, names in enumerate([["alice", "dave"], ["bob", "carol.git"]]):
        out = tmp_path / f"run-{i}"
        done = kata(
            "gradebook", *(str(klass / n) for n in names), "--out", str(out), "--static-only"
        )
        assert done.returncode == 1 if i == 0 else done.returncode == 0, done.stderr
        outs.append(out)
    merged = merge(outs, tmp_path / "merged")
    single = {r["submission"]: r for r in gradebook(graded)["submissions"]}
    for row in merged:
        want = single[row.name]
        assert (row.total, row.max, row.passed, row.level) == (
            want["total"],
            want["max"],
            want["passed"],
            want["level"],
        )
        assert row.points == {k: v["points"] for k, v in want["checks"].items()}
