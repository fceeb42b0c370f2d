"""Errors: readable diagnostics from botocore failures and the stand-in's own refusals."""

from __future__ import annotations

from typing import Any


class ProviderError(Exception):
    """An expected failure, reported as a diagnostic without a traceback."""

    expected = True


def error_code(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def is_not_found(exc: BaseException) -> bool:
    """EC2 reports missing things as `Invalid<Thing>ID.NotFound` / `Invalid<Thing>.NotFound`."""
    code = error_code(exc)
    return code.endswith(".NotFound") or code.endswith("NotFound")


def describe_error(exc: BaseException) -> str:
    code = error_code(exc)
    if code:
        message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
        return f"{code}: {message}".rstrip(": ")
    name = type(exc).__name__
    return str(exc) if isinstance(exc, ProviderError) else f"{name}: {exc}"
