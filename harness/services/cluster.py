"""The Kubernetes cluster of a run: the local stand-in or kind, with the kubeconfig that
Terraform's kubernetes provider and the grader read."""

from __future__ import annotations

import shutil
from pathlib import Path

from world.cluster import ClusterBackend, open_cluster
from world.terraform.k8s_provider.client import Connection
from world.terraform.k8s_provider.config import resolve

from .base import Description, Exposure
from .containers import RegistryService


class ClusterService:
    """The Kubernetes cluster (the local stand-in, or kind) with its kubeconfig for
    Terraform's kubernetes provider and the ingress address the workflow reaches."""

    name = "cluster"

    def __init__(
        self,
        backend: str,
        run_id: str,
        workdir: Path,
        registry: RegistryService,
    ) -> None:
        self.backend, self.run_id, self.workdir = backend, run_id, workdir
        self.registry = registry
        self.cluster: ClusterBackend | None = None
        self.connection: Connection | None = None

    def start(self) -> None:
        self.cluster = open_cluster(
            self.backend,
            self.run_id,
            self.workdir,
            registry=self.registry.registry.address,
        )
        try:
            self.cluster.start()
        except BaseException:
            self.cluster.stop()
            raise
        # server, token and cluster CA, read the way the hashicorp/kubernetes stand-in reads
        # them (both backends write a token kubeconfig)
        config = {"config_path": str(self.cluster.kubeconfig_path)}
        self.connection = resolve(config, env={}).connection

    def stop(self) -> list[str]:
        if self.cluster is None:
            return []
        self.cluster.stop()
        return [f"cluster: {item}" for item in self.cluster.leftovers()]

    def describe(self) -> Description:
        assert self.cluster is not None
        notes = (
            [
                "a local Kubernetes stand-in (Deployments as containers, real nginx "
                "Ingress with ingress-nginx canary annotations) stands in for the cluster"
            ]
            if self.cluster.is_stand_in
            else []
        )
        return Description({"cluster": self.cluster.describe()}, notes)

    def exposes(self) -> Exposure:
        assert self.cluster is not None
        return Exposure(
            env={"KUBE_CONFIG_PATH": str(self.cluster.kubeconfig_path)},
            redact=[self.connection.token or ""] if self.connection else [],
        )


def cuda_note() -> str:
    return "(CUDA present)" if shutil.which("nvidia-smi") else "(no CUDA: CPU fallback)"
