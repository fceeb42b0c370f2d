"""Fixtures for the Kubernetes stand-in: the API alone, the engine guard, the test app image,
a shared cluster, and helpers to build objects and wait for them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from world.cluster import LocalClusterStandIn
from world.cluster.admission import Admission
from world.cluster.api import ApiServer
from world.cluster.store import Store

TOKEN = "test-token"
HOST = "app.example.com"


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    """An API server alone (no Docker), and a client holding its token."""
    server = ApiServer(Store(Admission()), token=TOKEN).start()
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"})
    yield client
    client.close()
    server.stop()


def new_run_id() -> str:
    return "t" + uuid.uuid4().hex[:9]


@pytest.fixture(scope="session")
def cluster(
    docker_client: Any, app_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalClusterStandIn]:
    """One cluster for the tests that only add namespaces of their own to it."""
    run_id = new_run_id()
    with LocalClusterStandIn(run_id, tmp_path_factory.mktemp("k8s")) as c:
        yield c
    assert c.leftovers() == []


@pytest.fixture
def kube(cluster: LocalClusterStandIn) -> Iterator[httpx.Client]:
    with cluster.http() as client:
        yield client


@pytest.fixture
def namespace(kube: httpx.Client) -> Iterator[str]:
    name = "t-" + uuid.uuid4().hex[:8]
    kube.post("/api/v1/namespaces", json={"metadata": {"name": name}}).raise_for_status()
    yield name
    kube.delete(f"/api/v1/namespaces/{name}")


# --- object builders ---------------------------------------------------------------------


def deployment(
    name: str,
    image: str,
    *,
    replicas: int = 2,
    labels: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    probe: bool = True,
) -> dict[str, Any]:
    labels = labels or {"app": name}
    container: dict[str, Any] = {
        "name": "app",
        "image": image,
        "ports": [{"containerPort": 8080, "name": "http"}],
        "env": [{"name": k, "value": v} for k, v in (env or {}).items()],
    }
    if probe:
        container["readinessProbe"] = {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 1,
            # Tolerant of a slow answer on a loaded 2-core CI machine: one late probe
            # must not take the only ready pod out of the router (that gave 503s).
            "timeoutSeconds": 3,
            "failureThreshold": 3,
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "selector": selector,
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def ingress(
    name: str, backend: str, annotations: dict[str, str] | None = None, host: str = HOST
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": backend, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def canary(weight: int | None = None, **extra: str) -> dict[str, str]:
    ann = {"nginx.ingress.kubernetes.io/canary": "true"}
    if weight is not None:
        ann["nginx.ingress.kubernetes.io/canary-weight"] = str(weight)
    for key, value in extra.items():
        ann[f"nginx.ingress.kubernetes.io/canary-{key.replace('_', '-')}"] = value
    return ann


PATHS = {
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "Service": "/api/v1/namespaces/{ns}/services",
    "Ingress": "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
    "Secret": "/api/v1/namespaces/{ns}/secrets",
}


def create(kube: httpx.Client, ns: str, obj: dict[str, Any]) -> dict[str, Any]:
    resp = kube.post(PATHS[obj["kind"]].format(ns=ns), json=obj)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def merge_patch(kube: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = kube.patch(path, json=body, headers={"Content-Type": "application/merge-patch+json"})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def wait_for(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def wait_ready(
    kube: httpx.Client,
    ns: str,
    name: str,
    replicas: int,
    timeout: float = 30.0,
    image: str | None = None,
) -> dict[str, Any]:
    """Wait until the Deployment's rollout is complete (as `kubectl rollout status`)."""

    def done() -> dict[str, Any] | None:
        d = kube.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{name}").json()
        st = d.get("status") or {}
        complete = (
            st.get("observedGeneration") == d["metadata"]["generation"]
            and st.get("updatedReplicas", 0) == replicas
            and st.get("readyReplicas", 0) == replicas
            and st.get("availableReplicas", 0) == replicas
            and st.get("replicas", 0) == replicas
        )
        return d if complete else None

    return dict(wait_for(done, timeout, f"deployment {ns}/{name} to have {replicas} ready"))


def router_ready(
    cluster: LocalClusterStandIn,
    host: str,
    backends: set[str],
    timeout: float = 15.0,
    headers: dict[str, str] | None = None,
) -> None:
    """Wait until requests through the router reach every one of `backends`."""
    seen: set[str] = set()
    with httpx.Client(base_url=cluster.ingress_url, timeout=5) as client:

        def check() -> bool:
            resp = client.get("/", headers={"Host": host, **(headers or {})})
            if resp.status_code == 200:
                seen.add(resp.headers.get("X-Kata-Upstream", ""))
            return backends <= seen

        wait_for(check, timeout, f"router to reach {backends}")
    # The first answer from the new config can come while nginx's old worker still takes
    # connections with the old one; the controller's sync returns once that worker is
    # shutting down, so wait for it (what the harness does before it measures).
    assert cluster.wait_synced(timeout), "the controller did not finish applying the routes"
