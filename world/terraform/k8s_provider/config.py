"""The provider block and where the provider connects: kubeconfig first, then overrides.

As the real provider: `config_path` (or `KUBE_CONFIG_PATH`), `config_paths` (or
`KUBE_CONFIG_PATHS`), then the kubeconfig's current context unless `config_context` (or
`KUBE_CTX`) names another; `host`, `token`, `cluster_ca_certificate`, `insecure`,
`username`/`password` (or `KUBE_HOST`, `KUBE_TOKEN`, `KUBE_CLUSTER_CA_CERT_DATA`,
`KUBE_INSECURE`, `KUBE_USER`, `KUBE_PASSWORD`) override it. One addition: with none of those,
`KUBECONFIG` is read, with a warning, because the real provider ignores it.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tf.types import Unknown

from .client import Connection
from .errors import STAND_IN
from .fields import BOOL, STRING_LIST, STRING_MAP, body, one, opt, req, resource_schema


def provider_body() -> Any:
    return body(
        opt("host"),
        opt("username"),
        opt("password"),
        opt("insecure", BOOL),
        opt("tls_server_name"),
        opt("client_certificate"),
        opt("client_key"),
        opt("cluster_ca_certificate"),
        opt("config_paths", STRING_LIST),
        opt("config_path"),
        opt("config_context"),
        opt("config_context_auth_info"),
        opt("config_context_cluster"),
        opt("token"),
        opt("proxy_url"),
        opt("ignore_annotations", STRING_LIST),
        opt("ignore_labels", STRING_LIST),
        one("exec", req("api_version"), req("command"), opt("env", STRING_MAP),
            opt("args", STRING_LIST)),
        one("experiments", opt("manifest_resource", BOOL)),
    )  # fmt: skip


def provider_schema() -> Any:
    return resource_schema(provider_body())


class SettingsError(Exception):
    """The provider block (with the environment) gives no usable connection."""


# provider argument -> the environment variable the real provider reads when it is unset
ENV = {
    "host": "KUBE_HOST",
    "username": "KUBE_USER",
    "password": "KUBE_PASSWORD",
    "insecure": "KUBE_INSECURE",
    "tls_server_name": "KUBE_TLS_SERVER_NAME",
    "client_certificate": "KUBE_CLIENT_CERT_DATA",
    "client_key": "KUBE_CLIENT_KEY_DATA",
    "cluster_ca_certificate": "KUBE_CLUSTER_CA_CERT_DATA",
    "config_path": "KUBE_CONFIG_PATH",
    "config_context": "KUBE_CTX",
    "config_context_auth_info": "KUBE_CTX_AUTH_INFO",
    "config_context_cluster": "KUBE_CTX_CLUSTER",
    "token": "KUBE_TOKEN",
    "proxy_url": "KUBE_PROXY_URL",
}
REFUSED = {
    "client_certificate": "client certificates are not supported; authenticate with a token",
    "client_key": "client certificates are not supported; authenticate with a token",
    "tls_server_name": "the API server is reached by the address in its URL only",
    "proxy_url": "the API server is on this machine; no proxy is used",
}


@dataclass
class Settings:
    """The resolved connection, the metadata keys to ignore, and warnings to show."""

    connection: Connection
    ignore_annotations: list[re.Pattern[str]] = field(default_factory=list)
    ignore_labels: list[re.Pattern[str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str = ""


def _value(cfg: Mapping[str, Any], env: Mapping[str, str], name: str) -> Any:
    value = cfg.get(name)
    if value is None or value is Unknown or value == "":
        value = env.get(ENV[name]) or None if name in ENV else None
    return value


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "t", "yes")


def kubeconfig_paths(cfg: Mapping[str, Any], env: Mapping[str, str]) -> tuple[list[str], str]:
    """The kubeconfig files to read and a warning ("" if none), as the real provider picks."""
    single = _value(cfg, env, "config_path")
    if single:
        return [str(single)], ""
    listed = cfg.get("config_paths")
    if isinstance(listed, list) and listed:
        return [str(p) for p in listed if p is not None and p is not Unknown], ""
    if env.get("KUBE_CONFIG_PATHS"):
        return env["KUBE_CONFIG_PATHS"].split(os.pathsep), ""
    if env.get("KUBECONFIG"):
        return env["KUBECONFIG"].split(os.pathsep), (
            "KUBECONFIG is read by the offline stand-in only: the real hashicorp/kubernetes "
            "provider ignores it. Set KUBE_CONFIG_PATH (or config_path) instead."
        )
    return [], ""


def _merged(paths: list[str]) -> dict[str, Any]:
    """Merge kubeconfig files as kubectl does: the first file to set a name wins."""
    import yaml

    merged: dict[str, Any] = {"clusters": {}, "users": {}, "contexts": {}, "current-context": ""}
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            doc = yaml.safe_load(path.read_text()) or {}
        except OSError as exc:
            raise SettingsError(f"cannot read kubeconfig {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise SettingsError(f"kubeconfig {path} is not valid YAML: {exc}") from exc
        for section in ("clusters", "users", "contexts"):
            for entry in doc.get(section) or []:
                merged[section].setdefault(entry.get("name"), entry.get(section[:-1]) or {})
        merged["current-context"] = merged["current-context"] or doc.get("current-context") or ""
    return merged


def _from_kubeconfig(
    paths: list[str], cfg: Mapping[str, Any], env: Mapping[str, str]
) -> dict[str, Any]:
    kc = _merged(paths)
    name = _value(cfg, env, "config_context") or kc["current-context"]
    context = kc["contexts"].get(name)
    if not name or context is None:
        raise SettingsError(f'context "{name}" does not exist in {", ".join(paths)}')
    cluster_name = _value(cfg, env, "config_context_cluster") or context.get("cluster")
    user_name = _value(cfg, env, "config_context_auth_info") or context.get("user")
    cluster = kc["clusters"].get(cluster_name)
    if cluster is None:
        raise SettingsError(f'cluster "{cluster_name}" of context "{name}" does not exist')
    user = kc["users"].get(user_name) or {}
    for key in ("client-certificate", "client-certificate-data", "exec", "auth-provider"):
        if user.get(key):
            raise SettingsError(
                f'user "{user_name}": {key} is not supported by {STAND_IN}; use a token'
            )
    ca = None
    if cluster.get("certificate-authority-data"):
        ca = base64.b64decode(cluster["certificate-authority-data"])
    elif cluster.get("certificate-authority"):
        ca = Path(cluster["certificate-authority"]).expanduser().read_bytes()
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = Path(user["tokenFile"]).expanduser().read_text().strip()
    return {
        "server": cluster.get("server"),
        "ca_pem": ca,
        "insecure": bool(cluster.get("insecure-skip-tls-verify")),
        "token": token,
        "username": user.get("username"),
        "password": user.get("password"),
        "source": f'context "{name}" of {", ".join(paths)}',
    }


def resolve(config: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Settings:
    """The connection for a provider block, reading the environment like the real provider."""
    env = os.environ if env is None else env
    cfg = {k: (None if v is Unknown else v) for k, v in (config or {}).items()}
    for name, why in REFUSED.items():
        if _value(cfg, env, name):
            raise SettingsError(f"{name} is not supported by {STAND_IN}: {why}")
    if cfg.get("exec"):
        raise SettingsError(f"exec is not supported by {STAND_IN}: authenticate with a token")
    paths, warning = kubeconfig_paths(cfg, env)
    found: dict[str, Any] = _from_kubeconfig(paths, cfg, env) if paths else {}
    host = _value(cfg, env, "host")
    if host:
        found["server"] = host if "://" in str(host) else f"https://{host}"
        found["source"] = "host"
    for name in ("token", "username", "password"):
        if _value(cfg, env, name):
            found[name] = _value(cfg, env, name)
    if _value(cfg, env, "cluster_ca_certificate"):
        found["ca_pem"] = str(_value(cfg, env, "cluster_ca_certificate")).encode()
    if _value(cfg, env, "insecure") is not None:
        found["insecure"] = _truthy(_value(cfg, env, "insecure"))
    if not found.get("server"):
        raise SettingsError(
            "no cluster to talk to: set config_path (or KUBE_CONFIG_PATH) to a kubeconfig, "
            "or host and token"
        )
    conn = Connection(
        server=str(found["server"]),
        token=found.get("token"),
        ca_pem=found.get("ca_pem"),
        insecure=bool(found.get("insecure")),
        username=found.get("username"),
        password=found.get("password"),
    )
    return Settings(
        connection=conn,
        ignore_annotations=[re.compile(p) for p in cfg.get("ignore_annotations") or []],
        ignore_labels=[re.compile(p) for p in cfg.get("ignore_labels") or []],
        warnings=[warning] if warning else [],
        source=str(found.get("source", "")),
    )
