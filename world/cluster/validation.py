"""Validation: what the API server refuses with 422 Invalid, and why (field by field).

Longer than the kata's usual module, on purpose: one small validator per kind, like the API
server's own validation package; each stands alone, and splitting them into files would only
add imports between them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from . import canary
from .errors import Cause, bad_value, duplicate, forbidden_field, required, unsupported
from .quantities import int_or_percent, parse_quantity
from .resources import (
    CONFIGMAPS,
    DEPLOYMENTS,
    INGRESSES,
    NAMESPACES,
    SECRETS,
    SERVICES,
    Resource,
)
from .selectors import OPERATORS, from_object

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
WILDCARD_HOST = re.compile(r"^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name')"
)
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
PROTOCOLS = ["TCP", "UDP", "SCTP"]
PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"]
SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]


def dns_label(field: str, value: Any) -> list[Cause]:
    if not isinstance(value, str) or not value:
        return [required(field)]
    if len(value) > 63 or not DNS1123_LABEL.match(value):
        return [bad_value(field, value, LABEL_MSG + " (at most 63 characters)")]
    return []


def dns_subdomain(field: str, value: Any) -> list[Cause]:
    if not isinstance(value, str) or not value:
        return [required(field)]
    if len(value) > 253 or not DNS1123_SUBDOMAIN.match(value):
        return [bad_value(field, value, SUBDOMAIN_MSG + " (at most 253 characters)")]
    return []


def dns1035(field: str, value: Any) -> list[Cause]:
    if not isinstance(value, str) or not value:
        return [required(field)]
    if len(value) > 63 or not DNS1035_LABEL.match(value):
        return [bad_value(field, value, DNS1035_MSG + " (at most 63 characters)")]
    return []


def label_key(field: str, key: Any) -> list[Cause]:
    text = str(key)
    prefix, _, name = text.rpartition("/")
    ok = bool(LABEL_NAME.match(name)) and len(name) <= 63
    if prefix:
        ok = ok and bool(DNS1123_SUBDOMAIN.match(prefix)) and len(prefix) <= 253
    if ok:
        return []
    return [
        bad_value(
            field,
            text,
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character, with an optional DNS subdomain "
            "prefix and '/' (e.g. 'example.com/MyName')",
        )
    ]


def labels(field: str, value: Any) -> list[Cause]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [bad_value(field, value, "must be a map of strings")]
    causes: list[Cause] = []
    for key, val in value.items():
        causes += label_key(field, key)
        if not isinstance(val, str) or len(val) > 63 or not LABEL_VALUE.match(val):
            causes.append(
                bad_value(
                    f"{field}[{key}]",
                    val,
                    "a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    "character (at most 63 characters)",
                )
            )
    return causes


def annotation_map(field: str, value: Any) -> list[Cause]:
    if value is None:
        return []
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return [bad_value(field, value, "must be a map of strings")]
    causes: list[Cause] = []
    for key in value:
        causes += label_key(field, key)
    return causes


def metadata(res: Resource, obj: dict[str, Any]) -> list[Cause]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return [required("metadata")]
    name = meta.get("name")
    if res is NAMESPACES:
        causes = dns_label("metadata.name", name)
    elif res is SERVICES:
        causes = dns1035("metadata.name", name)
    else:
        causes = dns_subdomain("metadata.name", name)
    causes += labels("metadata.labels", meta.get("labels"))
    causes += annotation_map("metadata.annotations", meta.get("annotations"))
    return causes


def _port(field: str, value: Any, *, named: bool) -> list[Cause]:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= 65535:
            return []
        return [bad_value(field, value, "must be between 1 and 65535, inclusive")]
    if named and isinstance(value, str) and PORT_NAME.match(value) and len(value) <= 15:
        return []
    if value is None:
        return [required(field)]
    what = "a port number (1-65535) or a port name" if named else "a port number (1-65535)"
    return [bad_value(field, value, f"must be {what}")]


def _non_negative(field: str, value: Any, minimum: int = 0) -> list[Cause]:
    if value is None:
        return []
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        return [bad_value(field, value, f"must be an integer greater than or equal to {minimum}")]
    return []


def probe(field: str, value: Any) -> list[Cause]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [bad_value(field, value, "must be an object")]
    handlers = [h for h in ("httpGet", "tcpSocket", "exec", "grpc") if h in value]
    if len(handlers) != 1:
        return [required(field, "must specify exactly one handler type (httpGet, tcpSocket...)")]
    causes: list[Cause] = []
    handler = value[handlers[0]]
    if handlers[0] in ("httpGet", "tcpSocket"):
        port = handler.get("port") if isinstance(handler, dict) else None
        causes += _port(f"{field}.{handlers[0]}.port", port, named=True)
    if handlers[0] == "httpGet" and isinstance(handler, dict):
        path = handler.get("path", "/")
        if not isinstance(path, str) or not path.startswith("/"):
            causes.append(bad_value(f"{field}.httpGet.path", path, "must start with '/'"))
        if handler.get("scheme", "HTTP") not in ("HTTP", "HTTPS"):
            causes.append(unsupported(f"{field}.httpGet.scheme", handler["scheme"], ["HTTP"]))
    for key in ("periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold"):
        causes += _non_negative(f"{field}.{key}", value.get(key), minimum=1)
    causes += _non_negative(f"{field}.initialDelaySeconds", value.get("initialDelaySeconds"))
    return causes


def _env(field: str, env: Any) -> list[Cause]:
    if env is None:
        return []
    if not isinstance(env, list):
        return [bad_value(field, env, "must be a list")]
    causes: list[Cause] = []
    for i, var in enumerate(env):
        name = var.get("name") if isinstance(var, dict) else None
        if not isinstance(name, str) or not ENV_NAME.match(name):
            causes.append(
                bad_value(
                    f"{field}[{i}].name",
                    name,
                    "a valid environment variable "
                    "name must consist of alphabetic characters, digits, '_', "
                    "'-', or '.', and must not start with a digit",
                )
            )
        elif isinstance(var, dict) and "value" in var and not isinstance(var["value"], str):
            causes.append(bad_value(f"{field}[{i}].value", var["value"], "must be a string"))
    return causes


def _resources(field: str, value: Any) -> list[Cause]:
    causes: list[Cause] = []
    for part in ("limits", "requests"):
        for key, qty in ((value or {}).get(part) or {}).items():
            try:
                parse_quantity(qty)
            except ValueError as exc:
                causes.append(bad_value(f"{field}.{part}[{key}]", qty, str(exc)))
    return causes


def container(field: str, c: Any, names: set[str]) -> list[Cause]:
    if not isinstance(c, dict):
        return [bad_value(field, c, "must be an object")]
    causes = dns_label(f"{field}.name", c.get("name"))
    if c.get("name") in names:
        causes.append(duplicate(f"{field}.name", c.get("name")))
    names.add(str(c.get("name")))
    image = c.get("image")
    if not isinstance(image, str) or not image.strip():
        causes.append(required(f"{field}.image"))
    elif image != image.strip():
        causes.append(
            bad_value(f"{field}.image", image, "must not have leading or trailing whitespace")
        )
    if "imagePullPolicy" in c and c["imagePullPolicy"] not in PULL_POLICIES:
        causes.append(unsupported(f"{field}.imagePullPolicy", c["imagePullPolicy"], PULL_POLICIES))
    for key in ("command", "args"):
        value = c.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            causes.append(bad_value(f"{field}.{key}", value, "must be a list of strings"))
    port_names: set[str] = set()
    for i, port in enumerate(c.get("ports") or []):
        pfield = f"{field}.ports[{i}]"
        if not isinstance(port, dict):
            causes.append(bad_value(pfield, port, "must be an object"))
            continue
        causes += _port(f"{pfield}.containerPort", port.get("containerPort"), named=False)
        if "name" in port:
            pname = port["name"]
            if not isinstance(pname, str) or not PORT_NAME.match(pname) or len(pname) > 15:
                causes.append(
                    bad_value(
                        f"{pfield}.name",
                        pname,
                        "must be an IANA_SVC_NAME "
                        "(at most 15 characters, lower case, digits and '-')",
                    )
                )
            elif pname in port_names:
                causes.append(duplicate(f"{pfield}.name", pname))
            port_names.add(str(pname))
        if port.get("protocol", "TCP") not in PROTOCOLS:
            causes.append(unsupported(f"{pfield}.protocol", port["protocol"], PROTOCOLS))
    for name in ("readinessProbe", "livenessProbe", "startupProbe"):
        causes += probe(f"{field}.{name}", c.get(name))
    causes += _env(f"{field}.env", c.get("env"))
    causes += _resources(f"{field}.resources", c.get("resources"))
    return causes


def pod_spec(field: str, spec: Any) -> list[Cause]:
    if not isinstance(spec, dict):
        return [required(field)]
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        return [required(f"{field}.containers")]
    causes: list[Cause] = []
    names: set[str] = set()
    for i, c in enumerate(containers):
        causes += container(f"{field}.containers[{i}]", c, names)
    if len(containers) > 1:
        causes.append(
            forbidden_field(
                f"{field}.containers", "the kata cluster stand-in runs one container per pod"
            )
        )
    if spec.get("initContainers"):
        causes.append(
            forbidden_field(
                f"{field}.initContainers", "init containers are not supported by the kata stand-in"
            )
        )
    for i, ref in enumerate(spec.get("imagePullSecrets") or []):
        if not isinstance(ref, dict) or not ref.get("name"):
            causes.append(required(f"{field}.imagePullSecrets[{i}].name"))
    policy = spec.get("restartPolicy", "Always")
    if policy != "Always":
        causes.append(unsupported(f"{field}.restartPolicy", policy, ["Always"]))
    return causes


def _selector(field: str, selector: Any) -> list[Cause]:
    if not isinstance(selector, dict):
        return [required(field)]
    causes = labels(f"{field}.matchLabels", selector.get("matchLabels"))
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        op = expr.get("operator") if isinstance(expr, dict) else None
        if op not in OPERATORS:
            causes.append(
                unsupported(f"{field}.matchExpressions[{i}].operator", op, list(OPERATORS))
            )
        elif op in ("In", "NotIn") and not expr.get("values"):
            causes.append(
                required(
                    f"{field}.matchExpressions[{i}].values",
                    "must be specified when `operator` is 'In' or 'NotIn'",
                )
            )
    if not causes and from_object(selector).empty:
        causes.append(bad_value(field, selector, "empty selector is invalid for deployment"))
    return causes


def _strategy(field: str, strategy: Any) -> list[Cause]:
    if not isinstance(strategy, dict):
        return []
    kind = strategy.get("type", "RollingUpdate")
    if kind not in ("RollingUpdate", "Recreate"):
        return [unsupported(f"{field}.type", kind, ["Recreate", "RollingUpdate"])]
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [
                forbidden_field(
                    f"{field}.rollingUpdate",
                    "may not be specified when strategy `type` is 'Recreate'",
                )
            ]
        return []
    causes: list[Cause] = []
    values: dict[str, int] = {}
    for key in ("maxSurge", "maxUnavailable"):
        try:
            values[key] = int_or_percent((rolling or {}).get(key, "25%"), 100, round_up=False)
        except ValueError as exc:
            causes.append(
                bad_value(f"{field}.rollingUpdate.{key}", (rolling or {}).get(key), str(exc))
            )
    if not causes and values["maxSurge"] == 0 and values["maxUnavailable"] == 0:
        causes.append(
            bad_value(
                f"{field}.rollingUpdate.maxUnavailable", 0, "may not be 0 when `maxSurge` is 0"
            )
        )
    return causes


def deployment(obj: dict[str, Any], old: dict[str, Any] | None) -> list[Cause]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = _non_negative("spec.replicas", spec.get("replicas"))
    causes += _non_negative("spec.minReadySeconds", spec.get("minReadySeconds"))
    causes += _selector("spec.selector", spec.get("selector"))
    causes += _strategy("spec.strategy", spec.get("strategy"))
    template = spec.get("template")
    if not isinstance(template, dict):
        return [*causes, required("spec.template")]
    tmeta = template.get("metadata") or {}
    causes += labels("spec.template.metadata.labels", tmeta.get("labels"))
    if (
        isinstance(spec.get("selector"), dict)
        and not any("spec.selector" in c.field for c in causes)
        and not from_object(spec["selector"]).matches(tmeta.get("labels") or {})
    ):
        causes.append(
            bad_value(
                "spec.template.metadata.labels",
                tmeta.get("labels") or {},
                "`selector` does not match template `labels`",
            )
        )
    causes += pod_spec("spec.template.spec", template.get("spec"))
    if old is not None and (old.get("spec") or {}).get("selector") != spec.get("selector"):
        causes.append(bad_value("spec.selector", spec.get("selector"), "field is immutable"))
    return causes


def service(obj: dict[str, Any], old: dict[str, Any] | None) -> list[Cause]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    kind = spec.get("type", "ClusterIP")
    if kind not in SERVICE_TYPES:
        return [unsupported("spec.type", kind, SERVICE_TYPES)]
    causes: list[Cause] = []
    if kind == "ExternalName":
        return dns_subdomain("spec.externalName", spec.get("externalName"))
    ports = spec.get("ports")
    headless = spec.get("clusterIP") == "None"
    if not ports and not headless:
        return [required("spec.ports")]
    seen: set[str] = set()
    for i, port in enumerate(ports or []):
        field = f"spec.ports[{i}]"
        if not isinstance(port, dict):
            causes.append(bad_value(field, port, "must be an object"))
            continue
        causes += _port(f"{field}.port", port.get("port"), named=False)
        causes += _port(f"{field}.targetPort", port.get("targetPort", port.get("port")), named=True)
        name = port.get("name", "")
        if len(ports or []) > 1 and not name:
            causes.append(required(f"{field}.name"))
        elif name and (not isinstance(name, str) or not DNS1123_LABEL.match(name)):
            causes.append(bad_value(f"{field}.name", name, LABEL_MSG))
        if name in seen:
            causes.append(duplicate(f"{field}.name", name))
        seen.add(str(name))
    causes += labels("spec.selector", spec.get("selector"))
    if old is not None:
        before = (old.get("spec") or {}).get("clusterIP")
        if before and spec.get("clusterIP") not in (before, "", None):
            causes.append(bad_value("spec.clusterIP", spec.get("clusterIP"), "field is immutable"))
    return causes


def _backend(field: str, backend: Any) -> list[Cause]:
    if not isinstance(backend, dict):
        return [required(field)]
    svc = backend.get("service")
    if not isinstance(svc, dict):
        if "resource" in backend:
            return []
        return [required(f"{field}.service")]
    causes = dns1035(f"{field}.service.name", svc.get("name"))
    port = svc.get("port")
    if not isinstance(port, dict) or ("number" in port) == ("name" in port):
        causes.append(required(f"{field}.service.port", "exactly one of `number` or `name`"))
    elif "number" in port:
        causes += _port(f"{field}.service.port.number", port["number"], named=False)
    return causes


def ingress(obj: dict[str, Any]) -> list[Cause]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    meta = obj.get("metadata") or {}
    _policy, causes = canary.parse(meta.get("annotations"))
    if "defaultBackend" in spec:
        causes += _backend("spec.defaultBackend", spec["defaultBackend"])
    rules = spec.get("rules") or []
    if not rules and "defaultBackend" not in spec:
        causes.append(required("spec", "either `defaultBackend` or `rules` must be specified"))
    for i, rule in enumerate(rules):
        field = f"spec.rules[{i}]"
        host = rule.get("host", "") if isinstance(rule, dict) else None
        if host and not (DNS1123_SUBDOMAIN.match(host) or WILDCARD_HOST.match(host)):
            causes.append(bad_value(f"{field}.host", host, SUBDOMAIN_MSG))
        paths = ((rule or {}).get("http") or {}).get("paths")
        if not paths:
            causes.append(required(f"{field}.http.paths"))
            continue
        for j, path in enumerate(paths):
            pfield = f"{field}.http.paths[{j}]"
            value = path.get("path", "") if isinstance(path, dict) else None
            path_type = path.get("pathType") if isinstance(path, dict) else None
            if path_type is None:
                causes.append(required(f"{pfield}.pathType", "pathType must be specified"))
            elif path_type not in PATH_TYPES:
                causes.append(unsupported(f"{pfield}.pathType", path_type, PATH_TYPES))
            if not isinstance(value, str) or not value.startswith("/"):
                causes.append(bad_value(f"{pfield}.path", value, "must be an absolute path"))
            elif any(ch in value for ch in " ;{}#$\"'\\") or "//" in value:
                causes.append(bad_value(f"{pfield}.path", value, "must be a plain URL path"))
            causes += _backend(f"{pfield}.backend", (path or {}).get("backend"))
    return causes


def _data(field: str, data: Any, *, encoded: bool) -> list[Cause]:
    if data is None:
        return []
    if not isinstance(data, dict):
        return [bad_value(field, data, "must be a map")]
    causes: list[Cause] = []
    for key, value in data.items():
        if not CONFIG_KEY.match(str(key)) or len(str(key)) > 253:
            causes.append(
                bad_value(
                    field,
                    key,
                    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                )
            )
        if not isinstance(value, str):
            causes.append(bad_value(f"{field}[{key}]", value, "must be a string"))
        elif encoded:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                causes.append(bad_value(f"{field}[{key}]", "<secret>", "must be base64"))
    return causes


def secret(obj: dict[str, Any]) -> list[Cause]:
    causes = _data("data", obj.get("data"), encoded=True)
    if obj.get("type") == "kubernetes.io/dockerconfigjson" and not causes:
        raw = (obj.get("data") or {}).get(".dockerconfigjson")
        if raw is None:
            return [required("data[.dockerconfigjson]")]
        try:
            parsed = json.loads(base64.b64decode(raw))
            if not isinstance(parsed, dict) or not isinstance(parsed.get("auths"), dict):
                raise ValueError("no auths")
        except ValueError:
            causes.append(
                bad_value(
                    "data[.dockerconfigjson]",
                    "<secret contents redacted>",
                    'must be a JSON document with an "auths" map',
                )
            )
    return causes


def validate(res: Resource, obj: dict[str, Any], old: dict[str, Any] | None) -> list[Cause]:
    """Every field error of `obj` (a create when `old` is None, else an update)."""
    causes = metadata(res, obj)
    if res is DEPLOYMENTS:
        causes += deployment(obj, old)
    elif res is SERVICES:
        causes += service(obj, old)
    elif res is INGRESSES:
        causes += ingress(obj)
    elif res is SECRETS:
        causes += secret(obj)
    elif res is CONFIGMAPS:
        causes += _data("data", obj.get("data"), encoded=False)
        causes += _data("binaryData", obj.get("binaryData"), encoded=True)
    return causes
