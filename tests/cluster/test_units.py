"""Pure parts of the cluster stand-in: selectors, patches, canary policy, rollout steps,
routes, the nginx config, pod specs, pull credentials, the kind plan."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from world.cluster import canary, nginx_conf, patch, rollout, selectors
from world.cluster.canary import CanaryPolicy
from world.cluster.errors import ApiError
from world.cluster.images import credentials_for, registry_of
from world.cluster.kind import INGRESS_NGINX_MANIFEST, cluster_name, hosts_toml, kind_plan
from world.cluster.podspec import ConfigError, PodIdentity, expand, run_spec
from world.cluster.quantities import int_or_percent, parse_quantity
from world.cluster.router import nginx_binary
from world.cluster.routes import Backend, Route, build_routes

from .conftest import canary as canary_annotations
from .conftest import ingress


def test_label_selectors() -> None:
    sel = selectors.parse("app=web,tier!=db,env in (prod,staging),!legacy,track")
    assert sel.matches({"app": "web", "env": "prod", "track": "stable"})
    assert not sel.matches({"app": "web", "env": "dev", "track": "x"})
    assert not sel.matches({"app": "web", "env": "prod", "track": "x", "legacy": "1"})
    obj = selectors.from_object(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}],
        }
    )
    assert obj.matches({"app": "web"}) and not obj.matches({"app": "web", "track": "canary"})
    with pytest.raises(ApiError):
        selectors.parse("a in b")


def test_merge_and_json_patch() -> None:
    doc = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert patch.merge_patch(doc, {"a": {"b": None, "c": [3]}, "e": 2}) == {
        "a": {"c": [3]},
        "d": 1,
        "e": 2,
    }
    ops = [
        {"op": "add", "path": "/a/c/-", "value": 3},
        {"op": "remove", "path": "/d"},
        {"op": "move", "from": "/a/b", "path": "/b"},
        {"op": "copy", "from": "/b", "path": "/x~1y"},
    ]
    assert patch.json_patch(doc, ops) == {"a": {"c": [1, 2, 3]}, "b": 1, "x/y": 1}
    assert doc == {"a": {"b": 1, "c": [1, 2]}, "d": 1}  # not mutated
    with pytest.raises(ApiError):
        patch.json_patch(doc, [{"op": "replace", "path": "/zz", "value": 1}])


def test_quantities() -> None:
    assert parse_quantity("500m") == 0.5 and parse_quantity("256Mi") == 256 * 2**20
    assert parse_quantity("1G") == 1e9 and parse_quantity(2) == 2.0
    assert int_or_percent("25%", 2, round_up=True) == 1
    assert int_or_percent("25%", 2, round_up=False) == 0
    with pytest.raises(ValueError):
        parse_quantity("lots")


def test_canary_policy_as_ingress_nginx_reads_it() -> None:
    policy, causes = canary.parse(canary_annotations(30, by_header="X-Canary", by_cookie="canary"))
    assert causes == []
    assert policy == CanaryPolicy(weight=30, total=100, header="X-Canary", cookie="canary")
    policy, causes = canary.parse(canary_annotations(5, weight_total="10"))
    assert causes == [] and policy.total == 100  # below 100 ingress-nginx ignores the total
    _policy, causes = canary.parse(canary_annotations(300, weight_total="200"))
    assert "from 0 to 200" in causes[0].message
    assert canary.is_canary({"nginx.ingress.kubernetes.io/canary": "true"})
    assert not canary.is_canary({"nginx.ingress.kubernetes.io/canary": "false"})


def view(name: str, current: bool, available: bool, ordinal: int = 0) -> rollout.PodView:
    return rollout.PodView(name, current, available, ordinal)


def spec(replicas: int = 2, **strategy: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"replicas": replicas}
    if strategy:
        body["strategy"] = strategy
    return body


def test_rolling_update_surges_first_then_removes_old_pods() -> None:
    old = [view("o0", False, True, 0), view("o1", False, True, 1)]
    assert rollout.plan(spec(), old) == rollout.Plan(create=1)  # maxSurge 25% of 2 -> 1
    waiting = [*old, view("n0", True, False)]
    assert rollout.plan(spec(), waiting) == rollout.Plan()  # maxUnavailable 0: wait for ready
    ready = [*old, view("n0", True, True)]
    assert rollout.plan(spec(), ready) == rollout.Plan(delete=("o1",))
    assert rollout.plan(spec(), [old[0], view("n0", True, True)]) == rollout.Plan(create=1)
    crashed = [view("o0", False, False, 0), view("o1", False, True, 1), view("n0", True, True)]
    assert rollout.plan(spec(), crashed).delete[0] == "o0"  # unavailable old pods go first


def test_scaling_and_recreate() -> None:
    pods = [view("a", True, True, 0), view("b", True, False, 1), view("c", True, True, 2)]
    assert rollout.plan(spec(1), pods) == rollout.Plan(delete=("b", "c"))
    assert rollout.plan(spec(5), pods) == rollout.Plan(create=2)
    recreate = spec(2, type="Recreate")
    old = [view("o0", False, True)]
    assert rollout.plan(recreate, old) == rollout.Plan(delete=("o0",))
    assert rollout.plan(recreate, [], terminating=1) == rollout.Plan()
    assert rollout.plan(recreate, []) == rollout.Plan(create=2)
    assert rollout.limits(
        spec(4, type="RollingUpdate", rollingUpdate={"maxSurge": 0, "maxUnavailable": "50%"})
    ) == (0, 2)


def _resolve(ns: str, svc: str, port: int | str) -> tuple[str, ...]:
    table = {"web": ("127.0.0.1:1001", "127.0.0.1:1002"), "web-canary": ("127.0.0.1:1003",)}
    return table.get(svc, ())


def _with_age(obj: dict[str, Any], ns: str, stamp: str) -> dict[str, Any]:
    obj["metadata"].update(namespace=ns, creationTimestamp=stamp)
    return obj


def test_routes_attach_a_canary_to_the_oldest_stable_ingress() -> None:
    routes = build_routes(
        [
            _with_age(ingress("web-canary", "web-canary", canary_annotations(20)), "p", "3"),
            _with_age(ingress("web", "web"), "p", "1"),
            _with_age(ingress("web-later", "empty"), "p", "2"),
        ],
        _resolve,
    )
    assert len(routes) == 1
    route = routes[0]
    assert route.ingress == "p/web" and route.stable.addresses == _resolve("p", "web", 80)
    assert route.canary is not None and route.canary.service == "web-canary"
    assert route.policy is not None and route.policy.weight == 20


def test_routes_skip_other_classes_and_canaries_without_pods() -> None:
    other = _with_age(ingress("web", "web"), "p", "1")
    other["spec"]["ingressClassName"] = "traefik"
    assert build_routes([other], _resolve) == []
    lonely = _with_age(ingress("c", "web-canary", canary_annotations(50)), "p", "1")
    assert build_routes([lonely], _resolve) == []  # a canary with no stable Ingress
    no_pods = _with_age(ingress("c", "empty", canary_annotations(50)), "p", "2")
    routes = build_routes([_with_age(ingress("web", "web"), "p", "1"), no_pods], _resolve)
    assert routes[0].canary is None and routes[0].policy is None


def test_split_weights() -> None:
    assert nginx_conf.split_weights(CanaryPolicy(weight=20), 2, 1) == (2, 1)  # 4:1 overall
    assert nginx_conf.split_weights(CanaryPolicy(weight=0), 2, 1) == (1, 0)
    assert nginx_conf.split_weights(CanaryPolicy(weight=100), 2, 1) == (0, 1)
    assert nginx_conf.split_weights(CanaryPolicy(weight=333, total=1000), 1, 1) == (667, 333)


def _route(policy: CanaryPolicy | None, path_type: str = "Prefix", path: str = "/") -> Route:
    return Route(
        "app.example.com",
        path,
        path_type,
        "p/web",
        Backend("p", "web", ("127.0.0.1:1001",)),
        Backend("p", "web-canary", ("127.0.0.1:1003",)) if policy else None,
        policy,
    )


def test_nginx_config_maps_path_types_and_canary_rules(tmp_path: Path) -> None:
    routes = [
        _route(CanaryPolicy(weight=10, header="X-Canary", header_value="~v1", cookie="c")),
        _route(None, "Prefix", "/api/"),
        _route(None, "Exact", "/exact"),
        Route("", "/none", "Prefix", "p/x", Backend("p", "x", ())),
    ]
    text = nginx_conf.render(routes, 18080, tmp_path)
    assert "listen 127.0.0.1:18080 default_server;" in text
    assert "location /api/ {" in text and "location = /api {" in text
    assert "location = /exact {" in text and "return 503;" in text
    assert 'map $http_x_canary $kata_r0_by_header {\n        "\\~v1" canary;' in text
    assert "map $cookie_c $kata_r0_by_cookie" in text
    assert "add_header X-Kata-Upstream $kata_r0_service always;" in text
    binary = nginx_binary()
    if binary is None:
        pytest.skip("no nginx binary to check the config with (apt-get install nginx-light)")
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "tmp" / name).mkdir(parents=True)
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    done = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_pod_spec_translation() -> None:
    secret = {"type": "Opaque", "data": {"pw": base64.b64encode(b"s3cret").decode()}}
    cm = {"data": {"MODE": "fast"}}

    def lookup(kind: str, name: str) -> dict[str, Any] | None:
        table: dict[tuple[str, str], dict[str, Any]] = {
            ("secret", "db"): secret,
            ("configmap", "cfg"): cm,
        }
        return table.get((kind, name))

    container = {
        "name": "app",
        "image": "x:1",
        "command": ["python", "$(APP)"],
        "args": ["--pw=$(PW)", "$$(KEEP)"],
        "env": [
            {"name": "APP", "value": "serve.py"},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ],
        "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}],
        "ports": [{"containerPort": 8080, "name": "http"}],
        "resources": {"limits": {"memory": "128Mi", "cpu": "500m"}},
    }
    spec = run_spec(container, PodIdentity("web-abc-0", "prod", "uid"), lookup)
    assert spec.entrypoint == ["python", "serve.py"]
    assert spec.command == ["--pw=s3cret", "$(KEEP)"]
    assert spec.environment == {
        "CFG_MODE": "fast",
        "APP": "serve.py",
        "PW": "s3cret",
        "POD": "web-abc-0",
    }
    assert spec.ports == {8080: "http"}
    assert spec.mem_limit == 128 * 2**20 and spec.nano_cpus == 500_000_000
    assert expand("$(A)-$(B)", {"A": "1"}) == "1-$(B)"
    missing = {
        **container,
        "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}],
    }
    with pytest.raises(ConfigError, match='secret "nope" not found'):
        run_spec(missing, PodIdentity("p", "ns", "u"), lookup)


def test_pull_credentials_come_from_dockerconfigjson_secrets() -> None:
    auths = {
        "auths": {
            "127.0.0.1:5000": {"username": "u", "password": "p"},
            "https://index.docker.io/v1/": {"auth": base64.b64encode(b"h:x").decode()},
        }
    }
    secret = {
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(auths).encode()).decode()},
    }
    assert registry_of("127.0.0.1:5000/app:v1") == "127.0.0.1:5000"
    assert registry_of("library/python:3.11") == "docker.io"
    found = credentials_for("127.0.0.1:5000/app:v1", [secret])
    assert found is not None and found.config() == {"username": "u", "password": "p"}
    hub = credentials_for("python:3.11", [secret])
    assert hub is not None and hub.username == "h"
    assert credentials_for("127.0.0.1:6000/app:v1", [secret]) is None


def test_kind_plan_commands(tmp_path: Path) -> None:
    plan = kind_plan(
        "Run_42", tmp_path, ingress_port=18080, registry="127.0.0.1:5000", relay="172.18.0.1:40000"
    )
    assert plan.name == cluster_name("Run_42") == "kata-run-42"
    assert plan.create == [
        [
            "kind",
            "create",
            "cluster",
            "--name",
            "kata-run-42",
            "--config",
            str(tmp_path / "kind-config.yaml"),
            "--kubeconfig",
            str(tmp_path / "kind-admin.kubeconfig"),
            "--wait",
            "180s",
        ]
    ]
    node = plan.config["nodes"][0]
    assert node["extraPortMappings"][0] == {
        "containerPort": 80,
        "hostPort": 18080,
        "listenAddress": "127.0.0.1",
        "protocol": "TCP",
    }
    assert 'config_path = "/etc/containerd/certs.d"' in plan.config["containerdConfigPatches"][0]
    assert plan.wire_registry[0][:4] == ["docker", "exec", "-i", "kata-run-42-control-plane"]
    assert "/etc/containerd/certs.d/127.0.0.1:5000" in plan.wire_registry[0][-1]
    assert plan.install_ingress[0][-1] == INGRESS_NGINX_MANIFEST
    assert "--for=condition=ready" in plan.install_ingress[1]
    headers, patch = plan.install_ingress[2:]  # each response names the Service that answered
    assert "--from-literal=X-Kata-Upstream=$namespace/$proxy_upstream_name/" in " ".join(headers)
    assert json.loads(patch[-1]) == {"data": {"add-headers": "ingress-nginx/kata-response-headers"}}
    assert plan.delete == [
        [
            "kind",
            "delete",
            "cluster",
            "--name",
            "kata-run-42",
            "--kubeconfig",
            str(tmp_path / "kind-admin.kubeconfig"),
        ]
    ]
    assert hosts_toml("127.0.0.1:5000", "172.18.0.1:40000") == (
        'server = "http://127.0.0.1:5000"\n\n[host."http://172.18.0.1:40000"]\n'
        '  capabilities = ["pull", "resolve"]\n'
    )
    assert kind_plan("r", tmp_path, ingress_port=1).wire_registry == []
    # a token for a cluster-admin ServiceAccount: the same kind of kubeconfig as the stand-in's
    account, binding, issue = plan.service_account
    assert account[-4:] == ["serviceaccount", "kata-harness", "-n", "kube-system"]
    assert "--clusterrole=cluster-admin" in binding
    assert "--serviceaccount=kube-system:kata-harness" in binding
    assert issue[-5:] == ["token", "kata-harness", "-n", "kube-system", "--duration=4h"]
    assert plan.token_kubeconfig == tmp_path / "kubeconfig"


def test_kind_token_kubeconfig_reads_like_the_stand_ins(tmp_path: Path) -> None:
    from world.cluster import KindCluster
    from world.terraform.k8s_provider.config import SettingsError, resolve

    kind = KindCluster("r1", tmp_path, ingress_port=18080)
    ca = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    admin = {  # what `kind create cluster` writes: client certificate, not a token
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "kind-kata-r1",
                "cluster": {
                    "server": "https://127.0.0.1:40123",
                    "certificate-authority-data": base64.b64encode(ca).decode(),
                },
            }
        ],
        "users": [{"name": "kind-kata-r1", "user": {"client-certificate-data": "Zm9v"}}],
        "contexts": [
            {"name": "kind-kata-r1", "context": {"cluster": "kind-kata-r1", "user": "kind-kata-r1"}}
        ],
        "current-context": "kind-kata-r1",
    }
    kind.plan.kubeconfig.write_text(json.dumps(admin))
    kind._write_token_kubeconfig("sa-token-123")
    assert kind.kubeconfig_path.stat().st_mode & 0o077 == 0  # it holds the token
    # what the hashicorp/kubernetes stand-in provider reads from `config_path`
    connection = resolve({"config_path": str(kind.kubeconfig_path)}, env={}).connection
    assert connection.server == "https://127.0.0.1:40123" and connection.token == "sa-token-123"
    assert connection.ca_pem == ca
    with pytest.raises(SettingsError, match="client-certificate"):  # kind's own, refused by name
        resolve({"config_path": str(kind.plan.kubeconfig)}, env={})


def test_kind_rollout_done_means_observed_updated_ready_and_no_old_pods() -> None:
    from world.cluster.kind import rolled_out

    done = {
        "metadata": {"generation": 2},
        "spec": {"replicas": 2},
        "status": {
            "observedGeneration": 2,
            "replicas": 2,
            "updatedReplicas": 2,
            "readyReplicas": 2,
            "availableReplicas": 2,
        },
    }
    assert rolled_out(done)
    for key, value in (
        ("observedGeneration", 1),  # the new spec not seen yet
        ("updatedReplicas", 1),  # one pod of the old template
        ("readyReplicas", 1),
        ("replicas", 3),  # a surge pod still there
    ):
        assert not rolled_out({**done, "status": {**done["status"], key: value}}), key


def test_both_backends_satisfy_the_protocol(tmp_path: Path) -> None:
    from world.cluster import ClusterBackend, KindCluster, LocalClusterStandIn

    local = LocalClusterStandIn("r1", tmp_path / "local")
    kind = KindCluster("r1", tmp_path / "kind", ingress_port=18080, registry="127.0.0.1:5000")
    typed: list[ClusterBackend] = [local, kind]  # mypy checks both structurally
    assert isinstance(kind, ClusterBackend)  # an unstarted stand-in has no URLs to check yet
    assert len(typed) == 2
    assert local.is_stand_in and not kind.is_stand_in
    assert "LOCAL STAND-IN" in local.describe()
    assert kind.kubeconfig_path == tmp_path / "kind" / "kubeconfig"
    assert kind.ingress_url == "http://127.0.0.1:18080" and kind.registry == "127.0.0.1:5000"


class _FlakyClient:
    """A Docker client whose inspect fails the way a busy daemon does, or says not found."""

    def __init__(self, error: Exception) -> None:
        self.api = self
        self.base_url = "http+docker://flaky"
        self.error = error

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        raise self.error


def test_a_busy_engine_is_not_a_vanished_container() -> None:
    from docker.errors import APIError, NotFound

    from harness import engine
    from world.cluster import runtime

    with engine.use(engine.Engine.wrapping(_FlakyClient(NotFound("no such container")))):
        assert runtime.inspect("abc") is None
    busy = engine.Engine.wrapping(_FlakyClient(APIError("500 Server Error: timeout")))
    with engine.use(busy), pytest.raises(APIError):  # the controller keeps the pod as it was
        runtime.inspect("abc")


def test_open_cluster_picks_the_backend(tmp_path: Path) -> None:
    from world.cluster import KindCluster, LocalClusterStandIn, open_cluster

    local = open_cluster("stand-in", "r1", tmp_path / "a", registry="127.0.0.1:5000")
    kind = open_cluster("kind", "r1", tmp_path / "b", registry="127.0.0.1:5000")
    assert isinstance(local, LocalClusterStandIn) and isinstance(kind, KindCluster)
    assert local.registry == kind.registry == "127.0.0.1:5000"
    assert kind.ingress_url.startswith("http://127.0.0.1:")
    with pytest.raises(ValueError, match="unknown cluster backend"):
        open_cluster("k3s", "r1", tmp_path / "c")
