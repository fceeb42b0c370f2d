"""Whole-cluster behaviour: stop() leaves nothing, pulls from the local registry with an
imagePullSecret, the router as a container, kubectl against the API (needs Docker)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.errors import HarnessError
from world.cluster import ClusterBackend, LocalClusterStandIn
from world.cluster.kind import KindCluster, unavailable_reason
from world.registry import LocalRegistry

from .conftest import (
    create,
    deployment,
    ingress,
    new_run_id,
    router_ready,
    service,
    wait_for,
    wait_ready,
)

pytestmark = pytest.mark.docker


def leftovers_of_run(client: Any, run_id: str) -> list[str]:
    found = [
        f"container {c.name}"
        for c in client.containers.list(all=True, filters={"label": f"kata.run={run_id}"})
    ]
    found += [
        f"network {n.name}" for n in client.networks.list(filters={"label": f"kata.run={run_id}"})
    ]
    return found


def test_stop_leaves_no_container_network_or_process(
    docker_client: Any, app_images: dict[str, str], tmp_path: Path
) -> None:
    run_id = new_run_id()
    cluster = LocalClusterStandIn(run_id, tmp_path)
    with cluster:
        with cluster.http() as kube:
            create(kube, "default", deployment("web", app_images["v1"], replicas=2))
            create(kube, "default", service("web", {"app": "web"}))
            create(kube, "default", ingress("web", "web"))
            wait_ready(kube, "default", "web", 2)
            kube.post("/api/v1/namespaces", json={"metadata": {"name": "doomed"}})
            create(kube, "doomed", deployment("web", app_images["v1"], replicas=1))
            wait_ready(kube, "doomed", "web", 1)
            assert kube.delete("/api/v1/namespaces/doomed").status_code == 200

            def doomed_pods() -> list[Any]:
                return list(
                    docker_client.containers.list(
                        all=True,
                        filters={"label": ["kata.k8s.namespace=doomed", f"kata.run={run_id}"]},
                    )
                )

            wait_for(lambda: not doomed_pods(), 15, "the namespace's pods to go")
        router_ready(cluster, "app.example.com", {"web"})
        assert len(leftovers_of_run(docker_client, run_id)) == 3  # 2 pods + the network
        assert cluster.leftovers()  # everything is running
        assert isinstance(cluster, ClusterBackend)
        assert cluster.describe().startswith("Kubernetes: LOCAL STAND-IN")
        api_url, ingress_url = cluster.api_url, cluster.ingress_url
    assert cluster.leftovers() == []
    assert leftovers_of_run(docker_client, run_id) == []
    for url in (api_url, ingress_url):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
    cluster.stop()  # twice is fine


@pytest.fixture(scope="module")
def registry(
    docker_client: Any, app_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LocalRegistry, str]]:
    """The kata's password-protected registry with the app image pushed (about 8 s)."""
    if not LocalRegistry.available():
        pytest.skip("no `docker-registry` binary (apt-get install docker-registry)")
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as reg:
        repo = f"{reg.address}/kata-test/k8s-app"
        docker_client.images.get(app_images["v1"]).tag(repo, "v1")
        auth = {"username": reg.credentials.username, "password": reg.credentials.password}
        out = docker_client.images.push(repo, "v1", auth_config=auth)
        assert '"error"' not in out, out
        docker_client.images.remove(f"{repo}:v1")
        yield reg, f"{repo}:v1"
        try:
            docker_client.images.remove(f"{repo}:v1")
        except Exception:
            pass


def pull_secret(reg: LocalRegistry) -> dict[str, Any]:
    creds = reg.credentials
    config = {
        "auths": {
            reg.address: {
                "username": creds.username,
                "password": creds.password,
                "auth": base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode(),
            }
        }
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "registry"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }


