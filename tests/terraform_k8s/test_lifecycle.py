"""Real terraform through the kubernetes stand-in against a LocalClusterStandIn.

One root module (namespace, dockerconfigjson Secret, stable and canary Deployments, two
Services, the main Ingress and a canary Ingress) goes through its whole life in this module;
the tests run in file order and each leaves it applied for the next (the last destroys it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.terraform import runner
from world.cluster import LocalClusterStandIn

from .conftest import Terraform, needs_terraform, new_run_id, terraform_env

pytestmark = [needs_terraform, pytest.mark.docker]

HOST = "web.kata.local"
MAIN_TF = """\
terraform {
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.30"
    }
  }
}

provider "kubernetes" {}

variable "namespace" {
  type = string
}

variable "host" {
  type = string
}

variable "stable_image" {
  type = string
}

variable "canary_image" {
  type = string
}

variable "canary_weight" {
  type    = number
  default = 20
}

variable "registry_password" {
  type      = string
  sensitive = true
  default   = "s3cret"
}

resource "kubernetes_namespace_v1" "this" {
  metadata {
    name   = var.namespace
    labels = { "app.kubernetes.io/managed-by" = "terraform" }
  }
}

resource "kubernetes_secret_v1" "registry" {
  metadata {
    name      = "registry"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  type = "kubernetes.io/dockerconfigjson"
  data = {
    ".dockerconfigjson" = jsonencode({
      auths = { "127.0.0.1:5000" = { auth = base64encode("kata:${var.registry_password}") } }
    })
  }
}

resource "kubernetes_deployment_v1" "stable" {
  metadata {
    name      = "web-stable"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = { app = "web", track = "stable" }
  }
  spec {
    replicas = 2
    selector {
      match_labels = { app = "web", track = "stable" }
    }
    strategy {
      type = "RollingUpdate"
      rolling_update {
        max_surge       = "1"
        max_unavailable = "0"
      }
    }
    template {
      metadata {
        labels = { app = "web", track = "stable" }
      }
      spec {
        image_pull_secrets {
          name = kubernetes_secret_v1.registry.metadata[0].name
        }
        container {
          name  = "app"
          image = var.stable_image
          port {
            name           = "http"
            container_port = 8080
          }
          env {
            name  = "TRACK"
            value = "stable"
          }
          resources {
            limits   = { cpu = "500m", memory = "128Mi" }
            requests = { cpu = "0.1", memory = "64Mi" }
          }
          readiness_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 1
            failure_threshold = 1
          }
          liveness_probe {
            http_get {
              path = "/healthz"
              port = 8080
            }
            initial_delay_seconds = 5
            period_seconds        = 5
          }
          security_context {
            allow_privilege_escalation = false
            capabilities {
              drop = ["ALL"]
            }
          }
        }
      }
    }
  }
  timeouts {
    create = "2m"
    update = "2m"
  }
}

resource "kubernetes_deployment_v1" "canary" {
  metadata {
    name      = "web-canary"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = { app = "web", track = "canary" }
  }
  spec {
    replicas = 1
    selector {
      match_labels = { app = "web", track = "canary" }
    }
    template {
      metadata {
        labels = { app = "web", track = "canary" }
      }
      spec {
        image_pull_secrets {
          name = kubernetes_secret_v1.registry.metadata[0].name
        }
        container {
          name  = "app"
          image = var.canary_image
          port {
            container_port = 8080
          }
          readiness_probe {
            http_get {
              path = "/healthz"
              port = 8080
            }
            period_seconds    = 1
            failure_threshold = 1
          }
        }
      }
    }
  }
  timeouts {
    create = "2m"
    update = "2m"
  }
}

resource "kubernetes_service_v1" "stable" {
  metadata {
    name      = "web-stable"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  spec {
    selector = { app = "web", track = "stable" }
    port {
      name        = "http"
      port        = 80
      target_port = "http"
    }
  }
}

resource "kubernetes_service_v1" "canary" {
  metadata {
    name      = "web-canary"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  spec {
    type     = "ClusterIP"
    selector = { app = "web", track = "canary" }
    port {
      port        = 80
      target_port = 8080
    }
  }
}

resource "kubernetes_ingress_v1" "main" {
  metadata {
    name      = "web"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  spec {
    ingress_class_name = "nginx"
    rule {
      host = var.host
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = kubernetes_service_v1.stable.metadata[0].name
              port {
                number = 80
              }
            }
          }
        }
      }
    }
  }
  wait_for_load_balancer = true
  depends_on             = [kubernetes_deployment_v1.stable]
}

resource "kubernetes_ingress_v1" "canary" {
  metadata {
    name      = "web-canary"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    annotations = {
      "nginx.ingress.kubernetes.io/canary"        = "true"
      "nginx.ingress.kubernetes.io/canary-weight" = var.canary_weight
    }
  }
  spec {
    ingress_class_name = "nginx"
    rule {
      host = var.host
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = kubernetes_service_v1.canary.metadata[0].name
              port {
                number = 80
              }
            }
          }
        }
      }
    }
  }
  depends_on = [kubernetes_deployment_v1.canary, kubernetes_ingress_v1.main]
}

