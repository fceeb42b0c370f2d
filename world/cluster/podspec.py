"""A pod template's container, translated into what `docker run` needs.

Kubernetes semantics kept: `command` replaces the image ENTRYPOINT (and drops its CMD),
`args` replaces CMD; `$(VAR)` in command, args and env values expands to earlier env vars
(`$$` escapes); env `valueFrom` reads Secrets, ConfigMaps and the pod's own fields; `envFrom`
imports whole Secrets/ConfigMaps; `resources.limits` become Docker's memory and CPU limits.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .quantities import parse_quantity

Lookup = Callable[[str, str], dict[str, Any] | None]  # (kind: secret|configmap, name) -> obj
_REF = re.compile(r"\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")


class ConfigError(Exception):
    """The container cannot be configured yet (kubelet: CreateContainerConfigError)."""


@dataclass(frozen=True)
class PodIdentity:
    name: str
    namespace: str
    uid: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSpec:
    image: str
    entrypoint: list[str] | None
    command: list[str] | None
    environment: dict[str, str]
    ports: dict[int, str]  # container port -> its name ("" if unnamed)
    mem_limit: int | None
    nano_cpus: int | None
    working_dir: str | None
    user: str | None


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion; unknown references stay as written."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _REF.sub(sub, text)


def _data(obj: Mapping[str, Any], kind: str) -> dict[str, str]:
    raw = obj.get("data") or {}
    if kind == "secret":
        return {k: base64.b64decode(v).decode(errors="replace") for k, v in raw.items()}
    return {k: str(v) for k, v in raw.items()}


def _from_ref(kind: str, ref: Mapping[str, Any], lookup: Lookup) -> str | None:
    name, key = str(ref.get("name", "")), str(ref.get("key", ""))
    obj = lookup(kind, name)
    if obj is None:
        if ref.get("optional"):
            return None
        raise ConfigError(f'{kind} "{name}" not found')
    data = _data(obj, kind)
    if key not in data:
        if ref.get("optional"):
            return None
        raise ConfigError(f"couldn't find key {key} in {kind.capitalize()} {name}")
    return data[key]


def _field(path: str, pod: PodIdentity) -> str:
    simple = {
        "metadata.name": pod.name,
        "metadata.namespace": pod.namespace,
        "metadata.uid": pod.uid,
        "spec.nodeName": "kata-stand-in",
        "spec.serviceAccountName": "default",
        "status.podIP": "127.0.0.1",
        "status.hostIP": "127.0.0.1",
    }
    if path in simple:
        return simple[path]
    m = re.match(r"^metadata\.(labels|annotations)\['([^']+)'\]$", path)
    if m:
        source = pod.labels if m[1] == "labels" else pod.annotations
        return str(source.get(m[2], ""))
    raise ConfigError(f"unsupported fieldRef fieldPath {path!r}")


def environment(c: Mapping[str, Any], pod: PodIdentity, lookup: Lookup) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in c.get("envFrom") or []:
        prefix = str(source.get("prefix", ""))
        for kind, key in (("configmap", "configMapRef"), ("secret", "secretRef")):
            ref = source.get(key)
            if not ref:
                continue
            obj = lookup(kind, str(ref.get("name", "")))
            if obj is None:
                if ref.get("optional"):
                    continue
                raise ConfigError(f'{kind} "{ref.get("name")}" not found')
            env.update({prefix + k: v for k, v in _data(obj, kind).items()})
    for var in c.get("env") or []:
        name = str(var["name"])
        if "valueFrom" in var:
            src = var["valueFrom"] or {}
            value: str | None = None
            if "secretKeyRef" in src:
                value = _from_ref("secret", src["secretKeyRef"], lookup)
            elif "configMapKeyRef" in src:
                value = _from_ref("configmap", src["configMapKeyRef"], lookup)
            elif "fieldRef" in src:
                value = _field(str(src["fieldRef"].get("fieldPath", "")), pod)
            else:
                raise ConfigError(f"env {name}: unsupported valueFrom {sorted(src)}")
            if value is not None:
                env[name] = value
        else:
            env[name] = expand(str(var.get("value", "")), env)
    return env


def run_spec(c: Mapping[str, Any], pod: PodIdentity, lookup: Lookup) -> RunSpec:
    """What `docker run` needs for container `c` of `pod`; ConfigError if it cannot be had."""
    env = environment(c, pod, lookup)
    command = [expand(str(a), env) for a in c["command"]] if c.get("command") else None
    args = [expand(str(a), env) for a in c["args"]] if c.get("args") else None
    limits = (c.get("resources") or {}).get("limits") or {}
    mem = int(parse_quantity(limits["memory"])) if "memory" in limits else None
    cpu = int(parse_quantity(limits["cpu"]) * 1e9) if "cpu" in limits else None
    ports = {
        int(p["containerPort"]): str(p.get("name", ""))
        for p in c.get("ports") or []
        if p.get("protocol", "TCP") == "TCP"
    }
    security = c.get("securityContext") or {}
    user = str(security["runAsUser"]) if "runAsUser" in security else None
    return RunSpec(
        image=str(c["image"]),
        entrypoint=command,
        command=args if command is None else (args or []),
        environment=env,
        ports=ports,
        mem_limit=mem,
        nano_cpus=cpu,
        working_dir=c.get("workingDir"),
        user=user,
    )


def probe_ports(c: Mapping[str, Any]) -> list[int]:
    """Numeric ports the container's probes use (named ones resolve through `ports`)."""
    named = {str(p.get("name")): int(p["containerPort"]) for p in c.get("ports") or []}
    out = []
    for key in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = c.get(key) or {}
        handler = probe.get("httpGet") or probe.get("tcpSocket") or {}
        port = handler.get("port")
        if isinstance(port, int):
            out.append(port)
        elif isinstance(port, str) and port in named:
            out.append(named[port])
    return out
