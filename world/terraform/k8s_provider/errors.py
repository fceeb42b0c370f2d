"""Errors the provider reports as diagnostics (no traceback): API answers and refusals."""

from __future__ import annotations

from typing import Any

from world.terraform.provider_kit import ProviderError

STAND_IN = "the offline kubernetes stand-in"


class ApiError(ProviderError):
    """A non-2xx answer of the API server, worded from its `Status` body."""

    def __init__(self, method: str, path: str, code: int, body: Any) -> None:
        status = body if isinstance(body, dict) else {}
        self.code = code
        self.reason = str(status.get("reason") or "")
        self.message = str(status.get("message") or body or f"HTTP {code}")
        causes = (status.get("details") or {}).get("causes") or []
        detail = "".join(f"\n  {c.get('field', '')}: {c.get('message', '')}" for c in causes)
        super().__init__(f"{method} {path}: {self.message} ({self.reason or code}){detail}")

    @property
    def not_found(self) -> bool:
        return self.code == 404


class RolloutError(ProviderError):
    """A Deployment did not become ready in time (the message says what its pods do)."""


__all__ = ["STAND_IN", "ApiError", "ProviderError", "RolloutError"]
