"""The API-server stand-in: a JSON-only subset of the Kubernetes REST API over plain HTTP.

    server = ApiServer(Store(Admission()), token="...").start()   # 127.0.0.1, a free port
    httpx.get(f"{server.url}/apis/apps/v1/namespaces/default/deployments",
              headers={"Authorization": f"Bearer {token}"})

It is `http.server` (standard library, one thread per connection) rather than FastAPI so that
the harness needs no web framework at run time and every status code, header and body is
exactly what the handler writes. See world/cluster/README.md for the API subset served.

Longer than the kata's usual module, on purpose: routing, verbs, watches, patches and status
codes are one request handler whose parts share the request's state.
"""

from __future__ import annotations

import json
import re
import secrets
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from . import patch as patches
from . import selectors
from .errors import (
    ApiError,
    bad_request,
    method_not_allowed,
    not_found,
    path_not_found,
    unauthorized,
    unsupported_media_type,
)
from .resources import DEPLOYMENTS, PODS, Resource, groups, lookup
from .store import Mutate, Obj, Store

VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.0-kata-stand-in",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-04-17T00:00:00Z",
    "goVersion": "go1.22.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}
PUBLIC_PATHS = ("/version", "/healthz", "/readyz", "/livez")
_RESOURCE_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?$"
)


class PodSource(Protocol):
    """Where pods come from: the controller, which derives them from running containers."""

    def pods(self, namespace: str | None) -> list[Obj]: ...

    def delete_pod(self, namespace: str, name: str) -> Obj | None: ...

    def pod_log(self, namespace: str, name: str, tail_lines: int | None) -> str | None: ...


@dataclass(frozen=True)
class Response:
    code: int
    body: Any  # a JSON-able object, or str for text/plain
    content_type: str = "application/json"


@dataclass(frozen=True)
class Target:
    """What a resource path names."""

    res: Resource
    namespace: str | None  # None: all namespaces (a cluster-wide list) or cluster-scoped
    name: str
    sub: str


def success(res: Resource, obj: Obj) -> Obj:
    meta = obj.get("metadata") or {}
    details: Obj = {"name": meta.get("name", ""), "kind": res.plural, "uid": meta.get("uid", "")}
    if res.group:
        details["group"] = res.group
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def _resource_entry(res: Resource) -> list[Obj]:
    main: Obj = {
        "name": res.plural,
        "singularName": res.singular,
        "namespaced": res.namespaced,
        "kind": res.kind,
        "verbs": list(res.verbs),
    }
    if res.short_names:
        main["shortNames"] = list(res.short_names)
    entries = [main]
    if res.has_status and res.stored:
        entries.append(
            {
                "name": f"{res.plural}/status",
                "singularName": "",
                "namespaced": res.namespaced,
                "kind": res.kind,
                "verbs": ["get", "patch", "update"],
            }
        )
    if res is DEPLOYMENTS:
        entries.append(
            {
                "name": "deployments/scale",
                "singularName": "",
                "namespaced": True,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": ["get", "patch", "update"],
            }
        )
    if res is PODS:
        entries.append(
            {
                "name": "pods/log",
                "singularName": "",
                "namespaced": True,
                "kind": "Pod",
                "verbs": ["get"],
            }
        )
    return entries


def discovery(path: str) -> Obj | None:
    """`/api`, `/apis`, `/apis/GROUP` and the resource lists, or None for other paths."""
    by_gv = groups()
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    named = {gv: rs for gv, rs in by_gv.items() if "/" in gv}

    def group(gv: str) -> Obj:
        name, version = gv.split("/")
        entry = {"groupVersion": gv, "version": version}
        return {"name": name, "versions": [entry], "preferredVersion": entry}

    if path == "/apis":
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [group(g) for g in named]}
    for gv in named:
        if path == f"/apis/{gv.split('/')[0]}":
            return {"kind": "APIGroup", "apiVersion": "v1", **group(gv)}
    for gv, resources in by_gv.items():
        if path == ("/api/v1" if gv == "v1" else f"/apis/{gv}"):
            listed = [entry for res in resources for entry in _resource_entry(res)]
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": gv,
                "resources": listed,
            }
    return None


