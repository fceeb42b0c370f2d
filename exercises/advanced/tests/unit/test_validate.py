"""The metric gate: exit 0 lets the model through, exit 1 stops the pipeline."""

import json

import pytest

from src import validate


def write_metrics(tmp_path, accuracy):
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"accuracy": accuracy}))
    return str(path)


@pytest.mark.parametrize(
    ("accuracy", "baseline", "tolerance", "code"),
    [
        (0.95, 0.90, "0.02", 0),  # better
        (0.90, 0.90, "0.02", 0),  # as good
        (0.89, 0.90, "0.02", 0),  # within the tolerance
        (0.90, 0.92, "0.02", 0),  # exactly at the floor (0.92 - 0.02 is not 0.90 in floats)
        (0.87, 0.90, "0.02", 1),  # worse
        (0.30, 0.90, "0.02", 1),  # a broken model
        (0.89, 0.90, "0", 1),  # no tolerance
    ],
)
def test_gate(tmp_path, accuracy, baseline, tolerance, code):
    argv = ["--metrics", write_metrics(tmp_path, accuracy), "--baseline", str(baseline)]
    assert validate.main([*argv, "--tolerance", tolerance]) == code


def test_failure_is_explained_and_summarised(tmp_path, monkeypatch, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert validate.main(["--metrics", write_metrics(tmp_path, 0.5), "--baseline", "0.9"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "::error" in out
    assert "Metric gate FAILED" in summary.read_text()


def test_pass_is_summarised(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert validate.main(["--metrics", write_metrics(tmp_path, 0.95), "--baseline", "0.9"]) == 0
    assert "Metric gate passed" in summary.read_text()


@pytest.mark.parametrize("baseline", ["", "abc", "1.5", "nan"])
def test_bad_baseline_is_a_usage_error(tmp_path, baseline):
    with pytest.raises(SystemExit) as exc:
        validate.main(["--metrics", write_metrics(tmp_path, 0.9), "--baseline", baseline])
    assert exc.value.code == 2


@pytest.mark.parametrize("content", ["{}", '{"accuracy": "high"}', '{"accuracy": 2}', "not json"])
def test_bad_metrics_file_fails(tmp_path, content):
    path = tmp_path / "metrics.json"
    path.write_text(content)
    with pytest.raises(SystemExit, match="error"):
        validate.main(["--metrics", str(path), "--baseline", "0.9"])


def test_missing_metrics_file_fails(tmp_path):
    with pytest.raises(SystemExit, match="not found"):
        validate.main(["--metrics", str(tmp_path / "nope.json"), "--baseline", "0.9"])
