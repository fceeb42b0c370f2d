"""Unit tests for the static readers: requirements, Dockerfile, secrets scanner, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.redact import Redactor
from harness.static.dockerfile import parse_dockerfile
from harness.static.requirements import parse_requirements
from harness.static.secrets_scan import scan_text


def test_requirements_pinning(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(
        "# comment\nscikit-learn==1.9.1\nfastapi>=0.100\nnumpy\n"
        "uvicorn[standard]==0.54.0 ; python_version>'3'\n"
        "-r other.txt\ngit+https://github.com/x/y@" + "a" * 40 + "\nhttpx~=0.28\n"
    )
    reqs = {r.name: r.pinned for r in parse_requirements(req)}
    assert reqs["scikit-learn"] and reqs["uvicorn"]
    assert not reqs["fastapi"] and not reqs["numpy"] and not reqs["httpx"]
    assert sum(reqs.values()) == 3


def test_dockerfile_stages_and_continuations() -> None:
    df = parse_dockerfile(
        "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE} AS build\nRUN echo a \\\n  && echo b\n"
        "# comment\nFROM ${BASE_IMAGE}\nUSER app\nHEALTHCHECK CMD true\n"
    )
    assert [a.args for a in df.pre_from_args] == ["BASE_IMAGE=python:3.11-slim"]
    assert len(df.stages) == 2
    assert df.stages[0].instructions[0].args == "echo a  && echo b"
    assert df.final is not None and df.final.last("USER") is not None
    assert df.final.last("USER").line == 7  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("ci.yml", "          password: hunter2secret"),
        ("ci.yml", "      run: docker login -u me -p hunter2secret registry"),
        ("Dockerfile", "ENV REGISTRY_PASSWORD=hunter2secret"),
        ("src/app.py", 'API_KEY = "sk-live-1234567890"'),
        ("src/app.py", 'aws = "AKIAIOSFODNN7EXAMPLE"'),
        ("notes.md", "token ghp_" + "a" * 36),
    ],
)
def test_secret_scanner_finds(path: str, line: str) -> None:
    assert scan_text(path, line), line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("ci.yml", "          password: ${{ secrets.REGISTRY_PASSWORD }}"),
        ("ci.yml", "      id-token: write"),
        ("ci.yml", "    secrets: inherit"),
        ("ci.yml", "          github-token: ${{ github.token }}"),
        ("ci.yml", '      run: echo "$PW" | docker login -u me --password-stdin'),
        ("src/app.py", 'password = os.environ["PASSWORD"]'),
        ("Dockerfile", "ARG BASE_IMAGE=python:3.11-slim"),
    ],
)
def test_secret_scanner_ignores_references(path: str, line: str) -> None:
    assert not scan_text(path, line), line


def test_redactor_masks_every_occurrence() -> None:
    redact = Redactor(["s3cr3t-value", "abc"])
    assert redact("pw=s3cr3t-value and s3cr3t-value") == "pw=*** and ***"
    assert redact("abc stays, too short to mask safely") == "abc stays, too short to mask safely"
