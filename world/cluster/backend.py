"""Kubernetes backends behind one interface: the local stand-in, or a real kind cluster.

    with LocalClusterStandIn(run_id, workdir) as cluster:  # on engine.current()
        print(cluster.describe())
        # terraform apply with KUBECONFIG=cluster.kubeconfig_path, then
        httpx.get(cluster.ingress_url, headers={"Host": "app.example.com"})
        cluster.endpoints("prod", "web")  # [(pod name, "127.0.0.1:PORT")] for /metrics

`LocalClusterStandIn` = API-server stand-in (api.py, store.py) + controller (pods as Docker
containers) + a real nginx router with ingress-nginx's canary semantics. `stop()` removes
every container, network and process it made; `leftovers()` lists whatever is still there.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import httpx
from docker.errors import DockerException, NotFound

from harness import engine
from world.lifecycle import Managed

from . import runtime
from .admission import Admission
from .api import ApiServer
from .controller import Controller
from .kind import KindCluster
from .kubeconfig import write_kubeconfig
from .router import NginxContainer, NginxProcess, Router, nginx_binary, port_open
from .router_image import ensure_router_image
from .store import Store
from .tls import make_server_tls

RouterMode = Literal["auto", "process", "container"]


@runtime_checkable
class ClusterBackend(Protocol):
    """What the harness needs from a Kubernetes cluster, stand-in or real."""

    name: str
    is_stand_in: bool

    @property
    def kubeconfig_path(self) -> Path: ...

    @property
    def ingress_url(self) -> str: ...

    @property
    def registry(self) -> str | None:
        """The registry (host:port) image references use; the cluster pulls from it."""
        ...

    def start(self) -> ClusterBackend: ...

    def stop(self) -> None: ...

    def describe(self) -> str: ...

    def endpoints(
        self, namespace: str, service: str, port: int | str | None = None
    ) -> list[tuple[str, str]]: ...

    def leftovers(self) -> list[str]: ...

    def wait_synced(self, timeout: float = 10.0) -> bool:
        """Wait until what was written to the API is running and routed; False on timeout."""
        ...

    def warnings(self, namespace: str) -> list[str]:
        """Warning events of the namespace's pods, oldest first ("pod NS/NAME Reason: ...")."""
        ...


BACKENDS = ("stand-in", "kind")


def open_cluster(
    backend: str, run_id: str, workdir: Path, *, registry: str | None = None
) -> ClusterBackend:
    """An unstarted cluster of the chosen backend (`with` it, or start() and stop()), on
    `engine.current()`.

    "stand-in" (the default) runs anywhere with a Docker engine and nginx; "kind" needs the
    kind and kubectl binaries and the kindest/node image (or internet to pull it).
    """
    if backend == "kind":
        from .router import free_port

        return KindCluster(run_id, workdir, ingress_port=free_port(), registry=registry)
    if backend != "stand-in":
        raise ValueError(f"unknown cluster backend {backend!r}; choose one of {BACKENDS}")
    return LocalClusterStandIn(run_id, workdir, registry=registry)


