"""A real Kubernetes cluster with kind, for machines with Docker and internet access.

Everything it runs comes from `kind_plan()`, a pure function (unit-tested here, where kind
cannot run: no `kind` binary and no way to pull kindest/node):

1. `kind create cluster --name kata-<run> --config <generated> --kubeconfig <workdir>` with
   containerd's registry `config_path` enabled, the ingress port mapped to 127.0.0.1 and
   the node labelled `ingress-ready=true` (what ingress-nginx's kind manifest expects);
2. the local registry wired in as a containerd mirror: a `hosts.toml` in the node for the
   registry's `127.0.0.1:PORT` points containerd at a TCP relay the harness runs on the
   `kind` network's gateway (the registry itself listens on loopback only), so image
   references stay `127.0.0.1:PORT/repo:tag` on both backends;
3. ingress-nginx from its kind manifest, then `kubectl wait` for its controller, and its
   `add-headers` ConfigMap set so each response names the upstream that answered (what
   the canary measurement reads; canary.upstream_of turns it into the Service name);
4. a `kata-harness` ServiceAccount bound to cluster-admin and a token for it (`kubectl
   create token`), written as `<workdir>/kubeconfig`: the same shape of kubeconfig as the
   stand-in's (server, cluster CA, bearer token), so the learner's Terraform, the
   hashicorp/kubernetes stand-in provider and the harness use either backend unchanged
   (kind's own client-certificate kubeconfig stays in `kind-admin.kubeconfig`);
5. on stop, `kind delete cluster`.

Longer than the kata's usual module, on purpose: the plan (a pure function, most of the
module), the registry relay and the cluster's lifecycle make one backend, read together.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness import engine, waits
from harness.canary import KIND_UPSTREAM_VALUE, UPSTREAM_HEADER
from harness.errors import HarnessError
from world.lifecycle import Managed

from .kubeconfig import write_kubeconfig

KIND_NODE_IMAGE = "kindest/node:v1.30.0"
INGRESS_SYNC_S = 2.0  # ingress-nginx applies endpoint changes without a reload, within ~1 s
INGRESS_NGINX_VERSION = "controller-v1.11.2"
INGRESS_NGINX_MANIFEST = (
    "https://raw.githubusercontent.com/kubernetes/ingress-nginx/"
    f"{INGRESS_NGINX_VERSION}/deploy/static/provider/kind/deploy.yaml"
)
SERVICE_ACCOUNT = "kata-harness"
CONTAINERD_PATCH = (
    '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"'
)


@dataclass(frozen=True)
class KindPlan:
    name: str
    config_path: Path
    config: dict[str, Any]
    kubeconfig: Path  # kind's admin kubeconfig (client certificate)
    token_kubeconfig: Path  # what Terraform and the harness use (bearer token)
    create: list[list[str]]
    wire_registry: list[list[str]]
    install_ingress: list[list[str]]
    service_account: list[list[str]]  # the last one prints the token
    delete: list[list[str]]


def cluster_name(run_id: str) -> str:
    return "kata-" + re.sub(r"[^a-z0-9-]", "-", run_id.lower())[:40].strip("-")


def kind_config(name: str, ingress_port: int, node_image: str = KIND_NODE_IMAGE) -> dict[str, Any]:
    init = (
        "kind: InitConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n"
        '    node-labels: "ingress-ready=true"\n'
    )
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": name,
        "containerdConfigPatches": [CONTAINERD_PATCH],
        "nodes": [
            {
                "role": "control-plane",
                "image": node_image,
                "kubeadmConfigPatches": [init],
                "extraPortMappings": [
                    {
                        "containerPort": 80,
                        "hostPort": ingress_port,
                        "listenAddress": "127.0.0.1",
                        "protocol": "TCP",
                    },
                ],
            }
        ],
    }


def hosts_toml(registry: str, relay: str) -> str:
    return (
        f'server = "http://{registry}"\n\n[host."http://{relay}"]\n'
        '  capabilities = ["pull", "resolve"]\n'
    )


def kind_plan(
    run_id: str,
    workdir: Path,
    *,
    ingress_port: int,
    registry: str | None = None,
    relay: str = "GATEWAY:PORT",
    node_image: str = KIND_NODE_IMAGE,
) -> KindPlan:
    """Every command KindCluster runs, in order. `relay` is the registry relay's address on
    the kind network (known once the cluster exists; the placeholder before)."""
    name = cluster_name(run_id)
    config_path = workdir / "kind-config.yaml"
    kubeconfig = workdir / "kind-admin.kubeconfig"
    kubectl = ["kubectl", "--kubeconfig", str(kubeconfig)]
    wire = []
    if registry:
        directory = f"/etc/containerd/certs.d/{registry}"
        script = f"mkdir -p '{directory}' && cat > '{directory}/hosts.toml'"
        wire.append(["docker", "exec", "-i", f"{name}-control-plane", "sh", "-c", script])
    return KindPlan(
        name=name,
        config_path=config_path,
        config=kind_config(name, ingress_port, node_image),
        kubeconfig=kubeconfig,
        token_kubeconfig=workdir / "kubeconfig",
        create=[
            [
                "kind",
                "create",
                "cluster",
                "--name",
                name,
                "--config",
                str(config_path),
                "--kubeconfig",
                str(kubeconfig),
                "--wait",
                "180s",
            ]
        ],
        wire_registry=wire,
        install_ingress=[
            [*kubectl, "apply", "-f", INGRESS_NGINX_MANIFEST],
            [
                *kubectl,
                "wait",
                "--namespace",
                "ingress-nginx",
                "--for=condition=ready",
                "pod",
                "--selector=app.kubernetes.io/component=controller",
                "--timeout=180s",
            ],
            # every response says which Service answered, as the stand-in's router does
            [
                *kubectl,
                "create",
                "configmap",
                "kata-response-headers",
                "--namespace",
                "ingress-nginx",
                f"--from-literal={UPSTREAM_HEADER}={KIND_UPSTREAM_VALUE}",
            ],
            [
                *kubectl,
                "patch",
                "configmap",
                "ingress-nginx-controller",
                "--namespace",
                "ingress-nginx",
                "--type",
                "merge",
                "--patch",
                json.dumps({"data": {"add-headers": "ingress-nginx/kata-response-headers"}}),
            ],
        ],
        service_account=[
            [*kubectl, "create", "serviceaccount", SERVICE_ACCOUNT, "-n", "kube-system"],
            [
                *kubectl,
                "create",
                "clusterrolebinding",
                SERVICE_ACCOUNT,
                "--clusterrole=cluster-admin",
                f"--serviceaccount=kube-system:{SERVICE_ACCOUNT}",
            ],
            [*kubectl, "create", "token", SERVICE_ACCOUNT, "-n", "kube-system", "--duration=4h"],
        ],
        delete=[["kind", "delete", "cluster", "--name", name, "--kubeconfig", str(kubeconfig)]],
    )


def rolled_out(deployment: dict[str, Any]) -> bool:
    """`kubectl rollout status` done: the latest spec observed, every replica updated,
    ready and available, none of an older template left."""
    spec, meta = deployment.get("spec") or {}, deployment.get("metadata") or {}
    status = deployment.get("status") or {}
    want = int(spec.get("replicas", 1))
    return (
        int(status.get("observedGeneration", 0)) >= int(meta.get("generation", 0))
        and int(status.get("updatedReplicas", 0)) == want
        and int(status.get("readyReplicas", 0)) == want
        and int(status.get("availableReplicas", 0)) == want
        and int(status.get("replicas", 0)) == want
    )


def warning_lines(events: list[dict[str, Any]]) -> list[str]:
    """Kubernetes Warning events as the stand-in words them, oldest first."""
    out = []
    for event in sorted(events, key=lambda e: str(e.get("lastTimestamp") or "")):
        target = event.get("involvedObject") or {}
        subject = f"{str(target.get('kind', 'object')).lower()} "
        subject += f"{target.get('namespace', '')}/{target.get('name', '')}"
        count = int(event.get("count") or 1)
        message = str(event.get("message", "")).strip() + (f" (x{count})" if count > 1 else "")
        out.append(f"{subject} {event.get('reason', '')}: {message}")
    return out


def unavailable_reason() -> str | None:
    """Why kind cannot run here (None if it can): missing binaries, no engine, no node image.
    The engine is `engine.current()` (`client` is ignored until the callers drop it)."""
    for binary in ("kind", "kubectl", "docker"):
        if shutil.which(binary) is None:
            return f"the `{binary}` binary is not on PATH (kind needs kind, kubectl and docker)"
    docker = engine.current()
    if not docker.status().available:
        return "no Docker engine answers"
    try:
        docker.image_attrs(KIND_NODE_IMAGE)
    except Exception:
        try:
            docker.pull(KIND_NODE_IMAGE)
        except Exception as exc:
            return f"{KIND_NODE_IMAGE} cannot be pulled ({str(exc).splitlines()[0][:120]})"
    return None


class TcpRelay:
    """Forwards connections from `listen` to `target` (the registry on loopback)."""

    def __init__(self, listen_host: str, target: tuple[str, int]) -> None:
        self.target = target
        self._server = socket.create_server((listen_host, 0))
        self.address = "{}:{}".format(*self._server.getsockname()[:2])
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._closed = False

    def start(self) -> TcpRelay:
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def stop(self) -> None:
        self._closed = True
        self._server.close()


class KindCluster(Managed):
    """A kind cluster with ingress-nginx, wired to the run's local registry."""

    name = "kind"
    is_stand_in = False

    def __init__(
        self,
        run_id: str,
        workdir: Path,
        *,
        ingress_port: int,
        registry: str | None = None,
    ) -> None:
        self.run_id = run_id
        self.workdir = Path(workdir)
        self.ingress_port = ingress_port
        self._registry = registry
        self.plan = kind_plan(run_id, self.workdir, ingress_port=ingress_port, registry=registry)
        self._relay: TcpRelay | None = None
        self._forwards: dict[tuple[str, int], tuple[subprocess.Popen[str], str]] = {}
        self._created = False

    @property
    def kubeconfig_path(self) -> Path:
        """The bearer-token kubeconfig (written once the cluster is up)."""
        return self.plan.token_kubeconfig

    @property
    def ingress_url(self) -> str:
        return f"http://127.0.0.1:{self.ingress_port}"

    @property
    def registry(self) -> str | None:
        return self._registry

    def _run(self, command: list[str], stdin: str | None = None) -> str:
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise HarnessError(f"`{' '.join(command)}` failed: {done.stderr.strip()[-800:]}")
        return done.stdout

    def start(self) -> KindCluster:
        reason = unavailable_reason()
        if reason:
            raise HarnessError(
                f"kind cannot run here: {reason}. Install kind and kubectl (and let Docker pull "
                f"{KIND_NODE_IMAGE} once), or leave out `--cluster kind` to use the local "
                "cluster stand-in."
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.plan.config_path.write_text(yaml.safe_dump(self.plan.config, sort_keys=False))
        try:
            for command in self.plan.create:
                self._created = True
                self._run(command)
            if self._registry:
                network = engine.current().docker.networks.get("kind")
                gateway = network.attrs["IPAM"]["Config"][0]["Gateway"]
                host, port = self._registry.rsplit(":", 1)
                self._relay = TcpRelay(gateway, (host, int(port))).start()
                for command in self.plan.wire_registry:
                    self._run(command, hosts_toml(self._registry, self._relay.address))
            for command in self.plan.install_ingress:
                self._run(command)
            *grants, issue = self.plan.service_account
            for command in grants:
                self._run(command)
            self._write_token_kubeconfig(self._run(issue).strip())
        except BaseException:
            self.stop()
            raise
        return self

    def _kubectl(self, namespace: str | None = None) -> list[str]:
        """kubectl on kind's admin kubeconfig (in `namespace`, if given)."""
        scope = ["-n", namespace] if namespace else []
        return ["kubectl", "--kubeconfig", str(self.plan.kubeconfig), *scope]

    def _get(self, *what: str, namespace: str | None = None) -> dict[str, Any]:
        """`kubectl get WHAT -o json`, decoded."""
        return dict(json.loads(self._run([*self._kubectl(namespace), "get", *what, "-o", "json"])))

    def _write_token_kubeconfig(self, token: str) -> None:
        admin = yaml.safe_load(self.plan.kubeconfig.read_text())
        cluster = admin["clusters"][0]["cluster"]
        ca = cluster.get("certificate-authority-data")
        write_kubeconfig(
            self.plan.token_kubeconfig,
            self.plan.name,
            str(cluster["server"]),
            token,
            ca_pem=base64.b64decode(ca) if ca else None,
        )

    def wait_synced(self, timeout: float = 10.0) -> bool:
        """Wait until every Deployment has rolled out (observed, updated, ready), then give
        ingress-nginx a moment to pick up the endpoints; False on timeout."""

        def all_rolled_out() -> bool:
            listed = self._get("deployments", "-A")
            return all(rolled_out(d) for d in listed.get("items") or [])

        if not waits.succeeds_within(
            all_rolled_out, timeout_s=timeout, interval_s=0.5, retry_on=()
        ):
            return False
        time.sleep(INGRESS_SYNC_S)
        return True

    def warnings(self, namespace: str) -> list[str]:
        try:
            listed = self._get("events", "--field-selector", "type=Warning", namespace=namespace)
        except (HarnessError, ValueError):
            return []
        return warning_lines(listed.get("items") or [])

    def stop(self) -> None:
        for proc, _addr in self._forwards.values():
            proc.terminate()
        self._forwards.clear()
        if self._relay is not None:
            self._relay.stop()
            self._relay = None
        if self._created:
            for command in self.plan.delete:
                subprocess.run(command, capture_output=True, text=True, timeout=300)
            self._created = False

    def describe(self) -> str:
        return (
            f"Kubernetes: kind cluster {self.plan.name} ({KIND_NODE_IMAGE}), ingress-nginx "
            f"{INGRESS_NGINX_VERSION} on {self.ingress_url}"
        )

    def endpoints(
        self, namespace: str, service: str, port: int | str | None = None
    ) -> list[tuple[str, str]]:
        """Ready pods behind the Service, each through its own `kubectl port-forward`."""
        kubectl = self._kubectl(namespace)
        found = self._get("endpoints", service, namespace=namespace)
        out = []
        for subset in found.get("subsets") or []:
            ports = subset.get("ports") or []
            chosen = next(
                (
                    p
                    for p in ports
                    if port is None or p.get("port") == port or p.get("name") == port
                ),
                None,
            )
            if chosen is None:
                continue
            for address in subset.get("addresses") or []:
                pod = (address.get("targetRef") or {}).get("name")
                if pod:
                    out.append((pod, self._forward(kubectl, pod, int(chosen["port"]))))
        return out

    def _forward(self, kubectl: list[str], pod: str, port: int) -> str:
        key = (pod, port)
        if key in self._forwards and self._forwards[key][0].poll() is None:
            return self._forwards[key][1]
        proc = subprocess.Popen(
            [*kubectl, "port-forward", "--address", "127.0.0.1", f"pod/{pod}", f":{port}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        line = proc.stdout.readline() if proc.stdout else ""
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        if m is None:
            proc.terminate()
            raise HarnessError(f"kubectl port-forward to {pod} failed: {line.strip()}")
        address = f"127.0.0.1:{m[1]}"
        self._forwards[key] = (proc, address)
        return address

    def leftovers(self) -> list[str]:
        if shutil.which("kind") is None:
            return []
        clusters = subprocess.run(["kind", "get", "clusters"], capture_output=True, text=True)
        return (
            [f"kind cluster {self.plan.name}"] if self.plan.name in clusters.stdout.split() else []
        )
