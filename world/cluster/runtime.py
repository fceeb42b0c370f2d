"""Docker operations for pods: the per-cluster network, running and stopping containers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docker.errors import DockerException

from harness import engine

from .images import PullError, credentials_for, ensure_image, exposed_ports
from .pods import Pod
from .podspec import Lookup, PodIdentity, probe_ports, run_spec

RUN_LABEL = "kata.run"
CLUSTER_LABEL = "kata.cluster"
NAMESPACE_LABEL = "kata.k8s.namespace"
DEPLOYMENT_LABEL = "kata.k8s.deployment"
POD_LABEL = "kata.k8s.pod"


@dataclass(frozen=True)
class Started:
    container_id: str
    started_at: str
    host_ports: dict[int, int]
    port_names: dict[str, int]


def create_network(name: str, labels: dict[str, str]) -> Any:
    """The cluster's bridge network. Not `--internal` (Docker publishes no ports from internal
    networks); IP masquerading is off instead, so pods get no route out of the machine."""
    return engine.current().create_network(
        name,
        driver="bridge",
        labels=labels,
        options={"com.docker.network.bridge.enable_ip_masquerade": "false"},
    )


def start_container(
    pod: Pod,
    *,
    network: str,
    labels: dict[str, str],
    lookup: Lookup,
    pull_secrets: list[dict[str, Any]],
) -> Started:
    """Pull (per imagePullPolicy, with the pull secrets' credentials) and run the pod.

    Raises PullError, podspec.ConfigError or DockerException; leaves no container behind
    when it raises.
    """
    c = pod.main
    image = str(c["image"])
    ensure_image(
        image,
        str(c.get("imagePullPolicy", "IfNotPresent")),
        credentials_for(image, pull_secrets),
    )
    meta = pod.template.get("metadata") or {}
    identity = PodIdentity(
        pod.name, pod.namespace, pod.uid, pod.labels, dict(meta.get("annotations") or {})
    )
    spec = run_spec(c, identity, lookup)
    ports = sorted(set(spec.ports) | set(probe_ports(c)) | set(exposed_ports(image)))
    all_labels = {**pod.labels, **labels}
    try:
        container = engine.current().run(
            image,
            command=spec.command,
            entrypoint=spec.entrypoint,
            environment=spec.environment,
            labels=all_labels,
            name=pod.container,
            hostname=pod.name[:63],
            network=network,
            ports={f"{p}/tcp": ("127.0.0.1", None) for p in ports},
            detach=True,
            restart_policy={"Name": "always"},
            mem_limit=spec.mem_limit,
            nano_cpus=spec.nano_cpus,
            working_dir=spec.working_dir,
            user=spec.user,
        )
        container.reload()
    except DockerException:
        remove_container(pod.container)
        raise
    published = container.attrs["NetworkSettings"]["Ports"] or {}
    host_ports = {
        int(key.split("/")[0]): int(bindings[0]["HostPort"])
        for key, bindings in published.items()
        if bindings
    }
    names = {n: p for p, n in spec.ports.items() if n}
    started = str(container.attrs["State"].get("StartedAt", ""))
    return Started(str(container.id), started[:19] + "Z", host_ports, names)


def remove_container(name: str, grace: int = 0) -> None:
    """Stop (SIGTERM, then SIGKILL after `grace` s) and remove; quiet if already gone."""
    engine.current().remove_container(name, grace=grace)


def cluster_containers(cluster_id: str, pods_only: bool = True) -> dict[str, Any]:
    """Summaries (`docker ps -a`) of the cluster's containers, by name."""
    wanted = [f"{CLUSTER_LABEL}={cluster_id}"] + ([POD_LABEL] if pods_only else [])
    listed = engine.current().container_summaries(labels=wanted)
    return {str(c["Names"][0]).lstrip("/"): c for c in listed}


def inspect(container_id: str) -> dict[str, Any] | None:
    """The container's details; None only when the engine says it does not exist (any
    other engine error is raised: a slow or failing daemon must not read as "gone")."""
    return engine.current().inspect(container_id)


def logs(name: str, tail: int | None) -> str | None:
    return engine.current().logs(name, tail=tail)


__all__ = ["PullError", "Started", "create_network", "remove_container", "start_container"]
