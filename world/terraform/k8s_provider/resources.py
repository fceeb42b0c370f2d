"""Every resource type the stand-in serves (anything else: Terraform refuses the type)."""

from __future__ import annotations

from .core import Namespace, NamespaceAlias, Secret, SecretAlias, Service, ServiceAlias
from .networking import Ingress
from .workloads import Deployment, DeploymentAlias

RESOURCES = (
    Namespace,
    Secret,
    Deployment,
    Service,
    Ingress,
    NamespaceAlias,
    SecretAlias,
    DeploymentAlias,
    ServiceAlias,
)
