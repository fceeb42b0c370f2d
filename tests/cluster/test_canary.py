"""The router: host/path routing and ingress-nginx's canary annotations, through a real nginx
(needs the Docker engine for the pods)."""

from __future__ import annotations

import math
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from world.cluster import LocalClusterStandIn

from .conftest import canary, create, deployment, ingress, router_ready, service, wait_ready

Z_999 = 3.2905  # two-sided 99.9% normal quantile

pytestmark = pytest.mark.docker


@dataclass
class Canary:
    cluster: LocalClusterStandIn
    kube: httpx.Client
    namespace: str
    host: str

    def set(self, annotations: dict[str, str]) -> None:
        """Replace the canary Ingress's annotations and wait until the router has them."""
        path = f"/apis/networking.k8s.io/v1/namespaces/{self.namespace}/ingresses/web-canary"
        current = self.kube.get(path).json()
        current["metadata"]["annotations"] = annotations
        assert self.kube.put(path, json=current).status_code == 200
        assert self.cluster.wait_synced()

    def count(
        self, n: int, headers: dict[str, str] | None = None, cookies: dict[str, str] | None = None
    ) -> Counter[str]:
        """Send n requests; count the X-Kata-Upstream of each (checked against the body)."""
        seen: Counter[str] = Counter()
        with httpx.Client(
            base_url=self.cluster.ingress_url,
            cookies=cookies,
            timeout=5,
            headers={"Host": self.host, **(headers or {})},
        ) as client:
            for _ in range(n):
                resp = client.get("/")
                assert resp.status_code == 200, resp.text
                upstream = resp.headers["X-Kata-Upstream"]
                expected = {"web": "v1", "web-canary": "v2"}[upstream]
                assert resp.json()["version"] == expected
                seen[upstream] += 1
        return seen


@pytest.fixture(scope="module")
def pair(cluster: LocalClusterStandIn, app_images: dict[str, str]) -> Iterator[Canary]:
    """Stable `web` (2 x v1) and `web-canary` (1 x v2), each behind a Service and an Ingress
    for the same host and path; the canary Ingress starts at weight 20."""
    ns = "canary-" + uuid.uuid4().hex[:6]
    host = f"{ns}.example.com"
    with cluster.http() as kube:
        kube.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).raise_for_status()
        create(kube, ns, deployment("web", app_images["v1"], replicas=2))
        create(kube, ns, deployment("web-canary", app_images["v2"], replicas=1))
        create(kube, ns, service("web", {"app": "web"}))
        create(kube, ns, service("web-canary", {"app": "web-canary"}))
        create(kube, ns, ingress("web", "web", host=host))
        create(kube, ns, ingress("web-canary", "web-canary", canary(20), host=host))
        wait_ready(kube, ns, "web", 2)
        wait_ready(kube, ns, "web-canary", 1)
        router_ready(cluster, host, {"web", "web-canary"})
        yield Canary(cluster, kube, ns, host)
        kube.delete(f"/api/v1/namespaces/{ns}")


def within_binomial(hits: int, n: int, p: float) -> bool:
    half = Z_999 * math.sqrt(p * (1 - p) / n)
    return abs(hits / n - p) <= half


def test_weight_20_splits_1000_requests(pair: Canary) -> None:
    pair.set(canary(20))
    seen = pair.count(1000)
    assert sum(seen.values()) == 1000
    assert within_binomial(seen["web-canary"], 1000, 0.20), seen
    status = pair.kube.get(
        f"/apis/networking.k8s.io/v1/namespaces/{pair.namespace}/ingresses/web-canary"
    ).json()["status"]
    assert status == {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}


def test_weight_0_sends_nothing_and_100_everything(pair: Canary) -> None:
    pair.set(canary(0))
    assert pair.count(200) == Counter({"web": 200})
    pair.set(canary(100))
    assert pair.count(200) == Counter({"web-canary": 200})
    pair.set(canary(250, weight_total="1000"))
    assert within_binomial(pair.count(400)["web-canary"], 400, 0.25)


def test_canary_by_header(pair: Canary) -> None:
    pair.set(canary(20, by_header="X-Canary"))
    assert pair.count(100, {"X-Canary": "always"}) == Counter({"web-canary": 100})
    assert pair.count(100, {"X-Canary": "never"}) == Counter({"web": 100})
    other = pair.count(500, {"X-Canary": "maybe"})  # any other value: the weight decides
    assert within_binomial(other["web-canary"], 500, 0.20), other


