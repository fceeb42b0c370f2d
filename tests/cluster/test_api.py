"""The API-server stand-in over real HTTP (no Docker needed): verbs, errors, validation."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from world.cluster.kubeconfig import write_kubeconfig

from .conftest import TOKEN, canary, deployment, ingress, service

DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
MERGE = {"Content-Type": "application/merge-patch+json"}


def status_of(resp: httpx.Response) -> dict[str, Any]:
    body = resp.json()
    assert body["kind"] == "Status" and body["apiVersion"] == "v1"
    assert body["code"] == resp.status_code
    return dict(body)


def make_deploy(api: httpx.Client, name: str = "web", **kw: Any) -> dict[str, Any]:
    resp = api.post(DEPLOYS, json=deployment(name, "kata-test/k8s-app:v1", **kw))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


# --- auth, version, discovery --------------------------------------------------------------


def test_version_is_public_and_resources_need_the_token(api: httpx.Client) -> None:
    base = str(api.base_url)
    version = httpx.get(f"{base}/version").json()
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    resp = httpx.get(f"{base}/api/v1/namespaces")
    assert resp.status_code == 401 and status_of(resp)["reason"] == "Unauthorized"
    wrong = httpx.get(f"{base}/api/v1/namespaces", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    ok = httpx.get(f"{base}/api/v1/namespaces", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


def test_discovery_lists_the_served_resources(api: httpx.Client) -> None:
    core = {r["name"]: r for r in api.get("/api/v1").json()["resources"]}
    assert {"namespaces", "services", "secrets", "configmaps", "pods", "pods/log"} <= set(core)
    assert core["namespaces"]["namespaced"] is False
    assert core["pods"]["verbs"] == ["delete", "get", "list"]
    groups = {g["name"] for g in api.get("/apis").json()["groups"]}
    assert groups == {"apps", "networking.k8s.io"}
    apps = {r["name"] for r in api.get("/apis/apps/v1").json()["resources"]}
    assert apps == {"deployments", "deployments/status", "deployments/scale"}
    assert api.get("/apis/batch/v1/namespaces/default/jobs").status_code == 404


def test_kubeconfig_names_the_server_and_token(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "kc", "kata-x", "http://127.0.0.1:1234", "tok")
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "kata-x"
    assert config["clusters"][0]["cluster"] == {"server": "http://127.0.0.1:1234"}
    assert config["users"][0]["user"] == {"token": "tok"}
    assert path.stat().st_mode & 0o777 == 0o600


# --- create, get, list -----------------------------------------------------------------------


def test_create_sets_server_metadata_and_conflicts_on_duplicates(api: httpx.Client) -> None:
    resp = api.post("/api/v1/namespaces", json={"metadata": {"name": "dev"}})
    assert resp.status_code == 201
    ns = resp.json()
    assert ns["kind"] == "Namespace" and ns["status"]["phase"] == "Active"
    meta = ns["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["generation"] == 1
    assert meta["creationTimestamp"].endswith("Z")
    again = api.post("/api/v1/namespaces", json={"metadata": {"name": "dev"}})
    assert again.status_code == 409
    body = status_of(again)
    assert body["reason"] == "AlreadyExists" and body["details"]["name"] == "dev"
    assert body["message"] == 'namespaces "dev" already exists'


def test_get_missing_is_a_not_found_status(api: httpx.Client) -> None:
    resp = api.get(f"{DEPLOYS}/nope")
    assert resp.status_code == 404
    body = status_of(resp)
    assert body["reason"] == "NotFound"
    assert body["message"] == 'deployments.apps "nope" not found'
    assert body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}
    missing_ns = api.post(
        "/apis/apps/v1/namespaces/ghost/deployments", json=deployment("web", "x:1")
    )
    assert missing_ns.status_code == 404
    assert status_of(missing_ns)["message"] == 'namespaces "ghost" not found'


def test_list_with_label_and_field_selectors(api: httpx.Client) -> None:
    make_deploy(api, "web", labels={"app": "web", "track": "stable"})
    make_deploy(api, "web-canary", labels={"app": "web", "track": "canary"})
    make_deploy(api, "db", labels={"app": "db"})

    def names(**params: str) -> list[str]:
        body = api.get(DEPLOYS, params=params).json()
        assert body["kind"] == "DeploymentList" and body["metadata"]["resourceVersion"]
        return sorted(i["metadata"]["name"] for i in body["items"])

    assert names() == ["db", "web", "web-canary"]
    assert names(labelSelector="app=web") == ["web", "web-canary"]
    assert names(labelSelector="app==web,track!=canary") == ["web"]
    assert names(labelSelector="track in (canary, blue)") == ["web-canary"]
    assert names(labelSelector="app,!track") == ["db"]
    assert names(fieldSelector="metadata.name=db") == ["db"]
    cluster_wide = api.get("/apis/apps/v1/deployments").json()["items"]
    assert len(cluster_wide) == 3 and "kind" not in cluster_wide[0]
    assert api.get(DEPLOYS, params={"labelSelector": "a in b"}).status_code == 400


def test_generate_name_and_dry_run(api: httpx.Client) -> None:
    body = {"metadata": {"generateName": "cfg-"}, "data": {"a": "1"}}
    made = api.post("/api/v1/namespaces/default/configmaps", json=body).json()
    assert made["metadata"]["name"].startswith("cfg-") and len(made["metadata"]["name"]) == 9
    dry = api.post(DEPLOYS, params={"dryRun": "All"}, json=deployment("dry", "x:1"))
    assert dry.status_code == 201 and dry.json()["spec"]["replicas"] == 2
    assert api.get(f"{DEPLOYS}/dry").status_code == 404


# --- replace, patch --------------------------------------------------------------------------


def test_replace_with_a_stale_resource_version_conflicts(api: httpx.Client) -> None:
    first = make_deploy(api)
    changed = copy.deepcopy(first)
    changed["spec"]["replicas"] = 3
    ok = api.put(f"{DEPLOYS}/web", json=changed)
    assert ok.status_code == 200
    assert ok.json()["metadata"]["generation"] == 2
    assert ok.json()["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]
    stale = copy.deepcopy(first)
    stale["spec"]["replicas"] = 5
    resp = api.put(f"{DEPLOYS}/web", json=stale)
    assert resp.status_code == 409
    body = status_of(resp)
    assert body["reason"] == "Conflict"
    assert "the object has been modified" in body["message"]
    unconditional = copy.deepcopy(stale)
    del unconditional["metadata"]["resourceVersion"]
    assert api.put(f"{DEPLOYS}/web", json=unconditional).json()["spec"]["replicas"] == 5
    assert api.put(f"{DEPLOYS}/nope", json=unconditional).status_code == 400  # name mismatch


def test_label_changes_do_not_bump_generation_and_no_ops_keep_the_version(
    api: httpx.Client,
) -> None:
    first = make_deploy(api)
    relabelled = api.patch(
        f"{DEPLOYS}/web", headers=MERGE, json={"metadata": {"labels": {"tier": "front"}}}
    ).json()
    assert relabelled["metadata"]["generation"] == 1
    same = api.patch(f"{DEPLOYS}/web", headers=MERGE, json={"spec": {"replicas": 2}}).json()
    assert same["metadata"]["resourceVersion"] == relabelled["metadata"]["resourceVersion"]
    assert first["metadata"]["uid"] == same["metadata"]["uid"]


def test_merge_strategic_and_json_patches(api: httpx.Client) -> None:
    make_deploy(api, labels={"app": "web", "extra": "x"})
    merged = api.patch(
        f"{DEPLOYS}/web",
        headers=MERGE,
        json={"metadata": {"labels": {"extra": None}}, "spec": {"replicas": 4}},
    )
    assert merged.status_code == 200
    assert merged.json()["metadata"]["labels"] == {"app": "web"}
    assert merged.json()["spec"]["replicas"] == 4
    strategic = api.patch(
        f"{DEPLOYS}/web",
        headers={"Content-Type": "application/strategic-merge-patch+json"},
        json={"spec": {"replicas": 1}},
    )
    assert strategic.json()["spec"]["replicas"] == 1
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "add", "path": "/metadata/annotations", "value": {"a/b": "c"}},
    ]
    patched = api.patch(
        f"{DEPLOYS}/web",
        content=json.dumps(ops),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["spec"]["replicas"] == 3
    assert patched.json()["metadata"]["annotations"] == {"a/b": "c"}
    failing = [{"op": "test", "path": "/spec/replicas", "value": 9}]
    resp = api.patch(
        f"{DEPLOYS}/web",
        content=json.dumps(failing),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert resp.status_code == 422
    apply = api.patch(
        f"{DEPLOYS}/web", content="{}", headers={"Content-Type": "application/apply-patch+yaml"}
    )
    assert apply.status_code == 415
    rv_patch = {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 2}}
    assert api.patch(f"{DEPLOYS}/web", headers=MERGE, json=rv_patch).status_code == 409


def test_status_is_a_subresource(api: httpx.Client) -> None:
    made = make_deploy(api)
    made["status"] = {"readyReplicas": 7}
    put = api.put(f"{DEPLOYS}/web", json=made).json()
    assert put["status"] == {}
    status = api.patch(
        f"{DEPLOYS}/web/status",
        headers=MERGE,
        json={"status": {"readyReplicas": 1}, "spec": {"replicas": 9}},
    ).json()
    assert status["status"] == {"readyReplicas": 1} and status["spec"]["replicas"] == 2
    assert api.get(f"{DEPLOYS}/web/status").json()["status"] == {"readyReplicas": 1}


def test_scale_subresource(api: httpx.Client) -> None:
    make_deploy(api)
    scale = api.get(f"{DEPLOYS}/web/scale").json()
    assert scale["kind"] == "Scale" and scale["spec"] == {"replicas": 2}
    assert scale["status"]["selector"] == "app=web"
    patched = api.patch(f"{DEPLOYS}/web/scale", headers=MERGE, json={"spec": {"replicas": 4}})
    assert patched.json()["spec"]["replicas"] == 4
    assert api.get(f"{DEPLOYS}/web").json()["spec"]["replicas"] == 4
    stale = scale | {"spec": {"replicas": 1}}
    assert api.put(f"{DEPLOYS}/web/scale", json=stale).status_code == 409


# --- delete ----------------------------------------------------------------------------------


def test_delete_answers_a_success_status_and_namespace_deletion_cascades(
    api: httpx.Client,
) -> None:
    api.post("/api/v1/namespaces", json={"metadata": {"name": "gone"}})
    api.post("/apis/apps/v1/namespaces/gone/deployments", json=deployment("web", "x:1"))
    api.post("/api/v1/namespaces/gone/services", json=service("web", {"app": "web"}))
    resp = api.delete("/api/v1/namespaces/gone")
    assert resp.status_code == 200
    body = resp.json()
    assert body["kind"] == "Status" and body["status"] == "Success"
    assert body["details"]["name"] == "gone" and body["details"]["kind"] == "namespaces"
    assert api.get("/apis/apps/v1/namespaces/gone/deployments/web").status_code == 404
    assert api.get("/api/v1/namespaces/gone/services").json()["items"] == []
    assert api.delete("/api/v1/namespaces/gone").status_code == 404
    forbidden = api.delete("/api/v1/namespaces/default")
    assert forbidden.status_code == 403 and status_of(forbidden)["reason"] == "Forbidden"


def test_unsupported_requests(api: httpx.Client) -> None:
    assert api.post(f"{DEPLOYS}/web", json={}).status_code == 405
    assert api.get(DEPLOYS, params={"watch": "true"}).status_code == 405
    bad = api.post(DEPLOYS, content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and status_of(bad)["reason"] == "BadRequest"
    wrong_kind = deployment("web", "x:1") | {"kind": "Service"}
    assert api.post(DEPLOYS, json=wrong_kind).status_code == 400
    other_ns = deployment("web", "x:1")
    other_ns["metadata"]["namespace"] = "kube-system"
    assert api.post(DEPLOYS, json=other_ns).status_code == 400


# --- validation ------------------------------------------------------------------------------


def invalid(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 422, resp.text
    body = status_of(resp)
    assert body["reason"] == "Invalid"
    return body


def test_names_must_be_dns_1123(api: httpx.Client) -> None:
    body = invalid(api.post("/api/v1/namespaces", json={"metadata": {"name": "Dev_1"}}))
    assert body["message"].startswith('Namespace "Dev_1" is invalid: metadata.name: Invalid')
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    invalid(api.post(DEPLOYS, json=deployment("Web", "x:1")))
    invalid(api.post("/api/v1/namespaces/default/services", json=service("1web", {"a": "b"})))
    invalid(api.post(DEPLOYS, json=deployment("web", "x:1", labels={"app": "a b"})))


def test_deployment_needs_a_matching_selector_and_an_image(api: httpx.Client) -> None:
    mismatch = deployment("web", "x:1")
    mismatch["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    body = invalid(api.post(DEPLOYS, json=mismatch))
    assert "`selector` does not match template `labels`" in body["message"]
    no_selector = deployment("web", "x:1")
    del no_selector["spec"]["selector"]
    assert (
        "spec.selector: Required value" in invalid(api.post(DEPLOYS, json=no_selector))["message"]
    )
    no_image = deployment("web", "")
    causes = invalid(api.post(DEPLOYS, json=no_image))["details"]["causes"]
    assert causes == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value",
            "field": "spec.template.spec.containers[0].image",
        }
    ]
    no_containers = deployment("web", "x:1")
    no_containers["spec"]["template"]["spec"]["containers"] = []
    invalid(api.post(DEPLOYS, json=no_containers))
    both_zero = deployment("web", "x:1")
    both_zero["spec"]["strategy"] = {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}
    invalid(api.post(DEPLOYS, json=both_zero))
    make_deploy(api)
    moved = {
        "spec": {
            "selector": {"matchLabels": {"app": "x"}},
            "template": {"metadata": {"labels": {"app": "x"}}},
        }
    }
    immutable = invalid(api.patch(f"{DEPLOYS}/web", headers=MERGE, json=moved))
    assert "field is immutable" in immutable["message"]


@pytest.mark.parametrize(
    "annotations",
    [
        {**canary(), "nginx.ingress.kubernetes.io/canary-weight": "abc"},
        canary(weight=150),
        canary(weight=-1),
        canary(weight=20, weight_total="0"),
        {"nginx.ingress.kubernetes.io/canary": "yes"},
        canary(weight=10, by_cookie="bad cookie"),
    ],
)
def test_canary_annotations_are_validated(api: httpx.Client, annotations: dict[str, str]) -> None:
    resp = api.post(
        "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
        json=ingress("web-canary", "web-canary", annotations),
    )
    body = invalid(resp)
    assert "metadata.annotations[nginx.ingress.kubernetes.io/canary" in body["message"]


def test_valid_canary_weights_and_totals(api: httpx.Client) -> None:
    path = "/apis/networking.k8s.io/v1/namespaces/default/ingresses"
    for i, ann in enumerate([canary(0), canary(100), canary(250, weight_total="1000")]):
        assert api.post(path, json=ingress(f"c{i}", "web", ann)).status_code == 201


def test_ingress_paths_need_a_type_and_a_backend(api: httpx.Client) -> None:
    path = "/apis/networking.k8s.io/v1/namespaces/default/ingresses"
    bad = ingress("web", "web")
    rule_path = bad["spec"]["rules"][0]["http"]["paths"][0]
    del rule_path["pathType"]
    rule_path["path"] = "api"
    causes = {c["field"] for c in invalid(api.post(path, json=bad))["details"]["causes"]}
    assert causes == {"spec.rules[0].http.paths[0].pathType", "spec.rules[0].http.paths[0].path"}


def test_secrets_and_services_get_their_defaults(api: httpx.Client) -> None:
    secret = {"metadata": {"name": "s"}, "stringData": {"token": "abc"}}
    made = api.post("/api/v1/namespaces/default/secrets", json=secret).json()
    assert made["type"] == "Opaque" and made["data"] == {"token": "YWJj"}
    assert "stringData" not in made
    bad_docker = {
        "metadata": {"name": "d"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(b"[]").decode()},
    }
    invalid(api.post("/api/v1/namespaces/default/secrets", json=bad_docker))
    svc = api.post("/api/v1/namespaces/default/services", json=service("web", {"a": "b"})).json()
    assert svc["spec"]["clusterIP"].startswith("127.96.")
    assert svc["spec"]["ports"][0]["protocol"] == "TCP" and svc["spec"]["type"] == "ClusterIP"
    del svc["spec"]["clusterIP"]
    replaced = api.put("/api/v1/namespaces/default/services/web", json=svc).json()
    assert replaced["spec"]["clusterIP"].startswith("127.96.")
    dep = make_deploy(api)
    c = dep["spec"]["template"]["spec"]["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["readinessProbe"]["successThreshold"] == 1  # filled in by the API server
    assert dep["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }


def test_tls_serves_with_the_clusters_own_ca(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    import ssl

    from world.cluster.admission import Admission
    from world.cluster.api import ApiServer
    from world.cluster.store import Store
    from world.cluster.tls import make_server_tls

    server_tls = make_server_tls(tmp_path / "pki", "kata-test")
    server = ApiServer(Store(Admission()), token=TOKEN, tls=server_tls.context()).start()
    try:
        assert server.url.startswith("https://127.0.0.1:")
        verify = ssl.create_default_context(cadata=server_tls.ca_pem.decode())
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=server.url, verify=verify, headers=headers) as client:
            assert client.get("/api/v1/namespaces").status_code == 200
        with pytest.raises(httpx.ConnectError):  # an unknown CA is refused
            httpx.get(f"{server.url}/version")
        path = write_kubeconfig(tmp_path / "kc", "k", server.url, TOKEN, server_tls.ca_pem)
        cluster = yaml.safe_load(path.read_text())["clusters"][0]["cluster"]
        assert base64.b64decode(cluster["certificate-authority-data"]) == server_tls.ca_pem
        assert "insecure-skip-tls-verify" not in cluster
    finally:
        server.stop()
