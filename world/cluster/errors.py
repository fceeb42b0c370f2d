"""API errors, answered as Kubernetes `Status` objects (kind Status, reason, code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .resources import Resource


@dataclass(frozen=True)
class Cause:
    """One field error of an Invalid answer (`details.causes[]`)."""

    field: str
    message: str
    reason: str = "FieldValueInvalid"


class ApiError(Exception):
    """An error the API server answers with a `Status` body and the same HTTP code."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def _details(res: Resource, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": res.plural}
    if res.group:
        details["group"] = res.group
    return details


def not_found(res: Resource, name: str) -> ApiError:
    msg = f'{res.group_resource} "{name}" not found'
    return ApiError(404, "NotFound", msg, _details(res, name))


def already_exists(res: Resource, name: str) -> ApiError:
    msg = f'{res.group_resource} "{name}" already exists'
    return ApiError(409, "AlreadyExists", msg, _details(res, name))


def conflict(res: Resource, name: str, why: str = "") -> ApiError:
    why = why or (
        "the object has been modified; please apply your changes to the latest version "
        "and try again"
    )
    msg = f'Operation cannot be fulfilled on {res.group_resource} "{name}": {why}'
    return ApiError(409, "Conflict", msg, _details(res, name))


def invalid(res: Resource, name: str, causes: list[Cause]) -> ApiError:
    parts = [f"{c.field}: {c.message}" for c in causes]
    summary = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    details = _details(res, name) | {
        "kind": res.kind,
        "causes": [{"reason": c.reason, "message": c.message, "field": c.field} for c in causes],
    }
    return ApiError(422, "Invalid", f'{res.group_kind} "{name}" is invalid: {summary}', details)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(res: Resource, name: str, why: str) -> ApiError:
    msg = f'{res.group_resource} "{name}" is forbidden: {why}'
    return ApiError(403, "Forbidden", msg, _details(res, name))


def method_not_allowed() -> ApiError:
    msg = "the server does not allow this method on the requested resource"
    return ApiError(405, "MethodNotAllowed", msg)


def unsupported_media_type(content_type: str) -> ApiError:
    msg = "the body of the request was in an unknown format - accepted media types include: "
    msg += "application/json-patch+json, application/merge-patch+json, "
    msg += f"application/strategic-merge-patch+json (got {content_type!r})"
    return ApiError(415, "UnsupportedMediaType", msg)


def path_not_found(path: str) -> ApiError:
    return ApiError(404, "NotFound", f"the server could not find the requested resource ({path})")


def required(field: str, detail: str = "") -> Cause:
    return Cause(field, "Required value" + (f": {detail}" if detail else ""), "FieldValueRequired")


def bad_value(field: str, value: Any, detail: str) -> Cause:
    return Cause(field, f"Invalid value: {json.dumps(value)}: {detail}", "FieldValueInvalid")


def unsupported(field: str, value: Any, supported: list[str]) -> Cause:
    values = ", ".join(json.dumps(s) for s in supported)
    msg = f"Unsupported value: {json.dumps(value)}: supported values: {values}"
    return Cause(field, msg, "FieldValueNotSupported")


def duplicate(field: str, value: Any) -> Cause:
    return Cause(field, f"Duplicate value: {json.dumps(value)}", "FieldValueDuplicate")


def forbidden_field(field: str, detail: str) -> Cause:
    return Cause(field, f"Forbidden: {detail}", "FieldValueForbidden")