def test_canary_by_header_value_needs_an_exact_match(pair: Canary) -> None:
    pair.set(canary(0, by_header="X-Canary", by_header_value="gold"))
    assert pair.count(50, {"X-Canary": "gold"}) == Counter({"web-canary": 50})
    assert pair.count(50, {"X-Canary": "golden"}) == Counter({"web": 50})
    assert pair.count(50, {"X-Canary": "always"}) == Counter({"web": 50})


def test_canary_by_cookie_and_header_precedence(pair: Canary) -> None:
    pair.set(canary(0, by_header="X-Canary", by_cookie="canary"))
    assert pair.count(50, cookies={"canary": "always"}) == Counter({"web-canary": 50})
    pair.set(canary(100, by_header="X-Canary", by_cookie="canary"))
    assert pair.count(50, cookies={"canary": "never"}) == Counter({"web": 50})
    # header beats cookie: header never + cookie always -> stable, and the reverse
    assert pair.count(50, {"X-Canary": "never"}, {"canary": "always"}) == Counter({"web": 50})
    pair.set(canary(0, by_header="X-Canary", by_cookie="canary"))
    assert pair.count(50, {"X-Canary": "always"}, {"canary": "never"}) == Counter(
        {"web-canary": 50}
    )


def test_changing_the_weight_under_traffic_drops_no_request(pair: Canary) -> None:
    pair.set(canary(20))
    reloads = pair.cluster.router.reloads if pair.cluster.router else 0
    results: Counter[str] = Counter()
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(
            base_url=pair.cluster.ingress_url, headers={"Host": pair.host}, timeout=5
        ) as client:
            for _ in range(50000):
                if stop.is_set():
                    return
                try:
                    resp = client.get("/")
                    ok = resp.status_code == 200
                    results[
                        resp.headers["X-Kata-Upstream"] if ok else f"HTTP {resp.status_code}"
                    ] += 1
                except httpx.HTTPError as exc:
                    results[f"error {type(exc).__name__}: {exc}"] += 1

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        for weight in (40, 60, 80, 50):
            pair.set(canary(weight))
        assert pair.cluster.router is not None
        assert pair.cluster.router.reloads >= reloads + 4
    finally:
        stop.set()
        worker.join()
    errors = {k: v for k, v in results.items() if k not in ("web", "web-canary")}
    assert errors == {}, results
    assert results["web"] > 0 and results["web-canary"] > 0
    assert sum(results.values()) >= 100, results  # traffic did overlap the reloads
    assert within_binomial(pair.count(400)["web-canary"], 400, 0.50)


def test_hosts_paths_and_the_default_backend(
    cluster: LocalClusterStandIn,
    kube: httpx.Client,
    namespace: str,
    app_images: dict[str, str],
) -> None:
    create(kube, namespace, deployment("web", app_images["v1"], replicas=1))
    create(kube, namespace, service("web", {"app": "web"}))
    exact = ingress("exact", "web", host=f"{namespace}.example.com")
    rule = exact["spec"]["rules"][0]["http"]["paths"][0]
    rule.update(path="/predict", pathType="Exact")
    create(kube, namespace, exact)
    prefix = ingress("prefix", "web", host=f"{namespace}.example.com")
    prefix["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/api"
    create(kube, namespace, prefix)
    wait_ready(kube, namespace, "web", 1)
    assert cluster.wait_synced()
    with httpx.Client(
        base_url=cluster.ingress_url, headers={"Host": f"{namespace}.example.com"}
    ) as client:
        assert client.get("/predict").json()["path"] == "/predict"
        assert client.get("/predict/x").text == "default backend - 404\n"
        assert client.get("/api").status_code == 404  # routed: the app has no /api
        assert client.get("/api").headers["X-Kata-Upstream"] == "web"
        assert client.get("/api/v1").headers["X-Kata-Upstream"] == "web"
        assert "X-Kata-Upstream" not in client.get("/apix").headers
        other = client.get("/predict", headers={"Host": "elsewhere.example.com"})
        assert other.status_code == 404 and "X-Kata-Upstream" not in other.headers
