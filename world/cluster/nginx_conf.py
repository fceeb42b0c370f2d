"""The router's nginx.conf, rendered from routes: pure text, no I/O.

Per route (host + path) there is an `upstream` of the stable Service's ready pods and, with a
canary, one of the canary's pods plus a *split* upstream holding both, weighted so that the
canary gets `weight/total` of the requests. nginx's smooth weighted round robin makes the
split exact: every `sum(weights)` requests, each server gets exactly its weight (per worker;
one worker runs). ingress-nginx draws a random number per request instead; the expected share
is the same, the stand-in's has no variance.

Header and cookie rules are `map`s that pick the stable or canary upstream outright, header
before cookie before weight (ingress-nginx's precedence); the weight applies when neither
decides. `X-Kata-Upstream: <service>` on every proxied response names the Service whose pod
answered (a stand-in addition for counting, not an ingress-nginx feature).

nginx reloads on every change (ingress-nginx changes endpoints and canary weights through its
Lua balancer without one). A reload closes idle keep-alive connections, and a request sent
on one at that instant would be lost, so the router answers every request with
`Connection: close` (`keepalive_timeout 0`): each request comes on a new connection, which
the listening socket hands to whichever worker is current. Nothing is lost; each request
costs one more loopback TCP handshake.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from .canary import CanaryPolicy
from .routes import Route

UPSTREAM_HEADER = "X-Kata-Upstream"
_SPECIAL_MAP_KEYS = ("default", "hostnames", "include", "volatile")


def quote(text: str) -> str:
    """A double-quoted nginx string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def map_key(value: str) -> str:
    """An exact-match `map` key for `value` (escaping what nginx would read specially)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    if value.startswith("~") or value in _SPECIAL_MAP_KEYS:
        escaped = "\\" + escaped
    return f'"{escaped}"'


def location_specs(route: Route) -> list[str]:
    """nginx `location` arguments for a route, as ingress-nginx maps path types."""
    path = route.path
    if route.path_type == "Exact":
        return [f"= {path}"]
    if route.path_type == "Prefix":
        if path == "/":
            return ["/"]
        trimmed = path.rstrip("/")
        return [f"{trimmed}/", f"= {trimmed}"]
    return [path]


def split_weights(policy: CanaryPolicy, n_stable: int, n_canary: int) -> tuple[int, int]:
    """Per-server weights (stable, canary) giving the canary `weight/total` of requests;
    0 means that side takes no share."""
    share_stable, share_canary = policy.total - policy.weight, policy.weight
    if share_canary <= 0 or n_canary == 0:
        return 1, 0
    if share_stable <= 0:
        return 0, 1
    ws, wc = share_stable * n_canary, share_canary * n_stable
    g = math.gcd(ws, wc)
    return ws // g, wc // g


def _upstream(name: str, servers: Iterable[tuple[str, int]]) -> list[str]:
    lines = [f"upstream {name} {{"]
    for address, weight in servers:
        extra = f" weight={weight}" if weight != 1 else ""
        lines.append(f"    server {address}{extra} max_fails=0;")
    return [*lines, "}"]


def _addr_regex(address: str) -> str:
    return "~(^|, )" + re.escape(address).replace("\\:", ":") + "$"


def _route_blocks(index: int, route: Route) -> tuple[list[str], list[str]]:
    """(http-level lines, location body lines) for one route."""
    prefix = f"kata_r{index}"
    http: list[str] = [
        f"# route {index}: {route.host or '*'} {route.path} ({route.path_type})"
        f" from {route.ingress}"
    ]
    stable, alt, policy = route.stable, route.canary, route.policy
    if not stable.addresses:
        return http, ["return 503;"]
    http += _upstream(f"{prefix}_stable", ((a, 1) for a in stable.addresses))
    if alt is None or policy is None:
        return http, [
            f"proxy_pass http://{prefix}_stable;",
            f"add_header {UPSTREAM_HEADER} {quote(stable.service)} always;",
        ]
    http += _upstream(f"{prefix}_canary", ((a, 1) for a in alt.addresses))
    ws, wc = split_weights(policy, len(stable.addresses), len(alt.addresses))
    servers = [(a, ws) for a in stable.addresses if ws] + [(a, wc) for a in alt.addresses if wc]
    http += _upstream(f"{prefix}_split", servers)
    header_var, cookie_var = f"${prefix}_by_header", f"${prefix}_by_cookie"
    if policy.header:
        http.append(f"map $http_{policy.header.lower().replace('-', '_')} {header_var} {{")
        if policy.header_value:
            http.append(f"    {map_key(policy.header_value)} canary;")
        elif policy.header_pattern:
            pattern = policy.header_pattern.replace("\\", "\\\\").replace('"', '\\"')
            http.append(f'    "~{pattern}" canary;')
        else:
            http += ["    always canary;", "    never stable;"]
        http += ['    default "";', "}"]
    if policy.cookie:
        http += [
            f"map $cookie_{policy.cookie} {cookie_var} {{",
            "    always canary;",
            "    never stable;",
            '    default "";',
            "}",
        ]
    target = f"{prefix}_split"
    if policy.header or policy.cookie:
        source = f"{header_var if policy.header else ''}:{cookie_var if policy.cookie else ''}"
        target = f"${prefix}_target"
        http += [
            f'map "{source}" {target} {{',
            f"    ~^canary {prefix}_canary;",
            f"    ~^stable {prefix}_stable;",
            f'    ":canary" {prefix}_canary;',
            f'    ":stable" {prefix}_stable;',
            f"    default {prefix}_split;",
            "}",
        ]
    http += [
        f"map $upstream_addr ${prefix}_service {{",
        *(f'    "{_addr_regex(a)}" {quote(alt.service)};' for a in alt.addresses),
        f"    default {quote(stable.service)};",
        "}",
    ]
    return http, [
        f"proxy_pass http://{target};",
        f"add_header {UPSTREAM_HEADER} ${prefix}_service always;",
    ]


def render(routes: list[Route], port: int, workdir: Path) -> str:
    """The whole nginx.conf for a router listening on 127.0.0.1:`port`."""
    http: list[str] = []
    servers: dict[str, dict[str, list[str]]] = {"": {}}
    for index, route in enumerate(routes):
        lines, body = _route_blocks(index, route)
        http += lines
        locations = servers.setdefault(route.host, {})
        for spec in location_specs(route):
            locations.setdefault(spec, body)
    out = [
        "# generated by world.cluster (kata cluster stand-in): do not edit",
        "worker_processes 1;",
        "daemon off;",
        f"pid {workdir / 'nginx.pid'};",
        f"error_log {workdir / 'error.log'} warn;",
        "events { worker_connections 1024; }",
        "http {",
        "    default_type text/plain;",
        # $pid tells the workers apart: after a reload the old one finishes what it accepted
        '    log_format kata \'$pid $msec $remote_addr "$host" "$request" $status\'',
        "                    ' $body_bytes_sent $upstream_addr $upstream_status $request_time';",
        f"    access_log {workdir / 'access.log'} kata buffer=16k flush=1s;",
        f"    client_body_temp_path {workdir / 'tmp' / 'body'};",
        f"    proxy_temp_path {workdir / 'tmp' / 'proxy'};",
        f"    fastcgi_temp_path {workdir / 'tmp' / 'fastcgi'};",
        f"    uwsgi_temp_path {workdir / 'tmp' / 'uwsgi'};",
        f"    scgi_temp_path {workdir / 'tmp' / 'scgi'};",
        "    server_tokens off;",
        "    keepalive_timeout 0;  # see the docstring: no idle connection for a reload to cut",
        "    client_max_body_size 1m;",
        "    client_body_buffer_size 1m;",
        "    proxy_max_temp_file_size 0;",
        "    proxy_http_version 1.1;",
        "    proxy_set_header Host $host;",
        '    proxy_set_header Connection "";',
        "    proxy_set_header X-Real-IP $remote_addr;",
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "    proxy_set_header X-Forwarded-Host $host;",
        "    proxy_set_header X-Forwarded-Proto $scheme;",
        "    proxy_set_header X-Request-ID $request_id;",
        "    proxy_connect_timeout 5s;",
        "    proxy_read_timeout 60s;",
        "    proxy_send_timeout 60s;",
        "    proxy_next_upstream error timeout;",
        "    proxy_next_upstream_tries 3;",
        "    map_hash_bucket_size 128;",
        "    server_names_hash_bucket_size 128;",
        *(f"    {line}" for line in http),
    ]
    for host, locations in servers.items():
        listen = f"127.0.0.1:{port}" + (" default_server" if host == "" else "")
        out += ["    server {", f"        listen {listen};", f"        server_name {host or '_'};"]
        if "/" not in locations:
            locations["/"] = ['return 404 "default backend - 404\\n";']
        for spec, body in locations.items():
            out.append(f"        location {spec} {{")
            out += [f"            {line}" for line in body]
            out.append("        }")
        out.append("    }")
    out.append("}")
    return "\n".join(out) + "\n"
