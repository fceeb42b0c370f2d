"""The resources against the cluster stand-in's API server alone (no Docker, no Terraform),
and `terraform validate` refusing what the stand-in does not serve."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tf.utils import Diagnostics

from harness.terraform import runner
from world.cluster.admission import Admission
from world.cluster.api import ApiServer
from world.cluster.kubeconfig import write_kubeconfig
from world.cluster.store import Store
from world.terraform.k8s_provider.core import Namespace, Secret, Service
from world.terraform.k8s_provider.data_sources import NamespaceData
from world.terraform.k8s_provider.networking import Ingress
from world.terraform.k8s_provider.provider import K8sProvider
from world.terraform.k8s_provider.workloads import Deployment

from .conftest import needs_terraform, terraform_env


class Ctx:
    def __init__(self, type_name: str) -> None:
        self.diagnostics = Diagnostics()
        self.type_name = type_name


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[K8sProvider]:
    server = ApiServer(Store(Admission()), token="t0ken").start()
    path = write_kubeconfig(tmp_path / "kubeconfig", "kata-test", server.url, "t0ken")
    p = K8sProvider()
    diags = Diagnostics()
    p.configure_provider(diags, {"config_path": str(path)})
    assert not diags.diagnostics
    yield p
    p.client.http.close()
    server.stop()


def test_https_with_the_cluster_ca_from_the_kubeconfig(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    from world.cluster.tls import make_server_tls

    tls = make_server_tls(tmp_path / "pki", "kata-tls")
    server = ApiServer(Store(Admission()), token="t0ken", tls=tls.context()).start()
    try:
        path = write_kubeconfig(tmp_path / "kc", "kata-tls", server.url, "t0ken", tls.ca_pem)
        p = K8sProvider()
        p.configure_provider(Diagnostics(), {"config_path": str(path)})
        assert server.url.startswith("https://")
        state = apply(Namespace(p), {"metadata": [{"name": "secure"}]})
        assert state["metadata"][0]["uid"]
        p.client.http.close()
    finally:
        server.stop()


def apply(resource: Any, config: dict[str, Any], prior: dict[str, Any] | None = None) -> Any:
    """Plan and apply like Terraform: create, or update in place."""
    ctx = Ctx(f"kubernetes_{resource.name}")
    planned, replace = resource.plan_change(prior, config)
    assert replace == []
    state = resource.create(ctx, planned) if prior is None else resource.update(ctx, prior, planned)
    assert not ctx.diagnostics.diagnostics, str(ctx.diagnostics)
    assert resource.plan_change(state, config) == (state, []), "a plan after apply has changes"
    return state


def test_namespace_and_secret_round_trip(provider: K8sProvider) -> None:
    ns = Namespace(provider)
    state = apply(ns, {"metadata": [{"name": "shop", "labels": {"team": "a"}}]})
    assert state["id"] == "shop"
    assert state["metadata"][0]["labels"] == {"team": "a"}  # kubernetes.io/metadata.name hidden
    live = provider.client.get("/api/v1/namespaces/shop")
    assert live["metadata"]["labels"]["kubernetes.io/metadata.name"] == "shop"
    state = apply(ns, {"metadata": [{"name": "shop", "labels": {"team": "b"}}]}, state)
    live = provider.client.get("/api/v1/namespaces/shop")
    assert live["metadata"]["labels"] == {"team": "b", "kubernetes.io/metadata.name": "shop"}

    data = NamespaceData(provider).read(Ctx("k"), {"metadata": [{"name": "shop"}]})
    assert data["id"] == "shop" and data["metadata"][0]["labels"] == {"team": "b"}
    assert data["spec"] == [{"finalizers": ["kubernetes"]}]
    imported = ns.import_(Ctx("k"), "shop")
    assert ns.read(Ctx("k"), imported) == state

    secret = Secret(provider)
    config = {
        "metadata": [{"name": "creds", "namespace": "shop"}],
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": '{"auths":{"r:5000":{"auth":"dTpw"}}}'},
    }
    s = apply(secret, config)
    assert s["data"] == config["data"] and s["id"] == "shop/creds"
    stored = provider.client.get("/api/v1/namespaces/shop/secrets/creds")
    assert stored["type"] == "kubernetes.io/dockerconfigjson"
    provider.client.delete("/api/v1/namespaces/shop/secrets/creds")
    assert secret.read(Ctx("kubernetes_secret_v1"), s) is None  # deleted outside Terraform
    ns.delete(Ctx("kubernetes_namespace_v1"), state)
    assert provider.client.find("/api/v1/namespaces/shop") is None


def test_service_ingress_and_deployment_round_trip(provider: K8sProvider) -> None:
    apply(Namespace(provider), {"metadata": [{"name": "web"}]})
    labels = {"app": "web"}
    svc = apply(Service(provider), {
        "metadata": [{"name": "web", "namespace": "web"}],
        "spec": [{"selector": labels, "port": [{"port": 80, "target_port": "http"}]}],
    })  # fmt: skip
    assert svc["spec"][0]["cluster_ip"].startswith("127.96.")
    canary = {"nginx.ingress.kubernetes.io/canary": "true"}
    rule = {"host": "a.b", "http": [{"path": [{"path": "/", "path_type": "Prefix", "backend": [
        {"service": [{"name": "web", "port": [{"number": 80}]}]}]}]}]}  # fmt: skip
    config: dict[str, Any] = {
        "metadata": [{"name": "web", "namespace": "web", "annotations": canary}],
        "spec": [{"ingress_class_name": "nginx", "rule": [rule]}],
    }
    ing = apply(Ingress(provider), config)
    weighted = canary | {"nginx.ingress.kubernetes.io/canary-weight": "20"}
    config["metadata"][0]["annotations"] = weighted
    ing2 = apply(Ingress(provider), config, ing)
    assert ing2["metadata"][0]["uid"] == ing["metadata"][0]["uid"]
    live = provider.client.get("/apis/networking.k8s.io/v1/namespaces/web/ingresses/web")
    assert live["metadata"]["annotations"] == weighted
    deploy: dict[str, Any] = {
        "metadata": [{"name": "web", "namespace": "web"}],
        "spec": [{
            "replicas": "2",
            "selector": [{"match_labels": labels}],
            "template": [{"metadata": [{"labels": labels}], "spec": [{"container": [
                {"name": "app", "image": "web:v1", "port": [{"container_port": 8080}],
                 "resources": [{"limits": {"cpu": "0.5"}}]}]}]}],
        }],
        "wait_for_rollout": False,
    }  # fmt: skip
    d = apply(Deployment(provider), deploy)
    assert d["spec"][0]["strategy"][0]["rolling_update"][0]["max_surge"] == "25%"
    assert d["spec"][0]["template"][0]["spec"][0]["container"][0]["image_pull_policy"] == (
        "IfNotPresent"
    )
    deploy["spec"][0]["replicas"] = "3"
    d2 = apply(Deployment(provider), deploy, d)
    assert d2["metadata"][0]["generation"] == 2
    Deployment(provider).delete(Ctx("kubernetes_deployment_v1"), d2)
    assert provider.client.find("/apis/apps/v1/namespaces/web/deployments/web") is None


def test_api_errors_become_readable_messages(provider: K8sProvider) -> None:
    ctx = Ctx("kubernetes_secret_v1")
    planned, _ = Secret(provider).plan_change(
        None, {"metadata": [{"name": "x", "namespace": "none"}]}
    )
    with pytest.raises(Exception, match=r'POST .*: namespaces "none" not found \(NotFound\)'):
        Secret(provider).create(ctx, planned)


UNSUPPORTED_TF = """\
provider "kubernetes" {}

