"""From Ingress objects to routes: host + path -> stable backend (+ canary), as ingress-nginx.

Rules ingress-nginx follows and so does this:

* only Ingresses of class `nginx` (`spec.ingressClassName` or the old
  `kubernetes.io/ingress.class` annotation) or of no class are served;
* for the same host and path, the oldest non-canary Ingress wins; a canary Ingress
  (`nginx.ingress.kubernetes.io/canary: "true"`) attaches to that one (the oldest canary,
  if there are several) and is ignored when there is none;
* a backend is the Service's ready pods on the Service port's targetPort; a canary without
  ready pods takes no traffic (ingress-nginx skips an alternative backend without
  endpoints), a stable backend without ready pods answers 503;
* `spec.defaultBackend` catches what no rule of any Ingress matches on the default server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import canary
from .canary import CanaryPolicy

Obj = dict[str, Any]
# (namespace, service name, service port number or name) -> loopback "host:port" of ready pods
Resolve = Callable[[str, str, int | str], tuple[str, ...]]
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
INGRESS_CLASS = "nginx"


@dataclass(frozen=True)
class Backend:
    namespace: str
    service: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    host: str  # "" = any host (the default server)
    path: str
    path_type: str  # Exact, Prefix, ImplementationSpecific
    ingress: str  # namespace/name of the Ingress that owns the route
    stable: Backend
    canary: Backend | None = None
    policy: CanaryPolicy | None = None
    canary_ingress: str = ""


@dataclass(frozen=True)
class _Rule:
    host: str
    path: str
    path_type: str
    namespace: str
    ingress: str
    service: str
    port: int | str
    is_canary: bool
    policy: CanaryPolicy | None

    @property
    def key(self) -> tuple[str, str]:
        path = self.path
        if self.path_type == "Prefix" and len(path) > 1:
            path = path.rstrip("/")
        return self.host, path


def served(ingress: Obj) -> bool:
    """True if ingress-nginx (class `nginx`) would serve this Ingress."""
    cls = (ingress.get("spec") or {}).get("ingressClassName")
    annotated = ((ingress.get("metadata") or {}).get("annotations") or {}).get(CLASS_ANNOTATION)
    return cls in (None, "", INGRESS_CLASS) and annotated in (None, "", INGRESS_CLASS)


def _backend_ref(backend: Obj) -> tuple[str, int | str] | None:
    svc = (backend or {}).get("service")
    if not isinstance(svc, dict) or not svc.get("name"):
        return None
    port = svc.get("port") or {}
    number = port.get("number")
    return str(svc["name"]), int(number) if number is not None else str(port.get("name", ""))


def _rules(ingress: Obj) -> tuple[list[_Rule], list[_Rule]]:
    """(rules, default backends) of one Ingress."""
    meta = ingress.get("metadata") or {}
    spec = ingress.get("spec") or {}
    ns, name = str(meta.get("namespace", "")), str(meta.get("name", ""))
    annotations = meta.get("annotations") or {}
    is_canary = canary.is_canary(annotations)
    policy = canary.parse(annotations)[0] if is_canary else None
    out: list[_Rule] = []
    for rule in spec.get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            ref = _backend_ref(path.get("backend") or {})
            if ref is None:
                continue
            out.append(
                _Rule(
                    str(rule.get("host") or ""),
                    str(path.get("path") or "/"),
                    str(path.get("pathType") or "Prefix"),
                    ns,
                    f"{ns}/{name}",
                    *ref,
                    is_canary,
                    policy,
                )
            )
    defaults = []
    ref = _backend_ref(spec.get("defaultBackend") or {})
    if ref is not None:
        defaults.append(_Rule("", "/", "Prefix", ns, f"{ns}/{name}", *ref, is_canary, policy))
    return out, defaults


def _age(ingress: Obj) -> tuple[str, str, str]:
    meta = ingress.get("metadata") or {}
    return (
        str(meta.get("creationTimestamp", "")),
        str(meta.get("namespace", "")),
        str(meta.get("name", "")),
    )


def build_routes(ingresses: list[Obj], resolve: Resolve) -> list[Route]:
    """The routes the router serves for these Ingresses, stable rules first by age."""
    rules: list[_Rule] = []
    fallbacks: list[_Rule] = []
    for ingress in sorted((i for i in ingresses if served(i)), key=_age):
        found, defaults = _rules(ingress)
        rules += found
        fallbacks += defaults
    mains: dict[tuple[str, str], _Rule] = {}
    canaries: dict[tuple[str, str], _Rule] = {}
    for rule in rules + fallbacks:
        table = canaries if rule.is_canary else mains
        table.setdefault(rule.key, rule)
    routes = []
    for key, main in mains.items():
        stable = Backend(
            main.namespace, main.service, resolve(main.namespace, main.service, main.port)
        )
        alt = canaries.get(key)
        canary_backend = None
        if alt is not None:
            addresses = resolve(alt.namespace, alt.service, alt.port)
            canary_backend = Backend(alt.namespace, alt.service, addresses) if addresses else None
        routes.append(
            Route(
                host=main.host,
                path=main.path,
                path_type=main.path_type,
                ingress=main.ingress,
                stable=stable,
                canary=canary_backend,
                policy=alt.policy if alt is not None and canary_backend is not None else None,
                canary_ingress=alt.ingress if alt is not None else "",
            )
        )
    return routes


def served_ingresses(ingresses: list[Obj]) -> list[Obj]:
    return [i for i in ingresses if served(i)]