def test_pods_pull_from_the_local_registry_with_an_image_pull_secret(
    cluster: LocalClusterStandIn,
    kube: httpx.Client,
    namespace: str,
    registry: tuple[LocalRegistry, str],
) -> None:
    reg, image = registry
    anonymous = deployment("anonymous", image, replicas=1)
    anonymous["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    create(kube, namespace, anonymous)

    def waiting_reason() -> str:
        pods = kube.get(
            f"/api/v1/namespaces/{namespace}/pods", params={"labelSelector": "app=anonymous"}
        ).json()["items"]
        if not pods:
            return ""
        state = pods[0]["status"]["containerStatuses"][0]["state"]
        return str(state.get("waiting", {}).get("reason", ""))

    reason = wait_for(
        lambda: waiting_reason() in ("ErrImagePull", "ImagePullBackOff") and waiting_reason(),
        30,
        "the anonymous pull to fail",
    )
    assert reason in ("ErrImagePull", "ImagePullBackOff")
    create(kube, namespace, pull_secret(reg))
    with_secret = deployment("private", image, replicas=1)
    pod_spec = with_secret["spec"]["template"]["spec"]
    pod_spec["imagePullSecrets"] = [{"name": "registry"}]
    pod_spec["containers"][0]["imagePullPolicy"] = "Always"
    create(kube, namespace, with_secret)
    wait_ready(kube, namespace, "private", 1, timeout=60)


def test_the_router_also_runs_as_a_container(
    docker_client: Any, app_images: dict[str, str], tmp_path: Path
) -> None:
    run_id = new_run_id()
    try:
        cluster = LocalClusterStandIn(run_id, tmp_path, router="container")
        cluster.start()
    except HarnessError as exc:  # the image build needs Debian's mirror
        pytest.skip(f"no router image: {exc}")
    try:
        assert "router container" in cluster.describe()
        with cluster.http() as kube:
            create(kube, "default", deployment("web", app_images["v1"], replicas=1))
            create(kube, "default", deployment("web-canary", app_images["v2"], replicas=1))
            create(kube, "default", service("web", {"app": "web"}))
            create(kube, "default", service("web-canary", {"app": "web-canary"}))
            create(kube, "default", ingress("web", "web"))
            annotations = {
                "nginx.ingress.kubernetes.io/canary": "true",
                "nginx.ingress.kubernetes.io/canary-weight": "25",
            }
            create(kube, "default", ingress("web-canary", "web-canary", annotations))
            wait_ready(kube, "default", "web", 1)
            wait_ready(kube, "default", "web-canary", 1)
        router_ready(cluster, "app.example.com", {"web", "web-canary"})
        with httpx.Client(
            base_url=cluster.ingress_url, headers={"Host": "app.example.com"}
        ) as client:
            upstreams = [client.get("/").headers["X-Kata-Upstream"] for _ in range(200)]
        assert 30 <= upstreams.count("web-canary") <= 70
    finally:
        cluster.stop()
    assert cluster.leftovers() == []


def test_kubectl_talks_to_the_stand_in_over_tls(
    docker_client: Any, app_images: dict[str, str], tmp_path: Path
) -> None:
    """client-go sends no bearer token over plain http: kubectl needs `tls=True`."""
    if shutil.which("kubectl") is None:
        pytest.skip("no kubectl on PATH")
    manifest = tmp_path / "web.json"
    manifest.write_text(json.dumps(deployment("web", app_images["v1"], replicas=1)))
    with LocalClusterStandIn(new_run_id(), tmp_path / "c", tls=True) as cluster:
        assert cluster.api_url.startswith("https://127.0.0.1:")
        base = ["kubectl", "--kubeconfig", str(cluster.kubeconfig_path), "-n", "default"]

        def kubectl(*args: str) -> str:
            done = subprocess.run([*base, *args], capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            return done.stdout

        assert "created" in kubectl("create", "-f", str(manifest), "--validate=false")
        kubectl("rollout", "status", "deployment/web", "--timeout=30s")
        listed = json.loads(kubectl("get", "pods", "-o", "json"))
        assert len(listed["items"]) == 1
        ready = kubectl("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")
        assert ready == "1"
        assert "scaled" in kubectl("scale", "deployment/web", "--replicas=2")
        assert "deleted" in kubectl("delete", "deployment", "web")
        with httpx.Client(base_url=cluster.api_url, verify=False) as anonymous:
            assert anonymous.get("/api/v1/namespaces").status_code == 401
    assert cluster.leftovers() == []


def test_kind_cluster_end_to_end(docker_client: Any, tmp_path: Path) -> None:
    """A real kind cluster: only where kind, kubectl and kindest/node are available."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"kind cannot run here: {reason}")
    from world.cluster.router import free_port  # pragma: no cover

    with KindCluster(new_run_id(), tmp_path, ingress_port=free_port()) as kind:
        assert kind.kubeconfig_path.exists()  # pragma: no cover
    assert kind.leftovers() == []  # pragma: no cover
