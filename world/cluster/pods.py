"""Pods: the controller's record of each one, and how it reads as a Kubernetes Pod object."""

from __future__ import annotations

import copy
import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from .store import now

_HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"
HOST_PORTS_ANNOTATION = "kata.dev/host-ports"  # JSON {"containerPort": hostPort} on 127.0.0.1


def template_hash(template: dict[str, Any]) -> str:
    """A stable 10-character hash of a pod template (the `pod-template-hash` label)."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_HASH_CHARS[b % len(_HASH_CHARS)] for b in digest[:10])


def container_name(cluster_id: str, namespace: str, pod: str) -> str:
    return f"kata-k8s-{cluster_id}-{namespace}-{pod}"


@dataclass
class Pod:
    """One replica of a Deployment, run as one Docker container."""

    name: str
    namespace: str
    deployment: str
    template_hash: str
    ordinal: int
    uid: str
    template: dict[str, Any]
    container: str  # the Docker container's name
    created: str = field(default_factory=now)
    container_id: str = ""
    state: str = "waiting"  # waiting, running, terminated
    reason: str = "ContainerCreating"
    message: str = ""
    started_at: str = ""
    started_mono: float = 0.0
    host_ports: dict[int, int] = field(default_factory=dict)
    port_names: dict[str, int] = field(default_factory=dict)
    ready: bool = False
    ready_since: float = 0.0
    restarts: int = 0
    busy: bool = False  # a start or stop is in flight
    retry_at: float = 0.0
    backoff: float = 0.0
    terminating: bool = False
    stop_scheduled: bool = False
    probe_successes: int = 0
    probe_failures: int = 0
    live_failures: int = 0
    next_probe: float = 0.0
    next_live_probe: float = 0.0
    probing: bool = False
    live_probing: bool = False

    @property
    def spec(self) -> dict[str, Any]:
        return dict(self.template.get("spec") or {})

    @property
    def main(self) -> dict[str, Any]:
        return dict(self.spec.get("containers", [{}])[0])

    @property
    def labels(self) -> dict[str, str]:
        labels = dict((self.template.get("metadata") or {}).get("labels") or {})
        labels["pod-template-hash"] = self.template_hash
        return labels

    @property
    def running(self) -> bool:
        return self.state == "running" and not self.terminating

    def available(self, min_ready_seconds: int) -> bool:
        return self.ready and time.monotonic() - self.ready_since >= min_ready_seconds

    def port(self, target: int | str) -> int | None:
        """The loopback host port that reaches container port `target` (number or name)."""
        number = self.port_names.get(target) if isinstance(target, str) else target
        return self.host_ports.get(number) if number is not None else None


def render(pod: Pod, resource_version: str, owner_uid: str) -> dict[str, Any]:
    """The Pod object the API serves for `pod`."""
    meta = pod.template.get("metadata") or {}
    annotations = dict(meta.get("annotations") or {})
    if pod.host_ports:
        annotations[HOST_PORTS_ANNOTATION] = json.dumps(
            {str(k): v for k, v in sorted(pod.host_ports.items())}
        )
    spec = copy.deepcopy(pod.spec)
    spec["nodeName"] = "kata-stand-in"
    main = pod.main
    if pod.state == "running":
        state: dict[str, Any] = {"running": {"startedAt": pod.started_at}}
    elif pod.state == "terminated":
        state = {"terminated": {"reason": pod.reason, "message": pod.message, "exitCode": 0}}
    else:
        state = {"waiting": {"reason": pod.reason, "message": pod.message}}
    ready = "True" if pod.ready and not pod.terminating else "False"
    conditions = [
        {"type": "Initialized", "status": "True"},
        {"type": "Ready", "status": ready},
        {"type": "ContainersReady", "status": ready},
        {"type": "PodScheduled", "status": "True"},
    ]
    phase = "Running" if pod.state == "running" else "Pending"
    if pod.state == "terminated":
        phase = "Succeeded"
    rs_name = f"{pod.deployment}-{pod.template_hash}"
    metadata: dict[str, Any] = {
        "name": pod.name,
        "generateName": f"{rs_name}-",
        "namespace": pod.namespace,
        "uid": pod.uid,
        "resourceVersion": resource_version,
        "creationTimestamp": pod.created,
        "labels": pod.labels,
        "annotations": annotations,
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": rs_name,
                "uid": owner_uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    if pod.terminating:
        metadata["deletionTimestamp"] = now()
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": spec,
        "status": {
            "phase": phase,
            "conditions": conditions,
            "hostIP": "127.0.0.1",
            "podIP": "127.0.0.1",
            "podIPs": [{"ip": "127.0.0.1"}],
            "startTime": pod.created,
            "containerStatuses": [
                {
                    "name": str(main.get("name", "")),
                    "image": str(main.get("image", "")),
                    "imageID": "",
                    "containerID": f"docker://{pod.container_id}" if pod.container_id else "",
                    "ready": ready == "True",
                    "started": pod.state == "running",
                    "restartCount": pod.restarts,
                    "state": state,
                }
            ],
        },
    }
