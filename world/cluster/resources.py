"""The resource types the API-server stand-in serves: paths, kinds and verbs."""

from __future__ import annotations

from dataclasses import dataclass

ALL_VERBS = ("create", "delete", "get", "list", "patch", "update")


@dataclass(frozen=True)
class Resource:
    """One REST resource, as discovery (`/api/v1`, `/apis/GROUP/VERSION`) lists it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    has_status: bool = True
    stored: bool = True  # False: derived from the running containers (pods)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, `services`: how Kubernetes names the type in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_kind(self) -> str:
        """`Deployment.apps`, `Service`: the prefix of an Invalid message."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def singular(self) -> str:
        return self.kind.lower()


NAMESPACES = Resource("", "v1", "Namespace", "namespaces", namespaced=False, short_names=("ns",))
SERVICES = Resource("", "v1", "Service", "services", short_names=("svc",))
SECRETS = Resource("", "v1", "Secret", "secrets", has_status=False)
CONFIGMAPS = Resource("", "v1", "ConfigMap", "configmaps", short_names=("cm",), has_status=False)
PODS = Resource(
    "", "v1", "Pod", "pods", short_names=("po",), verbs=("delete", "get", "list"), stored=False
)
DEPLOYMENTS = Resource("apps", "v1", "Deployment", "deployments", short_names=("deploy",))
INGRESSES = Resource("networking.k8s.io", "v1", "Ingress", "ingresses", short_names=("ing",))

RESOURCES: tuple[Resource, ...] = (
    NAMESPACES,
    SERVICES,
    SECRETS,
    CONFIGMAPS,
    PODS,
    DEPLOYMENTS,
    INGRESSES,
)
STORED: tuple[Resource, ...] = tuple(r for r in RESOURCES if r.stored)
NAMESPACED_STORED: tuple[Resource, ...] = tuple(r for r in STORED if r.namespaced)


def lookup(group: str, version: str, plural: str) -> Resource | None:
    """The resource served at `/api/v1/PLURAL` (group "") or `/apis/GROUP/VERSION/PLURAL`."""
    for res in RESOURCES:
        if (res.group, res.version, res.plural) == (group, version, plural):
            return res
    return None


def groups() -> dict[str, list[Resource]]:
    """Resources by API group version, `v1` for the core group."""
    out: dict[str, list[Resource]] = {}
    for res in RESOURCES:
        out.setdefault(res.api_version, []).append(res)
    return out
