"""What counts as a submission, how it is named and checked out, which level it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.grading.classrun import plan_shards, read_list
from harness.grading.submissions import Submission, checkout, detect_level, expand, name_all

from .helpers import git_repo, starter


def test_class_folder_expands_to_its_submissions(tmp_path: Path) -> None:
    klass = tmp_path / "class"
    starter(klass / "bob")
    starter(klass / "alice")
    (klass / ".hidden").mkdir()
    single = starter(tmp_path / "carol")
    assert expand([str(klass), str(single)]) == [
        str(klass / "alice"),
        str(klass / "bob"),
        str(single),
    ]


def test_names_are_folder_safe_and_unique() -> None:
    subs = name_all(["a/alice", "b/alice", "c/bob.git", "d/we ird!"])
    assert [s.name for s in subs] == ["alice", "alice-2", "bob", "we-ird"]


def test_git_repositories_are_cloned_at_head(tmp_path: Path) -> None:
    project = starter(tmp_path / "p")
    repo = git_repo(project, tmp_path / "repo")
    (repo / "Dockerfile").write_text("FROM scratch  # uncommitted: not part of the submission\n")
    bare = git_repo(project, tmp_path / "bare.git", bare=True)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for sub in name_all([str(repo), str(bare)]):
        got = checkout(sub, scratch)
        assert got.parent == scratch
        assert (got / "Dockerfile").read_text() == (project / "Dockerfile").read_text()
    plain = checkout(Submission("p", str(project)), scratch)
    assert plain == project.resolve()


@pytest.mark.parametrize("source", ["https://example.com/a.git", "git@host:a/b.git", "nowhere"])
def test_urls_and_missing_paths_are_refused(source: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        checkout(Submission("x", source if source != "nowhere" else str(tmp_path / "no")), tmp_path)


def test_level_detection(tmp_path: Path) -> None:
    def project(name: str, files: dict[str, str]) -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return root

    assert detect_level(project("a", {"Dockerfile": ""})) == "beginner"
    assert detect_level(project("b", {"terraform/main.tf": ""})) == "intermediate"
    assert detect_level(project("c", {"kata.toml": 'level = "advanced"\n'})) == "advanced"
    assert detect_level(project("d", {"kata.toml": '[kata]\nlevel = "intermediate"\n'})) == (
        "intermediate"
    )
    assert detect_level(project("e", {".kata-level": "intermediate\n"})) == "intermediate"
    assert detect_level(project("f", {".kata-level": "intermediate"}), "beginner") == "beginner"
    with pytest.raises(UsageError):
        detect_level(project("g", {".kata-level": "../../etc"}))


def test_shards_round_robin_and_lists(tmp_path: Path) -> None:
    names = [str(tmp_path / n) for n in ("e", "a", "d", "b", "c")]
    for n in names:
        Path(n).mkdir()
        (Path(n) / "Dockerfile").write_text("")
    shards = plan_shards(names, 2)
    assert [s["index"] for s in shards] == [1, 2]
    assert [Path(p).name for p in shards[0]["submissions"]] == ["a", "c", "e"]
    assert [Path(p).name for p in shards[1]["submissions"]] == ["b", "d"]
    assert len(plan_shards(names[:1], 4)) == 1
    listing = tmp_path / "list.txt"
    listing.write_text("# class\nx\n\ny\n")
    assert read_list(listing) == ["x", "y"]
    listing.write_text('["p q", "r"]')
    assert read_list(listing) == ["p q", "r"]
