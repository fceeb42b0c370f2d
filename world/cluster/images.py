"""Images for pods: registry credentials from imagePullSecrets, and the pull policy."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from docker.errors import DockerException, ImageNotFound

from harness import engine

DOCKER_HUB = "docker.io"


class PullError(Exception):
    """The image could not be made present; `reason` is the kubelet's waiting reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class RegistryAuth:
    username: str
    password: str

    def config(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}


def registry_of(image: str) -> str:
    """The registry host of an image reference (`docker.io` when it names none)."""
    first, sep, _rest = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def _host(key: str) -> str:
    text = key.split("://", 1)[-1]
    host = text.split("/", 1)[0]
    return DOCKER_HUB if host in ("index.docker.io", "registry-1.docker.io") else host


def auths_of(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The `auths` map of a `kubernetes.io/dockerconfigjson` (or legacy dockercfg) Secret."""
    data = secret.get("data") or {}
    try:
        if secret.get("type") == "kubernetes.io/dockerconfigjson":
            parsed = json.loads(base64.b64decode(data.get(".dockerconfigjson", "")))
            return dict(parsed.get("auths") or {})
        if secret.get("type") == "kubernetes.io/dockercfg":
            return dict(json.loads(base64.b64decode(data.get(".dockercfg", ""))))
    except (ValueError, TypeError, AttributeError):
        return {}
    return {}


def credentials_for(image: str, secrets: Iterable[Mapping[str, Any]]) -> RegistryAuth | None:
    """The first pull secret's credentials for the image's registry, as the kubelet picks."""
    wanted = registry_of(image)
    for secret in secrets:
        for key, entry in auths_of(secret).items():
            if _host(key) != wanted or not isinstance(entry, dict):
                continue
            user, password = entry.get("username"), entry.get("password")
            if not user and entry.get("auth"):
                try:
                    user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    continue
            if user:
                return RegistryAuth(str(user), str(password or ""))
    return None


def present(image: str) -> bool:
    return engine.current().has_image(image)


def ensure_image(image: str, policy: str, auth: RegistryAuth | None) -> None:
    """Pull as the kubelet would for `imagePullPolicy`; PullError says why it failed."""
    if policy == "Never" or (policy == "IfNotPresent" and present(image)):
        if not present(image):
            raise PullError(
                "ErrImageNeverPull",
                f'Container image "{image}" is not present with pull policy of Never',
            )
        return
    try:
        engine.current().pull(image, auth_config=auth.config() if auth else None)
    except DockerException as exc:
        detail = str(exc).splitlines()[0][:300]
        raise PullError("ErrImagePull", f'failed to pull image "{image}": {detail}') from exc


def exposed_ports(image: str) -> list[int]:
    """The TCP ports the image EXPOSEs."""
    try:
        config = engine.current().image_attrs(image).get("Config") or {}
    except ImageNotFound:
        return []
    ports = []
    for spec in config.get("ExposedPorts") or {}:
        number, _, proto = str(spec).partition("/")
        if number.isdigit() and proto in ("", "tcp"):
            ports.append(int(number))
    return ports
