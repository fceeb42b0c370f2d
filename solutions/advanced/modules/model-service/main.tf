# One environment of the iris API: a namespace with a stable version and,
# optionally, a canary version beside it that gets a share of the traffic.
#
#   Ingress "<app>" (host) ---------------> Service "<app>-stable" -> Deployment "<app>-stable"
#   Ingress "<app>-canary" (same host, canary annotations)
#                          --(weight %)---> Service "<app>-canary" -> Deployment "<app>-canary"
#
# ingress-nginx treats an Ingress annotated `canary: "true"` as the canary of
# the normal Ingress with the same host and path: it sends `canary-weight`
# percent of the requests there, and every request carrying the header
# `X-Canary: always` (`never` forces the stable version). Removing the canary
# (canary_image = "") deletes the canary objects: all traffic is stable again.

locals {
  canary_enabled = var.canary_image != ""

  # MODEL_VERSION defaults to the image's tag: "registry:5000/iris:sha-abc" -> "sha-abc".
  stable_version = coalesce(var.model_version_stable, try(regex(":([^:/]+)$", var.stable_image)[0], "unknown"))
  canary_version = coalesce(var.model_version_canary, try(regex(":([^:/]+)$", var.canary_image)[0], "unknown"))
}

resource "kubernetes_namespace_v1" "this" {
  metadata {
    name = var.namespace
    labels = {
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }
}

# The cluster pulls from a private registry with this secret. Its content is
# the same JSON `docker login` writes to ~/.docker/config.json. The password
# comes from a sensitive variable (a CI secret), never from a file.
resource "kubernetes_secret_v1" "registry" {
  metadata {
    name      = "${var.app_name}-registry"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
  }

  type = "kubernetes.io/dockerconfigjson"

  data = {
    ".dockerconfigjson" = jsonencode({
      auths = {
        (var.registry_server) = {
          auth = base64encode("${var.registry_username}:${var.registry_password}")
        }
      }
    })
  }
}

# One Deployment per track. Written out twice rather than with for_each so
# each reads on its own; they differ in track, image, version and count.
resource "kubernetes_deployment_v1" "stable" {
  metadata {
    name      = "${var.app_name}-stable"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = { app = var.app_name, track = "stable" }
  }

  spec {
    replicas = var.replicas

    selector {
      match_labels = { app = var.app_name, track = "stable" }
    }

    # Replace pods one at a time and never go below the wanted count: a new
    # stable version rolls out without dropping requests.
    strategy {
      type = "RollingUpdate"
      rolling_update {
        max_surge       = "1"
        max_unavailable = "0"
      }
    }

    template {
      metadata {
        labels = { app = var.app_name, track = "stable" }
      }

      spec {
        image_pull_secrets {
          name = kubernetes_secret_v1.registry.metadata[0].name
        }

        container {
          name  = "api"
          image = var.stable_image

          port {
            name           = "http"
            container_port = 8000
          }

          env {
            name  = "MODEL_VERSION"
            value = local.stable_version
          }

          resources {
            requests = { cpu = "100m", memory = "128Mi" }
            limits   = { cpu = "1", memory = "256Mi" }
          }

          # Ready = loaded the model: only then does the Service send it traffic.
          readiness_probe {
            http_get {
              path = "/health"
              port = 8000
            }
            initial_delay_seconds = 2
            period_seconds        = 5
            timeout_seconds       = 2
            failure_threshold     = 3
          }

          # Alive = still answering: otherwise the kubelet restarts it.
          liveness_probe {
            http_get {
              path = "/health"
              port = 8000
            }
            initial_delay_seconds = 10
            period_seconds        = 10
            timeout_seconds       = 2
            failure_threshold     = 3
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = 10001
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }
        }
      }
    }
  }

  # `terraform apply` waits until the new pods are ready (wait_for_rollout is
  # on by default), within these limits.
  timeouts {
    create = "3m"
    update = "3m"
  }
}

resource "kubernetes_deployment_v1" "canary" {
  count = local.canary_enabled ? 1 : 0

  metadata {
    name      = "${var.app_name}-canary"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = { app = var.app_name, track = "canary" }
  }

  spec {
    replicas = 1

    selector {
      match_labels = { app = var.app_name, track = "canary" }
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
        labels = { app = var.app_name, track = "canary" }
      }

      spec {
        image_pull_secrets {
          name = kubernetes_secret_v1.registry.metadata[0].name
        }

        container {
          name  = "api"
          image = var.canary_image

          port {
            name           = "http"
            container_port = 8000
          }

          env {
            name  = "MODEL_VERSION"
            value = local.canary_version
          }

          resources {
            requests = { cpu = "100m", memory = "128Mi" }
            limits   = { cpu = "1", memory = "256Mi" }
          }

          readiness_probe {
            http_get {
              path = "/health"
              port = 8000
            }
            initial_delay_seconds = 2
            period_seconds        = 5
            timeout_seconds       = 2
            failure_threshold     = 3
          }

          liveness_probe {
            http_get {
              path = "/health"
              port = 8000
            }
            initial_delay_seconds = 10
            period_seconds        = 10
            timeout_seconds       = 2
            failure_threshold     = 3
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = 10001
            allow_privilege_escalation = false
            read_only_root_filesystem  = true
            capabilities {
              drop = ["ALL"]
            }
          }
        }
      }
    }
  }

  timeouts {
    create = "3m"
    update = "3m"
  }
}

# One ClusterIP Service per track: port 80 inside the cluster -> 8000 in the pod.
resource "kubernetes_service_v1" "stable" {
  metadata {
    name      = "${var.app_name}-stable"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = { app = var.app_name, track = "stable" }
  }

  spec {
    type     = "ClusterIP"
    selector = { app = var.app_name, track = "stable" }

    port {
      name        = "http"
      port        = 80
      target_port = 8000
    }
  }
}

resource "kubernetes_service_v1" "canary" {
  count = local.canary_enabled ? 1 : 0

  metadata {
    name      = "${var.app_name}-canary"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    labels    = { app = var.app_name, track = "canary" }
  }

  spec {
    type     = "ClusterIP"
    selector = { app = var.app_name, track = "canary" }

    port {
      name        = "http"
      port        = 80
      target_port = 8000
    }
  }
}

# The environment's front door: every request for var.host goes to the
# stable Service, unless the canary Ingress below takes it.
resource "kubernetes_ingress_v1" "main" {
  metadata {
    name      = var.app_name
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

  depends_on = [kubernetes_deployment_v1.stable]
}

resource "kubernetes_ingress_v1" "canary" {
  count = local.canary_enabled ? 1 : 0

  metadata {
    name      = "${var.app_name}-canary"
    namespace = kubernetes_namespace_v1.this.metadata[0].name
    annotations = {
      "nginx.ingress.kubernetes.io/canary"           = "true"
      "nginx.ingress.kubernetes.io/canary-weight"    = tostring(var.canary_weight)
      "nginx.ingress.kubernetes.io/canary-by-header" = "X-Canary"
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
              name = kubernetes_service_v1.canary[0].metadata[0].name
              port {
                number = 80
              }
            }
          }
        }
      }
    }
  }

  # The canary's pods must be ready before it takes any traffic.
  depends_on = [kubernetes_deployment_v1.canary]
}
