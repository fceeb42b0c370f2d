"""A password-protected registry on loopback, standing in for Docker Hub for one run.

It is the CNCF distribution registry (Debian's `docker-registry`), started fresh for each run
with its own storage, its own port and credentials made for that run only, so a pipeline
that does not log in with the secrets it was given fails exactly as it would on Docker Hub.
Stopping it deletes its storage: no pushed tag outlives the run.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import httpx

from harness import waits
from harness.errors import HarnessError
from world.lifecycle import Managed

REGISTRY_BINARY = "docker-registry"
REGISTRY_FIX = "install the CNCF registry: `apt-get install -y docker-registry`"
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class ImageRecord:
    """What the registry holds for one tag: the manifest digest and the image config."""

    repository: str
    tag: str
    digest: str
    config: dict[str, Any]
    compressed_size: int

    @property
    def labels(self) -> dict[str, str]:
        return dict((self.config.get("config") or {}).get("Labels") or {})

    @property
    def user(self) -> str:
        return str((self.config.get("config") or {}).get("User") or "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalRegistry(Managed):
    """`with LocalRegistry(workdir) as reg:` gives a running, authenticated registry."""

    def __init__(self, workdir: Path, *, username: str = "kata-learner") -> None:
        self.workdir = workdir
        self.credentials = Credentials(username, secrets.token_urlsafe(18))
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @staticmethod
    def available() -> bool:
        return shutil.which(REGISTRY_BINARY) is not None

    def start(self) -> LocalRegistry:
        binary = shutil.which(REGISTRY_BINARY)
        if binary is None:
            raise HarnessError(f"no local registry: `{REGISTRY_BINARY}` is missing; {REGISTRY_FIX}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        hashed = bcrypt.hashpw(self.credentials.password.encode(), bcrypt.gensalt(rounds=8))
        (self.workdir / "htpasswd").write_text(f"{self.credentials.username}:{hashed.decode()}\n")
        log = (self.workdir / "registry.log").open("wb")
        for _attempt in range(5):
            self.port = free_port()
            config = self.workdir / "config.yml"
            config.write_text(
                "version: 0.1\n"
                "log: {level: warn, accesslog: {disabled: true}}\n"
                f"storage: {{filesystem: {{rootdirectory: {self.workdir / 'data'}}}, "
                "delete: {enabled: true}}\n"
                f"http: {{addr: '{self.address}', secret: '{secrets.token_hex(16)}'}}\n"
                f"auth: {{htpasswd: {{realm: kata, path: {self.workdir / 'htpasswd'}}}}}\n"
            )
            self._proc = subprocess.Popen(
                [binary, "serve", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            if self._wait_ready():
                return self
            self.stop()
        raise HarnessError(f"the local registry did not start; see {self.workdir / 'registry.log'}")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        """True once the registry asks for credentials (401 on /v2/); False if it exits or
        has not within `timeout` s."""
        return waits.succeeds_within(
            waits.http_ok(f"http://{self.address}/v2/", status=401, request_timeout_s=1),
            timeout_s=timeout,
            interval_s=0.05,
            abort=waits.process_exited(self._proc),
        )

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        self._proc = None
        shutil.rmtree(self.workdir / "data", ignore_errors=True)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    # --- reading what was pushed, through the registry's own HTTP API ---------------------

    def _get(self, path: str, accept: str | None = None) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        auth = (self.credentials.username, self.credentials.password)
        return httpx.get(f"http://{self.address}{path}", auth=auth, headers=headers, timeout=30)

    def repositories(self) -> list[str]:
        resp = self._get("/v2/_catalog")
        resp.raise_for_status()
        return list(resp.json().get("repositories") or [])

    def tags(self, repository: str) -> list[str]:
        resp = self._get(f"/v2/{repository}/tags/list")
        if resp.status_code == 404:
            return []
        resp.raise_for_status()
        return list(resp.json().get("tags") or [])

    def image(self, repository: str, tag: str) -> ImageRecord | None:
        resp = self._get(f"/v2/{repository}/manifests/{tag}", accept=MANIFEST_TYPES)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        manifest = resp.json()
        digest = resp.headers.get("Docker-Content-Digest", "")
        config_digest = (manifest.get("config") or {}).get("digest")
        if not config_digest:
            raise HarnessError(f"{repository}:{tag} has no image config (manifest list?)")
        config = self._get(f"/v2/{repository}/blobs/{config_digest}")
        config.raise_for_status()
        size = sum(int(layer.get("size", 0)) for layer in manifest.get("layers") or [])
        return ImageRecord(repository, tag, digest, config.json(), size)
