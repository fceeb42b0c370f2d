"""The API client: JSON over httpx to one API server, with a bearer token (or basic auth)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from harness import waits

from .errors import ApiError, ProviderError

MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True)
class Connection:
    """Where the API server is and how to authenticate: what the kubeconfig or the provider
    block resolved to."""

    server: str
    token: str | None = None
    ca_pem: bytes | None = None
    insecure: bool = False
    username: str | None = None
    password: str | None = None

    def verify(self) -> ssl.SSLContext | bool:
        if self.insecure:
            return False
        if self.ca_pem:
            return ssl.create_default_context(cadata=self.ca_pem.decode())
        return True


class KubeClient:
    """GET/POST/PUT/PATCH/DELETE returning the decoded JSON; `ApiError` for any failure."""

    def __init__(self, conn: Connection, timeout: float = 30.0) -> None:
        headers = {"Accept": "application/json", "User-Agent": "HashiCorp/1.0 Terraform (kata)"}
        if conn.token:
            headers["Authorization"] = f"Bearer {conn.token}"
        auth = (conn.username, conn.password or "") if conn.username else None
        self.conn = conn
        self.http = httpx.Client(
            base_url=conn.server.rstrip("/"),
            headers=headers,
            auth=auth,
            verify=conn.verify(),
            timeout=timeout,
        )

    def request(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json"
    ) -> Any:
        headers = {"Content-Type": content_type} if body is not None else {}
        try:
            resp = self.http.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ApiError(method, path, 0, f"cannot reach {self.conn.server}: {exc}") from exc
        try:
            data = resp.json()
        except ValueError:
            data = resp.text
        if resp.status_code >= 400:
            raise ApiError(method, path, resp.status_code, data)
        return data

    def get(self, path: str, **query: str) -> Any:
        return self.request("GET", f"{path}?{urlencode(query)}" if query else path)

    def find(self, path: str) -> Any:
        """GET, or None when the object does not exist."""
        try:
            return self.get(path)
        except ApiError as exc:
            if exc.not_found:
                return None
            raise

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body, MERGE_PATCH)

    def delete(self, path: str) -> bool:
        """DELETE; False when it was already gone."""
        try:
            self.request("DELETE", path)
        except ApiError as exc:
            if exc.not_found:
                return False
            raise
        return True

    def wait_gone(self, path: str, timeout: float) -> None:
        poll(lambda: self.find(path) is None, timeout, f"{path} to be deleted")


def poll(done: Callable[[], bool], timeout: float, what: str, interval: float = 0.25) -> None:
    """Call `done` until it is true; a ProviderError after `timeout` seconds."""
    try:
        waits.wait_until(done, timeout_s=timeout, interval_s=interval, what=what, retry_on=())
    except waits.WaitTimeout:
        raise ProviderError(f"timed out after {timeout:.0f}s waiting for {what}") from None