class LocalClusterStandIn(Managed):
    """A one-node Kubernetes stand-in on the local Docker engine, everything on loopback."""

    name = "local-stand-in"
    is_stand_in = True

    def __init__(
        self,
        run_id: str,
        workdir: Path,
        *,
        registry: str | None = None,
        router: RouterMode = "auto",
        cluster_id: str | None = None,
        drain: float = 1.0,
        tls: bool = False,
    ) -> None:
        self.run_id = run_id
        self.workdir = Path(workdir)
        self._registry = registry
        self.router_mode = router
        self.cluster_id = cluster_id or secrets.token_hex(4)
        self.drain = drain
        self.tls = tls
        self.ca_pem: bytes | None = None
        self.token = secrets.token_urlsafe(32)
        self.store = Store(Admission())
        self.network_name = f"kata-k8s-{self.cluster_id}"
        self.router: Router | None = None
        self.controller: Controller | None = None
        self.api: ApiServer | None = None
        self._api_port = 0

    # --- ClusterBackend --------------------------------------------------------------------

    @property
    def kubeconfig_path(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def ingress_url(self) -> str:
        if self.router is None:
            raise AttributeError("the cluster is not started: no URL yet")
        return self.router.url

    @property
    def api_url(self) -> str:
        if self.api is None:
            raise AttributeError("the cluster is not started: no URL yet")
        return self.api.url

    @property
    def registry(self) -> str | None:
        return self._registry

    @property
    def labels(self) -> dict[str, str]:
        return {runtime.RUN_LABEL: self.run_id, runtime.CLUSTER_LABEL: self.cluster_id}

    def _make_router(self) -> Router:
        directory = self.workdir / "router"
        directory.mkdir(parents=True, exist_ok=True)
        binary = nginx_binary()
        if self.router_mode == "process" or (self.router_mode == "auto" and binary):
            return NginxProcess(directory, binary)
        image = ensure_router_image()
        return NginxContainer(directory, image, f"kata-k8s-{self.cluster_id}-router", self.labels)

    def start(self) -> LocalClusterStandIn:
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            runtime.create_network(self.network_name, self.labels)
            self.router = self._make_router()
            self.router.start()
            self.controller = Controller(
                self.store,
                cluster_id=self.cluster_id,
                run_id=self.run_id,
                network=self.network_name,
                router=self.router,
                drain=self.drain,
            )
            self.controller.start()
            context = None
            if self.tls:
                server_tls = make_server_tls(self.workdir / "pki", f"kata-{self.cluster_id}")
                self.ca_pem, context = server_tls.ca_pem, server_tls.context()
            self.api = ApiServer(self.store, self.token, pods=self.controller, tls=context)
            self.api.start()
            self._api_port = self.api.port
            write_kubeconfig(
                self.kubeconfig_path,
                f"kata-{self.cluster_id}",
                self.api.url,
                self.token,
                self.ca_pem,
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Remove everything this cluster made; safe to call twice."""
        if self.api is not None:
            self.api.stop()
        if self.controller is not None:
            self.controller.stop()
        if self.router is not None:
            self.router.stop()
        with contextlib.suppress(DockerException):
            for container in runtime.cluster_containers(self.cluster_id, False):
                runtime.remove_container(container)
        try:
            for net in engine.current().networks(labels={runtime.CLUSTER_LABEL: self.cluster_id}):
                with contextlib.suppress(NotFound):
                    net.remove()
        except DockerException:
            pass

    def describe(self) -> str:
        router = getattr(self.router, "kind", "nginx")
        api = self.api.url if self.api is not None else "(not started)"
        scheme = "https, cluster CA" if self.tls else "plain http"
        ingress = self.router.url if self.router is not None else "(not started)"
        return (
            f"Kubernetes: LOCAL STAND-IN {self.cluster_id} (not a real cluster): API {api} "
            f"({scheme}, bearer token), ingress {ingress} via {router}, pods as Docker "
            f"containers on network {self.network_name}"
        )

    def endpoints(
        self, namespace: str, service: str, port: int | str | None = None
    ) -> list[tuple[str, str]]:
        if self.controller is None:
            return []
        return self.controller.endpoints(namespace, service, port)

    def wait_synced(self, timeout: float = 10.0) -> bool:
        """Wait until everything written to the API so far is applied (pods started or
        stopped as far as one pass goes, the router reloaded); False on timeout."""
        return self.controller is not None and self.controller.wait_synced(timeout)

    def warnings(self, namespace: str) -> list[str]:
        return self.controller.warnings(namespace) if self.controller is not None else []

    def leftovers(self) -> list[str]:
        """Everything of this cluster still alive: containers, networks, processes, ports."""
        found = []
        for name in runtime.cluster_containers(self.cluster_id, pods_only=False):
            found.append(f"container {name}")
        for net in engine.current().networks(labels={runtime.CLUSTER_LABEL: self.cluster_id}):
            found.append(f"network {net.name}")
        if self.router is not None:
            found += self.router.leftovers()
            if self.router.port and port_open(self.router.port):
                found.append(f"ingress port 127.0.0.1:{self.router.port} still open")
        if self.controller is not None and self.controller.running:
            found.append("controller threads still running")
        if self.api is not None and self.api.running:
            found.append("API server thread still running")
        if self._api_port and port_open(self._api_port):
            found.append(f"API port 127.0.0.1:{self._api_port} still open")
        return found

    # --- conveniences ----------------------------------------------------------------------

    def http(self) -> httpx.Client:
        """An httpx client for the API server, authenticated with the cluster's token."""
        return httpx.Client(
            base_url=self.api_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )


__all__ = ["BACKENDS", "ClusterBackend", "KindCluster", "LocalClusterStandIn", "open_cluster"]
