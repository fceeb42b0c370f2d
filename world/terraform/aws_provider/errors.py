"""Errors: readable diagnostics from botocore failures and the stand-in's own refusals."""

from __future__ import annotations

from world.terraform.provider_kit import ProviderError, describe_error, error_code

__all__ = ["ProviderError", "describe_error", "error_code", "is_not_found"]


def is_not_found(exc: BaseException) -> bool:
    """EC2 reports missing things as `Invalid<Thing>ID.NotFound` / `Invalid<Thing>.NotFound`."""
    code = error_code(exc)
    return code.endswith(".NotFound") or code.endswith("NotFound")
