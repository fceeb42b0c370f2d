"""Client for act's artifact server, v4 (twirp + one zip per artifact) protocol. Stdlib only.

act stores artifact NAME of run RUN as ARTIFACT_DIR/RUN/NAME/NAME.zip. Two quirks of
act's server shape this client: ListArtifacts crashes the request when the run has no
artifact yet (read here as "none"), and DownloadArtifact answers an empty 200 for a
missing artifact (so a download probe is the safe existence check).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, BinaryIO

from kata_io import ActionError

SERVICE = "twirp/github.actions.results.api.v1.ArtifactService"
NOT_FOUND_HINT = (
    "Please ensure that your artifact is not expired and the artifact was uploaded using a "
    "compatible version of toolkit/upload-artifact."
)


def _backend_ids(token: str) -> tuple[str, str]:
    """(workflow run, job) backend ids from the runtime token's `Actions.Results:R:J` scope."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        for scope in str(claims.get("scp", "")).split():
            parts = scope.split(":")
            if len(parts) == 3 and parts[0] == "Actions.Results":
                return parts[1], parts[2]
    except (IndexError, ValueError):
        pass
    run_id = os.environ.get("GITHUB_RUN_ID", "1")
    return run_id, run_id


class ArtifactClient:
    def __init__(self) -> None:
        base = os.environ.get("ACTIONS_RESULTS_URL", "")
        self.token = os.environ.get("ACTIONS_RUNTIME_TOKEN", "")
        if not base or not self.token:
            raise ActionError(
                "ACTIONS_RESULTS_URL / ACTIONS_RUNTIME_TOKEN are not set: act must run with "
                "--artifact-server-path (the kata harness does this)"
            )
        self.base = base.rstrip("/") + "/" + SERVICE + "/"
        self.run_id, self.job_id = _backend_ids(self.token)

    def _ids(self) -> dict[str, str]:
        return {"workflow_run_backend_id": self.run_id, "workflow_job_run_backend_id": self.job_id}

    def _rpc(
        self, method: str, body: dict[str, Any], empty_on_drop: bool = False
    ) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base + method,
            data=json.dumps({**self._ids(), **body}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                result: dict[str, Any] = json.loads(response.read() or b"{}")
                return result
        except urllib.error.HTTPError as exc:
            raise ActionError(f"artifact server: {method} failed: HTTP {exc.code}") from None
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            dropped = (http.client.RemoteDisconnected, ConnectionResetError)
            if empty_on_drop and isinstance(reason, dropped):
                return {}
            raise ActionError(f"artifact server: {method} failed: {reason}") from None

    def list(self, name: str | None = None) -> list[dict[str, Any]]:
        """Artifacts of this run; act's server drops the request when there are none yet."""
        body: dict[str, Any] = {"name_filter": name} if name else {}
        artifacts: list[dict[str, Any]] = self._rpc("ListArtifacts", body, True).get(
            "artifacts", []
        )
        return artifacts

    def _open_download(self, name: str) -> http.client.HTTPResponse:
        url = self._rpc("GetSignedArtifactURL", {"name": name})["signedUrl"]
        response: http.client.HTTPResponse = urllib.request.urlopen(url, timeout=600)
        return response

    def exists(self, name: str) -> bool:
        with self._open_download(name) as response:
            return bool(response.read(1))

    def download(self, name: str, target: BinaryIO) -> int:
        """Stream the artifact's zip into `target`; 0 bytes means there is no such artifact."""
        with self._open_download(name) as response:
            shutil.copyfileobj(response, target, 1 << 20)
        return target.tell()

    def delete(self, name: str) -> None:
        self._rpc("DeleteArtifact", {"name": name})

    def upload(self, name: str, zip_path: Path, digest: str) -> str:
        """Create, upload and finalize; returns the artifact id."""
        created = self._rpc("CreateArtifact", {"name": name, "version": 4})
        url = created.get("signedUploadUrl")
        if not created.get("ok") or not url:
            raise ActionError(f"artifact server refused to create '{name}'")
        size = zip_path.stat().st_size
        with open(zip_path, "rb") as body:
            request = urllib.request.Request(
                url + "&comp=block",
                data=body,
                headers={"Content-Length": str(size), "Content-Type": "application/zip"},
                method="PUT",
            )
            with urllib.request.urlopen(request, timeout=600) as response:
                response.read()
        done = self._rpc("FinalizeArtifact", {"name": name, "size": str(size), "hash": digest})
        if not done.get("ok"):
            raise ActionError(f"artifact server refused to finalize '{name}'")
        return str(done.get("artifactId", ""))
