"""The kubeconfig a client (kubectl, a Terraform provider) uses to reach the stand-in.

By default the stand-in speaks plain HTTP on loopback, so the cluster entry is `server:
http://127.0.0.1:PORT` with no certificate data (and no `insecure-skip-tls-verify`: there is
no TLS to skip). With TLS on, it is `https://127.0.0.1:PORT` plus the cluster's own CA as
`certificate-authority-data`. The user authenticates with a bearer token made for this
cluster only.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import yaml


def kubeconfig(
    name: str, server: str, token: str, namespace: str = "default", ca_pem: bytes | None = None
) -> dict[str, Any]:
    user = f"{name}-admin"
    cluster: dict[str, Any] = {"server": server}
    if ca_pem:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": user, "namespace": namespace}}
        ],
        "current-context": name,
        "preferences": {},
    }


def write_kubeconfig(
    path: Path, name: str, server: str, token: str, ca_pem: bytes | None = None
) -> Path:
    """Write the kubeconfig, readable by its owner only (it holds the token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(kubeconfig(name, server, token, ca_pem=ca_pem), sort_keys=False)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    return path
