"""The backends a graded run starts, behind one small lifecycle.

Every backend (Docker engine, seeded base image, registry, AWS emulator, Terraform, VM
stand-in, cluster, act) is a `Service`: `start()`, `stop() -> problems`, `describe()` for the
banner and the report, and `exposes()`: what the learner's workflow gets from it (repository
variables, step environment), what must never be printed, and which processes the teardown
proof must find gone. A `ServiceSet` owns the started services: it stops them in reverse
order, whatever happened, and collects what they could not remove, so teardown has exactly
one owner. A `Requirement` is what must be on the machine before any service starts.

    base.py        the protocol, ServiceSet, Requirement (engine, registry binary, terraform)
    containers.py  engine, base image, registry, act
    cloud.py       AWS emulator, Terraform wired to it, VM stand-ins
    cluster.py     the Kubernetes cluster (stand-in or kind)
"""

from .base import (
    ENGINE,
    REGISTRY_BINARY,
    TERRAFORM,
    Description,
    Exposure,
    QuietService,
    Requirement,
    Service,
    ServiceSet,
    first_missing,
)
from .cloud import AwsService, TerraformService, VmService, terraform_env
from .cluster import ClusterService, cuda_note
from .containers import (
    ActService,
    BaseImageService,
    EngineService,
    RegistryService,
    image_services,
)

__all__ = [
    "ENGINE",
    "REGISTRY_BINARY",
    "TERRAFORM",
    "ActService",
    "AwsService",
    "BaseImageService",
    "ClusterService",
    "Description",
    "EngineService",
    "Exposure",
    "QuietService",
    "RegistryService",
    "Requirement",
    "Service",
    "ServiceSet",
    "TerraformService",
    "VmService",
    "cuda_note",
    "first_missing",
    "image_services",
    "terraform_env",
]