def parse_target(path: str) -> Target | None:
    m = _RESOURCE_PATH.match(path)
    if m is None:
        return None
    group, version = ("", "v1") if m["core"] else (m["group"], m["version"])
    res = lookup(group, version, m["plural"])
    if res is None:
        return None
    if res.namespaced:
        namespace = m["ns"]
    elif m["ns"] is not None:
        return None
    else:
        namespace = ""
    if namespace is None and m["name"]:
        return None
    return Target(res, namespace, m["name"] or "", m["sub"] or "")


class ApiServer:
    """The HTTP front of a Store, with bearer-token auth; `start()` picks a free port."""

    def __init__(
        self,
        store: Store,
        token: str | None = None,
        pods: PodSource | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.store = store
        self.token = token or secrets.token_urlsafe(32)
        self.pods = pods
        self.tls = tls
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the API server is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> ApiServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        if self.tls is not None:  # the handshake happens in the handler's thread
            httpd.socket = self.tls.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        httpd.api = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="kata-k8s-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    # --- request handling (pure: no sockets) -----------------------------------------------

    def authorized(self, headers: Mapping[str, str]) -> bool:
        value = headers.get("Authorization") or headers.get("authorization") or ""
        scheme, _, token = value.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(token.strip(), self.token)

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Response:
        """Answer one request; API errors come back as Status responses."""
        try:
            return self._route(method, path.rstrip("/") or "/", query, headers, body)
        except ApiError as exc:
            return Response(exc.code, exc.status())

    def _route(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Response:
        if path == "/version" and method == "GET":
            return Response(200, VERSION)
        if path in PUBLIC_PATHS[1:] and method == "GET":
            return Response(200, "ok", "text/plain; charset=utf-8")
        if not self.authorized(headers):
            raise unauthorized()
        if method == "GET" and (doc := discovery(path)) is not None:
            return Response(200, doc)
        if query.get("watch", "").lower() in ("true", "1") or "/watch/" in path:
            raise ApiError(
                405,
                "MethodNotAllowed",
                "watch is not supported by the kata stand-in: poll with GET instead",
            )
        target = parse_target(path)
        if target is None:
            raise path_not_found(path)
        if not target.res.stored:
            return self._pods(method, target, query)
        dry_run = query.get("dryRun", "") == "All"
        if not target.name:
            if method == "GET":
                return self._list(target, query)
            if method == "POST" and target.namespace is not None:
                obj = self.store.create(target.res, target.namespace, _json(body), dry_run=dry_run)
                return Response(201, obj)
            raise method_not_allowed()
        ns = target.namespace or ""
        res, name = target.res, target.name
        if target.sub == "scale" and res is DEPLOYMENTS:
            return self._scale(method, ns, name, headers, body, dry_run)
        if target.sub not in ("", "status"):
            raise path_not_found(path)
        if method == "GET":
            return Response(200, self.store.get(res, ns, name))
        if method == "DELETE" and not target.sub:
            deleted = self.store.delete(res, ns, name, dry_run=dry_run)
            return Response(200, success(res, deleted))
        if method == "PUT":
            new = _json(body)
            given = ((new or {}).get("metadata") or {}).get("name") if isinstance(new, dict) else ""
            if given and given != name:
                raise bad_request(
                    f"the name of the object ({given}) does not match the name on the URL ({name})"
                )
            obj = self.store.update(
                res, ns, name, lambda _old: new, subresource=target.sub, dry_run=dry_run
            )
            return Response(200, obj)
        if method == "PATCH":
            apply = _patcher(
                headers.get("Content-Type") or headers.get("content-type") or "", _json(body)
            )
            obj = self.store.update(res, ns, name, apply, subresource=target.sub, dry_run=dry_run)
            return Response(200, obj)
        raise method_not_allowed()

    def _scale(
        self,
        method: str,
        ns: str,
        name: str,
        headers: Mapping[str, str],
        body: bytes,
        dry_run: bool,
    ) -> Response:
        """The `scale` subresource (autoscaling/v1 Scale) of a Deployment."""
        if method in ("PUT", "PATCH"):
            old = scale_of(self.store.get(DEPLOYMENTS, ns, name))
            if method == "PUT":
                wanted = _json(body)
            else:
                content_type = headers.get("Content-Type") or headers.get("content-type") or ""
                wanted = _patcher(content_type, _json(body))(old)
            replicas = ((wanted or {}).get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or isinstance(replicas, bool):
                raise bad_request("a Scale needs spec.replicas (an integer)")
            rv = str(((wanted or {}).get("metadata") or {}).get("resourceVersion") or "")

            def apply(obj: Obj) -> Obj:
                obj["spec"]["replicas"] = replicas
                obj["metadata"]["resourceVersion"] = rv or obj["metadata"]["resourceVersion"]
                return obj

            self.store.update(DEPLOYMENTS, ns, name, apply, dry_run=dry_run)
        elif method != "GET":
            raise method_not_allowed()
        return Response(200, scale_of(self.store.get(DEPLOYMENTS, ns, name)))

    def _list(self, target: Target, query: Mapping[str, str]) -> Response:
        selector = selectors.parse(query.get("labelSelector", ""))
        items, rv = self.store.list(
            target.res,
            target.namespace if target.res.namespaced else None,
            selector,
            query.get("fieldSelector", ""),
        )
        return Response(200, _list_body(target.res, items, rv))

    def _pods(self, method: str, target: Target, query: Mapping[str, str]) -> Response:
        source = self.pods
        ns = target.namespace
        if method == "GET" and not target.name:
            selector = selectors.parse(query.get("labelSelector", ""))
            fields = query.get("fieldSelector", "")
            found = [
                p
                for p in (source.pods(ns) if source else [])
                if selector.matches(p["metadata"].get("labels"))
                and (not fields or selectors.field_matches(p, fields))
            ]
            return Response(200, _list_body(PODS, found, str(self.store.revision)))
        if ns is None or not target.name:
            raise method_not_allowed()
        if method == "GET" and target.sub == "log":
            tail = query.get("tailLines", "")
            text = (
                source.pod_log(ns, target.name, int(tail) if tail.isdigit() else None)
                if source
                else None
            )
            if text is None:
                raise not_found(PODS, target.name)
            return Response(200, text, "text/plain; charset=utf-8")
        if target.sub:
            raise path_not_found(f"pods/{target.sub}")
        if method == "GET":
            for pod in source.pods(ns) if source else []:
                if pod["metadata"]["name"] == target.name:
                    return Response(200, pod)
            raise not_found(PODS, target.name)
        if method == "DELETE":
            deleted = source.delete_pod(ns, target.name) if source else None
            if deleted is None:
                raise not_found(PODS, target.name)
            return Response(200, success(PODS, deleted))
        raise method_not_allowed()


def scale_of(deploy: Obj) -> Obj:
    meta = deploy["metadata"]
    labels = (deploy["spec"].get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        },
        "spec": {"replicas": deploy["spec"].get("replicas", 1)},
        "status": {
            "replicas": (deploy.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        },
    }


def _list_body(res: Resource, items: list[Obj], rv: str) -> Obj:
    """A list as the API server sends it: items without their kind and apiVersion."""
    for item in items:
        item.pop("kind", None)
        item.pop("apiVersion", None)
    return {
        "kind": res.list_kind,
        "apiVersion": res.api_version,
        "metadata": {"resourceVersion": rv},
        "items": items,
    }


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise bad_request(f"the request body is not valid JSON: {exc}") from exc


def _patcher(content_type: str, patch: Any) -> Mutate:
    media = content_type.split(";")[0].strip().lower()
    if media in (patches.MERGE, patches.STRATEGIC):
        if not isinstance(patch, dict):
            raise bad_request("a merge patch must be a JSON object")
        return lambda old: patches.merge_patch(old, patch)
    if media == patches.JSON_PATCH:
        return lambda old: patches.json_patch(old, patch)
    raise unsupported_media_type(content_type)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kata-k8s-api"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: the harness reports what matters

    def _serve(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        api: ApiServer = self.server.api  # type: ignore[attr-defined]
        resp = api.handle(self.command, url.path, query, dict(self.headers.items()), body)
        if isinstance(resp.body, str):
            data = resp.body.encode()
        else:
            data = json.dumps(resp.body, separators=(",", ":")).encode()
        self.send_response(resp.code)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
