"""Deployments become containers: replicas, readiness, Services' endpoints, scaling,
rolling updates, pod deletion (needs the Docker engine)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from world.cluster import LocalClusterStandIn
from world.cluster.pods import HOST_PORTS_ANNOTATION, template_hash

from .conftest import (
    create,
    deployment,
    ingress,
    merge_patch,
    router_ready,
    service,
    wait_for,
    wait_ready,
)

pytestmark = pytest.mark.docker


def pods_of(kube: httpx.Client, ns: str, selector: str = "") -> list[dict[str, Any]]:
    params = {"labelSelector": selector} if selector else {}
    return list(kube.get(f"/api/v1/namespaces/{ns}/pods", params=params).json()["items"])


def test_two_replicas_become_two_ready_pods(
    cluster: LocalClusterStandIn,
    kube: httpx.Client,
    namespace: str,
    app_images: dict[str, str],
    docker_client: Any,
) -> None:
    create(kube, namespace, deployment("web", app_images["v1"]))
    create(kube, namespace, service("web", {"app": "web"}))
    d = wait_ready(kube, namespace, "web", 2)
    conditions = {c["type"]: (c["status"], c["reason"]) for c in d["status"]["conditions"]}
    assert conditions == {
        "Available": ("True", "MinimumReplicasAvailable"),
        "Progressing": ("True", "NewReplicaSetAvailable"),
    }
    pods = pods_of(kube, namespace, "app=web")
    assert len(pods) == 2
    for pod in pods:
        assert pod["status"]["phase"] == "Running"
        assert {"type": "Ready", "status": "True"} in pod["status"]["conditions"]
        assert pod["metadata"]["labels"]["pod-template-hash"]
        assert HOST_PORTS_ANNOTATION in pod["metadata"]["annotations"]
    containers = docker_client.containers.list(
        filters={"label": [f"kata.cluster={cluster.cluster_id}", f"kata.k8s.namespace={namespace}"]}
    )
    names = sorted(c.name for c in containers)
    prefix = f"kata-k8s-{cluster.cluster_id}-{namespace}-web-"
    assert len(names) == 2 and all(n.startswith(prefix) for n in names)
    labels = containers[0].labels
    assert labels["kata.run"] == cluster.run_id and labels["kata.k8s.deployment"] == "web"
    assert labels["app"] == "web"
    assert cluster.network_name in containers[0].attrs["NetworkSettings"]["Networks"]
    endpoints = cluster.endpoints(namespace, "web")
    assert sorted(p for p, _ in endpoints) == sorted(p["metadata"]["name"] for p in pods)
    for _pod, address in endpoints:
        assert address.startswith("127.0.0.1:")
        assert httpx.get(f"http://{address}/").json()["version"] == "v1"
        metrics = httpx.get(f"http://{address}/metrics").text
        assert 'app_requests_total{status="200"} 1' in metrics


def test_a_pod_failing_its_readiness_probe_gets_no_traffic(
    cluster: LocalClusterStandIn, kube: httpx.Client, namespace: str, app_images: dict[str, str]
) -> None:
    create(
        kube,
        namespace,
        deployment("good", app_images["v1"], replicas=1, labels={"app": "web", "track": "good"}),
    )
    create(
        kube,
        namespace,
        deployment(
            "bad",
            app_images["v2"],
            replicas=1,
            labels={"app": "web", "track": "bad"},
            env={"READY": "0"},
        ),
    )
    create(kube, namespace, service("web", {"app": "web"}))
    create(kube, namespace, ingress("web", "web", host=f"{namespace}.example.com"))
    wait_ready(kube, namespace, "good", 1)
    router_ready(cluster, f"{namespace}.example.com", {"web"})
    deadline = time.monotonic() + 30  # the bad pod starts beside the good one: wait for it
    while True:
        bad = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/bad").json()["status"]
        if bad.get("replicas") == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "readyReplicas" not in bad and bad["replicas"] == 1
    assert [p for p, _ in cluster.endpoints(namespace, "web")] == [
        p["metadata"]["name"] for p in pods_of(kube, namespace, "track=good")
    ]
    with httpx.Client(
        base_url=cluster.ingress_url, headers={"Host": f"{namespace}.example.com"}
    ) as client:
        answers = [client.get("/") for _ in range(50)]
    versions = Counter(
        r.json()["version"] if r.status_code == 200 else r.status_code for r in answers
    )
    assert versions == Counter({"v1": 50})


def test_scale_up_and_down_and_pods_are_replaced(
    cluster: LocalClusterStandIn, kube: httpx.Client, namespace: str, app_images: dict[str, str]
) -> None:
    create(kube, namespace, deployment("web", app_images["v1"], replicas=1, probe=False))
    wait_ready(kube, namespace, "web", 1)
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/web"
    merge_patch(kube, path, {"spec": {"replicas": 3}})
    wait_ready(kube, namespace, "web", 3)
    merge_patch(kube, path, {"spec": {"replicas": 1}})
    wait_ready(kube, namespace, "web", 1)
    wait_for(lambda: len(pods_of(kube, namespace)) == 1, 15, "scaled-down pods to go")
    victim = pods_of(kube, namespace)[0]["metadata"]["name"]
    resp = kube.delete(f"/api/v1/namespaces/{namespace}/pods/{victim}")
    assert resp.status_code == 200 and resp.json()["status"] == "Success"

    def replaced() -> bool:
        names = [p["metadata"]["name"] for p in pods_of(kube, namespace)]
        return len(names) == 1 and victim not in names

    wait_for(replaced, 20, "the deleted pod to be replaced")
    wait_ready(kube, namespace, "web", 1)
    log = kube.get(f"/api/v1/namespaces/{namespace}/pods/{victim}/log")
    assert log.status_code == 404


def test_a_rolling_update_keeps_serving(
    cluster: LocalClusterStandIn, kube: httpx.Client, namespace: str, app_images: dict[str, str]
) -> None:
    host = f"{namespace}.example.com"
    create(kube, namespace, deployment("web", app_images["v1"]))
    create(kube, namespace, service("web", {"app": "web"}))
    create(kube, namespace, ingress("web", "web", host=host))
    wait_ready(kube, namespace, "web", 2)
    router_ready(cluster, host, {"web"})
    results: Counter[str] = Counter()
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(
            base_url=cluster.ingress_url, headers={"Host": host}, timeout=5
        ) as client:
            for _ in range(20000):
                if stop.is_set():
                    return
                try:
                    resp = client.get("/")
                    results[
                        resp.json()["version"]
                        if resp.status_code == 200
                        else f"HTTP {resp.status_code}"
                    ] += 1
                except httpx.HTTPError as exc:
                    results[f"error {type(exc).__name__}"] += 1
                # a steady client, not a flood: on a 2-core machine a tight loop starves the
                # probes of the pods it measures (the load is the test's, not the rollout's)
                stop.wait(0.002)

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        path = f"/apis/apps/v1/namespaces/{namespace}/deployments/web"
        patch = {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            deployment("web", app_images["v2"])["spec"]["template"]["spec"][
                                "containers"
                            ][0]
                        ]
                    }
                }
            }
        }
        updated = merge_patch(kube, path, patch)
        assert updated["metadata"]["generation"] == 2
        wait_ready(kube, namespace, "web", 2, timeout=40)
        wait_for(lambda: len(pods_of(kube, namespace)) == 2, 15, "old pods to go")
    finally:
        stop.set()
        worker.join()
    errors = {k: v for k, v in results.items() if k not in ("v1", "v2")}
    assert cluster.controller is not None
    history = [str(e) for e in cluster.controller.events if e.namespace in (namespace, "")]
    assert errors == {}, f"{results}; pod and route events:\n" + "\n".join(history)
    assert results["v1"] > 0 and results["v2"] > 0
    # the events tell the rollout's story: both old pods were taken out while ready
    killed = [e for e in history if " Killing: ready" in e]
    assert len(killed) == 2 and all(
        template_hash(updated["spec"]["template"]) not in e for e in killed
    )
    images = {p["spec"]["containers"][0]["image"] for p in pods_of(kube, namespace)}
    assert images == {app_images["v2"]}


def test_a_crashing_container_is_in_crash_loop_back_off(
    cluster: LocalClusterStandIn, kube: httpx.Client, namespace: str, app_images: dict[str, str]
) -> None:
    crashing = deployment("crash", app_images["v1"], replicas=1, probe=False)
    crashing["spec"]["template"]["spec"]["containers"][0]["command"] = ["false"]
    create(kube, namespace, crashing)

    def backing_off() -> bool:
        pods = pods_of(kube, namespace)
        if not pods:
            return False
        status = pods[0]["status"]["containerStatuses"][0]
        waiting = status["state"].get("waiting", {})
        return bool(waiting.get("reason") == "CrashLoopBackOff" and status["restartCount"] >= 1)

    wait_for(backing_off, 20, "CrashLoopBackOff")
    d = kube.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/crash").json()["status"]
    assert "availableReplicas" not in d
    assert {c["type"]: c["status"] for c in d["conditions"]}["Available"] == "False"
    # the warning a learner is shown with a failed deploy check
    warnings = cluster.warnings(namespace)
    assert any(
        " BackOff: back-off restarting failed container (exit code 1)" in w for w in warnings
    )
    assert all(w.startswith(f"pod {namespace}/crash-") for w in warnings)
    assert cluster.warnings("some-other-namespace") == []