output "cluster_ip" {
  value = kubernetes_service_v1.stable.spec[0].cluster_ip
}

data "kubernetes_namespace_v1" "this" {
  metadata {
    name = kubernetes_namespace_v1.this.metadata[0].name
  }
}

output "finalizers" {
  value = join(",", data.kubernetes_namespace_v1.this.spec[0].finalizers)
}

output "ingress_ip" {
  value = kubernetes_ingress_v1.main.status[0].load_balancer[0].ingress[0].ip
}
"""


@dataclass
class Stack:
    """The applied root module, its cluster and the variables of the last apply."""

    tf: Terraform
    cluster: LocalClusterStandIn
    kube: httpx.Client
    namespace: str
    images: dict[str, str]

    def args(self, weight: int = 20, canary: str = "v1") -> list[str]:
        values = {
            "namespace": self.namespace,
            "host": HOST,
            "stable_image": self.images["v1"],
            "canary_image": self.images[canary],
            "canary_weight": str(weight),
        }
        return [f"-var={k}={v}" for k, v in values.items()]

    def get(self, path: str) -> Any:
        return self.kube.get(path.format(ns=self.namespace))

    def upstreams(self, count: int) -> dict[str, int]:
        """Requests through the ingress router for HOST, counted by X-Kata-Upstream."""
        seen: dict[str, int] = {}
        with httpx.Client(base_url=self.cluster.ingress_url, timeout=5) as client:
            for _ in range(count):
                resp = client.get("/", headers={"Host": HOST})
                assert resp.status_code == 200, resp.text
                name = resp.headers.get("X-Kata-Upstream", "")
                seen[name] = seen.get(name, 0) + 1
        return seen


def changes(plan_output: str) -> tuple[int, int, int]:
    found = re.search(r"Plan: (\d+) to add, (\d+) to change, (\d+) to destroy", plan_output)
    assert found, plan_output[-2000:]
    return int(found[1]), int(found[2]), int(found[3])


@pytest.fixture(scope="module")
def stack(
    docker_client: Any, app_images: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("k8s-tf")
    project = workdir / "project"
    project.mkdir()
    (project / "main.tf").write_text(MAIN_TF)
    cluster = LocalClusterStandIn(new_run_id(), workdir / "cluster", drain=0.2)
    with cluster, cluster.http() as kube:
        tf = Terraform(project, terraform_env(workdir, cluster.kubeconfig_path))
        applied = Stack(tf, cluster, kube, "tk-" + new_run_id()[2:], app_images)
        yield applied
        state = project / "terraform.tfstate"
        if state.exists() and json.loads(state.read_text())["resources"]:
            tf("destroy", "-auto-approve", *applied.args(), ok=(0, 1))  # a test failed midway
        timings = {k: [round(t, 1) for t in v] for k, v in tf.timings.items()}
        print(f"\nterraform timings (s): {json.dumps(timings)}")
    assert cluster.leftovers() == []


def test_init_installs_the_stand_in_from_the_mirror(stack: Stack) -> None:
    out = stack.tf("init", "-input=false")
    assert "Installing hashicorp/kubernetes v2.99.0" in out
    assert "Installed hashicorp/kubernetes v2.99.0 (unauthenticated)" in out


def test_apply_creates_everything_with_ready_pods(stack: Stack) -> None:
    out = stack.tf("apply", "-auto-approve", *stack.args())
    assert "Apply complete! Resources: 8 added, 0 changed, 0 destroyed." in out
    for name, replicas in (("web-stable", 2), ("web-canary", 1)):
        deploy = stack.get(f"/apis/apps/v1/namespaces/{{ns}}/deployments/{name}").json()
        status = deploy["status"]
        assert status.get("availableReplicas") == status.get("updatedReplicas") == replicas
    secret = stack.get("/api/v1/namespaces/{ns}/secrets/registry").json()
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    ingress = stack.get("/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/web-canary").json()
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/canary-weight"] == "20"
    assert stack.tf("output", "-raw", "ingress_ip") == "127.0.0.1"  # wait_for_load_balancer
    assert stack.tf("output", "-raw", "cluster_ip").startswith("127.96.")
    assert stack.tf("output", "-raw", "finalizers") == "kubernetes"  # the data source


def test_traffic_reaches_both_tracks(stack: Stack) -> None:
    assert stack.cluster.wait_synced(15)
    seen = stack.upstreams(100)
    assert set(seen) == {"web-stable", "web-canary"}, seen
    assert seen["web-canary"] == 20, seen


def test_plan_after_apply_has_no_changes(stack: Stack) -> None:
    out = stack.tf("plan", "-detailed-exitcode", *stack.args())
    assert "No changes." in out


def test_weight_change_updates_the_canary_ingress_in_place(stack: Stack) -> None:
    uid = stack.get("/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/web-canary").json()
    plan = stack.tf("plan", *stack.args(weight=0))
    assert changes(plan) == (0, 1, 0)
    assert "kubernetes_ingress_v1.canary will be updated in-place" in plan
    out = stack.tf("apply", "-auto-approve", *stack.args(weight=0))
    assert "Resources: 0 added, 1 changed, 0 destroyed." in out
    after = stack.get("/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/web-canary").json()
    assert after["metadata"]["uid"] == uid["metadata"]["uid"]
    assert stack.cluster.wait_synced(15)
    assert stack.upstreams(50) == {"web-stable": 50}


def test_image_change_rolls_the_canary(stack: Stack) -> None:
    path = "/apis/apps/v1/namespaces/{ns}/deployments/web-canary"
    before = stack.get(path).json()
    plan = stack.tf("plan", *stack.args(weight=0, canary="v2"))
    assert changes(plan) == (0, 1, 0)
    assert "kubernetes_deployment_v1.canary will be updated in-place" in plan
    out = stack.tf("apply", "-auto-approve", *stack.args(weight=0, canary="v2"))
    assert "Resources: 0 added, 1 changed, 0 destroyed." in out
    after = stack.get(path).json()
    assert after["metadata"]["uid"] == before["metadata"]["uid"]
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    container = after["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == stack.images["v2"]
    status = after["status"]
    assert status["updatedReplicas"] == status["availableReplicas"] == 1, status
    pods = stack.get("/api/v1/namespaces/{ns}/pods?labelSelector=track%3Dcanary").json()
    serving = [p for p in pods["items"] if "deletionTimestamp" not in p["metadata"]]
    assert {p["spec"]["containers"][0]["image"] for p in serving} == {stack.images["v2"]}
    replies = {
        httpx.get(f"http://{address}/", timeout=5).json()["version"]
        for _, address in stack.cluster.endpoints(stack.namespace, "web-canary")
    }
    assert replies == {"v2"}
    assert "No changes." in stack.tf("plan", *stack.args(weight=0, canary="v2"))


def test_refresh_forgets_objects_deleted_outside_terraform(stack: Stack) -> None:
    resp = stack.kube.delete(f"/api/v1/namespaces/{stack.namespace}/services/web-canary")
    assert resp.status_code == 200, resp.text
    plan = stack.tf("plan", *stack.args(weight=0, canary="v2"))
    assert "kubernetes_service_v1.canary will be created" in plan
    assert changes(plan) == (1, 0, 0)
    stack.tf("apply", "-auto-approve", *stack.args(weight=0, canary="v2"))


def test_destroy_leaves_nothing_in_the_api(stack: Stack) -> None:
    out = stack.tf("destroy", "-auto-approve", *stack.args(weight=0, canary="v2"))
    assert "Resources: 8 destroyed." in out
    assert stack.get("/api/v1/namespaces/{ns}").status_code == 404
    assert stack.kube.get("/apis/apps/v1/deployments").json()["items"] == []
    state = json.loads((stack.tf.directory / "terraform.tfstate").read_text())
    assert state["resources"] == []


BROKEN_TF = """\
provider "kubernetes" {}

