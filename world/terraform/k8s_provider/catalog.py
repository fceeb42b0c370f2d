"""What the stand-in serves, by name (importable without loading the provider itself)."""

from __future__ import annotations

RESOURCE_TYPES = (
    "kubernetes_namespace_v1",
    "kubernetes_secret_v1",
    "kubernetes_deployment_v1",
    "kubernetes_service_v1",
    "kubernetes_ingress_v1",
    "kubernetes_namespace",
    "kubernetes_secret",
    "kubernetes_deployment",
    "kubernetes_service",
)
DATA_SOURCE_TYPES = ("kubernetes_namespace_v1", "kubernetes_namespace")
