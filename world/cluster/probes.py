"""Container probes (httpGet, tcpSocket, exec), run by the controller against loopback ports.

A pod's container ports are published on 127.0.0.1, so a probe reaches the container the way
the kubelet would reach the pod IP: `GET http://127.0.0.1:<host port><path>`; any status from
200 to 399 is a success, anything else (or no answer within timeoutSeconds) a failure.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping
from functools import cache
from typing import Any

from harness import engine

from .pods import Pod


def _port(pod: Pod, handler: Mapping[str, Any]) -> int | None:
    port = handler.get("port")
    return pod.port(port) if isinstance(port, int | str) else None


@cache
def _unverified() -> ssl.SSLContext:
    """The kubelet does not verify a probe's certificate; one context serves every probe."""
    return ssl._create_unverified_context()


def _http_get(https: bool, port: int, path: str, headers: dict[str, str], timeout: float) -> bool:
    """One GET on a fresh connection, as the kubelet does: cheap, so a loaded machine does
    not turn slow probe set-up into failed probes."""
    conn: http.client.HTTPConnection = (
        http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=_unverified())
        if https
        else http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    )
    try:
        conn.request("GET", path, headers={"Connection": "close", **headers})
        return 200 <= conn.getresponse().status < 400
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def run_probe(probe: Mapping[str, Any], pod: Pod) -> bool:
    """True if `probe` succeeds against `pod` now."""
    timeout = float(probe.get("timeoutSeconds", 1))
    if "httpGet" in probe:
        handler = probe["httpGet"]
        host_port = _port(pod, handler)
        if host_port is None:
            return False
        headers = {h["name"]: h["value"] for h in handler.get("httpHeaders") or []}
        return _http_get(
            str(handler.get("scheme", "HTTP")).upper() == "HTTPS",
            host_port,
            str(handler.get("path", "/")),
            headers,
            timeout,
        )
    if "tcpSocket" in probe:
        host_port = _port(pod, probe["tcpSocket"])
        if host_port is None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", host_port), timeout=timeout) as conn:
                conn.settimeout(0.05)
                try:
                    # the engine's port proxy accepts even when nothing listens inside:
                    # it then closes at once, which reads as EOF
                    return conn.recv(1, socket.MSG_PEEK) != b""
                except TimeoutError:
                    return True
        except OSError:
            return False
    if "exec" in probe:
        try:
            exit_code, _output = engine.current().exec(
                pod.container_id, list(probe["exec"].get("command") or [])
            )
        except Exception:
            return False
        return exit_code == 0
    return False