resource "kubernetes_config_map_v1" "c" {
  metadata {
    name = "c"
  }
}

resource "kubernetes_deployment_v1" "d" {
  metadata {
    name = "d"
  }
  spec {
    selector {
      match_labels = { app = "d" }
    }
    template {
      metadata {
        labels = { app = "d" }
      }
      spec {
        node_selector = { disk = "ssd" }
        container {
          name   = "app"
          image  = "app:v1"
          colour = "blue"
        }
      }
    }
  }
}
"""


@needs_terraform
def test_terraform_validate_names_what_is_not_served(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "main.tf").write_text(UNSUPPORTED_TF)
    env = terraform_env(tmp_path, tmp_path / "no-kubeconfig")
    ok, diagnostics = runner.validate(tmp_path / "project", env)
    assert not ok
    text = "\n".join(diagnostics)
    assert 'does not support resource type "kubernetes_config_map_v1"' in text
    assert 'An argument named "colour" is not expected here.' in text
    del_config_map = UNSUPPORTED_TF.split('resource "kubernetes_deployment_v1"')[1]
    (tmp_path / "project" / "main.tf").write_text(
        'provider "kubernetes" {}\nresource "kubernetes_deployment_v1"'
        + del_config_map.replace('          colour = "blue"\n', "")
    )
    ok, diagnostics = runner.validate(tmp_path / "project", env)
    assert not ok
    assert any(
        "kubernetes_deployment_v1.spec.template.spec.node_selector is not supported by the "
        "offline kubernetes stand-in" in d
        for d in diagnostics
    ), diagnostics