variable "namespace" {
  type = string
}

resource "kubernetes_namespace_v1" "this" {
  metadata {
    name = var.namespace
  }
}

resource "kubernetes_deployment_v1" "broken" {
  metadata {
    name      = "broken"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }
  spec {
    selector {
      match_labels = { app = "broken" }
    }
    template {
      metadata {
        labels = { app = "broken" }
      }
      spec {
        container {
          name  = "app"
          image = "127.0.0.1:9/kata/missing:v1"
        }
      }
    }
  }
  timeouts {
    create = "6s"
  }
}
"""


def test_a_rollout_that_cannot_finish_fails_with_the_pods_reasons(stack: Stack) -> None:
    project = stack.tf.directory.parent / "broken"
    project.mkdir()
    (project / "main.tf").write_text(BROKEN_TF)
    tf = Terraform(project, stack.tf.env, stack.tf.timings)
    tf("init", "-input=false")
    var = f"-var=namespace={stack.namespace}-broken"
    result = runner.run(["apply", "-auto-approve", "-no-color", var], project, tf.env, 120)
    assert result.returncode == 1
    error = runner.readable(result.stderr)
    assert "rollout did not finish within 6s" in error, error
    assert re.search(r"broken-\w+-\d+: (ErrImagePull|ImagePullBackOff)", error), error
    assert "is tainted, so must be replaced" in tf("plan", var)
    tf("destroy", "-auto-approve", var)


def test_timings_fit_the_budget(stack: Stack) -> None:
    total = sum(sum(v) for v in stack.tf.timings.values())
    assert total < 120, stack.tf.timings
