"""The controller: reconciles the store onto the Docker engine, like kube-controller-manager,
the kubelet and the ingress controller together.

* Deployments: each replica is a container `kata-k8s-<cluster>-<ns>-<deploy>-<hash>-<n>` on
  the cluster's network, its ports published on 127.0.0.1 (random host ports); rolling
  updates and scaling follow rollout.py; status (replicas, readyReplicas, availableReplicas,
  updatedReplicas, observedGeneration, conditions Available/Progressing) is kept current.
* Probes: readinessProbe/livenessProbe run against the loopback ports (probes.py); a pod
  without a readinessProbe is ready once its container runs.
* Services and Ingresses: the router gets the routes to the ready pods after every change;
  a pod leaving (deleted, scaled down, replaced) is taken out of the router first and its
  container stopped `drain` seconds later, so in-flight requests finish.

One thread reconciles (woken by every store write and every readiness change, else every
`tick` s), one runs probes; Docker calls that take time (pulls, starts, stops) run on a pool.

Longer than the kata's usual module, on purpose: the reconcile loop, the pod lifecycle and
the probe thread share one lock and one table of pods; split apart, each part would reach
into the others' state.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from docker.errors import DockerException

from harness import engine, waits

from . import rollout, runtime
from .images import PullError
from .pods import Pod, container_name, render, template_hash
from .podspec import ConfigError
from .probes import run_probe
from .resources import CONFIGMAPS, DEPLOYMENTS, INGRESSES, SECRETS, SERVICES
from .router import Router
from .routes import build_routes, served_ingresses
from .selectors import from_labels
from .store import Obj, Store, now

log = logging.getLogger(__name__)
WARNING_REASONS = frozenset(
    {
        "BackOff",
        "Unhealthy",
        "ErrImagePull",
        "ImagePullBackOff",
        "CreateContainerConfigError",
        "RunContainerError",
    }
)


@dataclass(frozen=True)
class Event:
    """One thing that happened to a pod (or the router), as a Kubernetes Event says it."""

    at: float  # time.monotonic()
    namespace: str  # "" for the router
    subject: str  # "pod NS/NAME" or "router"
    reason: str
    message: str = ""

    @property
    def warning(self) -> bool:
        return self.reason in WARNING_REASONS

    def __str__(self) -> str:
        return f"{self.subject} {self.reason}" + (f": {self.message}" if self.message else "")


DOCKER_SYNC_INTERVAL = 1.0
MAX_BACKOFF = 20.0
MAX_GRACE = 10


class Controller:
    """Runs a cluster's Deployments as containers and keeps the router in step."""

    def __init__(
        self,
        store: Store,
        *,
        cluster_id: str,
        run_id: str,
        network: str,
        router: Router | None = None,
        tick: float = 0.5,
        drain: float = 1.0,
    ) -> None:
        self.store = store
        self.cluster_id = cluster_id
        self.run_id = run_id
        self.network = network
        self.router = router
        self.tick = tick
        self.drain = drain
        self.errors: deque[str] = deque(maxlen=50)
        # what happened to pods and routes, in order ("kubectl get events" in short): read it
        # when a rollout misbehaves; every entry is logged at INFO as well
        self.events: deque[Event] = deque(maxlen=300)
        self._empty_routes: set[str] = set()
        self._pods: dict[str, Pod] = {}  # by container name
        self._owners: dict[str, str] = {}  # container name -> Deployment uid
        self._progress: dict[str, tuple[tuple[int, ...], float]] = {}
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._actions = ThreadPoolExecutor(4, thread_name_prefix="kata-k8s-pod")
        self._probes = ThreadPoolExecutor(8, thread_name_prefix="kata-k8s-probe")
        self._last_docker_sync = 0.0
        self.synced_revision = -1  # the store revision the last complete sync started from
        self._syncs_begun = self._syncs_done = 0
        store.subscribe(self._wake.set)

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def labels(self) -> dict[str, str]:
        return {runtime.RUN_LABEL: self.run_id, runtime.CLUSTER_LABEL: self.cluster_id}

    def start(self) -> None:
        for target, name in (
            (self._loop, "kata-k8s-controller"),
            (self._probe_loop, "kata-k8s-prober"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def stop(self) -> None:
        """Stop the threads and remove every pod container of the cluster."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._actions.shutdown(wait=True, cancel_futures=True)
        self._probes.shutdown(wait=True, cancel_futures=True)
        for name in runtime.cluster_containers(self.cluster_id):
            runtime.remove_container(name)
        with self._lock:
            self._pods.clear()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.tick)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self.sync()
            except Exception as exc:  # keep reconciling; say what went wrong
                log.exception("cluster controller sync failed")
                self.errors.append(f"{now()} sync: {exc}")

    # --- one reconcile pass ----------------------------------------------------------------

    def wait_synced(self, timeout: float = 10.0) -> bool:
        """Wait until a sync that started after this call has finished (the router too)."""
        target = self._syncs_begun + 1  # one in flight now may have read the store too early
        self._wake.set()
        return waits.succeeds_within(
            lambda: self._syncs_done >= target,
            timeout_s=timeout,
            interval_s=0.02,
            abort=lambda: None if self.running else "the controller stopped",
        )

    def sync(self) -> None:
        self._syncs_begun += 1
        begun = self._syncs_begun
        revision = self.store.revision
        if time.monotonic() - self._last_docker_sync >= DOCKER_SYNC_INTERVAL:
            self._sync_docker()
            self._last_docker_sync = time.monotonic()
        deployments, _ = self.store.list(DEPLOYMENTS)
        with self._lock:
            live = set()
            for d in deployments:
                live.add(d["metadata"]["uid"])
                self._reconcile(d)
            for pod in self._pods.values():
                if self._owners.get(pod.container) not in live and not pod.terminating:
                    self._terminate(pod)
            self._schedule_starts()
            statuses = [(d, self._status(d)) for d in deployments]
        for d, status in statuses:
            meta = d["metadata"]
            self.store.set_status(DEPLOYMENTS, meta["namespace"], meta["name"], status)
        self._sync_router()
        with self._lock:
            self._schedule_stops()
        self.synced_revision = revision
        self._syncs_done = begun

    def _mine(self, d: Obj) -> list[Pod]:
        uid = d["metadata"]["uid"]
        return [p for p in self._pods.values() if self._owners.get(p.container) == uid]

    def _reconcile(self, d: Obj) -> None:
        spec = d["spec"]
        current = template_hash(spec["template"])
        min_ready = int(spec.get("minReadySeconds", 0))
        pods = self._mine(d)
        active = [p for p in pods if not p.terminating]
        views = [
            rollout.PodView(p.name, p.template_hash == current, p.available(min_ready), p.ordinal)
            for p in active
        ]
        step = rollout.plan(spec, views, terminating=len(pods) - len(active))
        for _ in range(step.create):
            self._new_pod(d, current, pods)
            pods = self._mine(d)
        for name in step.delete:
            for pod in active:
                if pod.name == name:
                    self._terminate(pod)

    def _new_pod(self, d: Obj, current: str, existing: list[Pod]) -> None:
        meta = d["metadata"]
        used = {p.ordinal for p in existing if p.template_hash == current}
        ordinal = next(i for i in range(len(used) + 1) if i not in used)
        name = f"{meta['name']}-{current}-{ordinal}"
        pod = Pod(
            name=name,
            namespace=meta["namespace"],
            deployment=meta["name"],
            template_hash=current,
            ordinal=ordinal,
            uid=str(uuid.uuid4()),
            template=d["spec"]["template"],
            container=container_name(self.cluster_id, meta["namespace"], name),
        )
        self._pods[pod.container] = pod
        self._owners[pod.container] = meta["uid"]

    def _event(self, pod: Pod | None, reason: str, message: str = "") -> None:
        namespace, subject = (
            (pod.namespace, f"pod {pod.namespace}/{pod.name}") if pod else ("", "router")
        )
        entry = Event(time.monotonic(), namespace, subject, reason, message)
        self.events.append(entry)
        log.info("%.3f %s", entry.at, entry)

    def warnings(self, namespace: str) -> list[str]:
        """What went wrong with the namespace's pods, oldest first (`kubectl get events
        --field-selector type=Warning`, in short)."""
        lines = [str(e) for e in list(self.events) if e.namespace == namespace and e.warning]
        return _counted(lines)

    def _terminate(self, pod: Pod) -> None:
        if not pod.terminating:
            self._event(pod, "Killing", "ready" if pod.ready else "not ready")
        pod.terminating = True
        pod.ready = False

    def _schedule_starts(self) -> None:
        moment = time.monotonic()
        for pod in self._pods.values():
            if (
                pod.state == "waiting"
                and not pod.container_id
                and not pod.busy
                and not pod.terminating
                and pod.retry_at <= moment
            ):
                pod.busy = True
                self._actions.submit(self._start, pod)

    def _schedule_stops(self) -> None:
        """Stop terminating pods; they are already out of the router (synced just before)."""
        for pod in self._pods.values():
            if pod.terminating and not pod.busy and not pod.stop_scheduled:
                pod.stop_scheduled = True
                delay = self.drain if pod.container_id else 0.0
                self._actions.submit(self._stop, pod, delay)

    # --- Docker work (on the pool) ---------------------------------------------------------

    def _lookup(self, namespace: str) -> Any:
        def lookup(kind: str, name: str) -> Obj | None:
            res = SECRETS if kind == "secret" else CONFIGMAPS
            try:
                return self.store.get(res, namespace, name)
            except Exception:
                return None

        return lookup

    def _start(self, pod: Pod) -> None:
        lookup = self._lookup(pod.namespace)
        secrets = [
            s
            for ref in pod.spec.get("imagePullSecrets") or []
            if (s := lookup("secret", str(ref.get("name", "")))) is not None
        ]
        labels = {
            **self.labels,
            runtime.NAMESPACE_LABEL: pod.namespace,
            runtime.DEPLOYMENT_LABEL: pod.deployment,
            runtime.POD_LABEL: pod.name,
        }
        try:
            started = runtime.start_container(
                pod,
                network=self.network,
                labels=labels,
                lookup=lookup,
                pull_secrets=secrets,
            )
        except (PullError, ConfigError, DockerException) as exc:
            self._failed(pod, exc)
            return
        with self._lock:
            pod.container_id = started.container_id
            pod.host_ports = started.host_ports
            pod.port_names = started.port_names
            pod.started_at = started.started_at
            pod.started_mono = time.monotonic()
            pod.state, pod.reason, pod.message = "running", "", ""
            pod.backoff = 0.0
            self._reset_probes(pod)
            pod.busy = False
            self._event(pod, "Started", f"container {pod.container_id[:12]}")
        self._wake.set()

    def _failed(self, pod: Pod, exc: Exception) -> None:
        if isinstance(exc, PullError):
            reason = exc.reason if pod.backoff == 0 else "ImagePullBackOff"
            message = exc.message
        elif isinstance(exc, ConfigError):
            reason, message = "CreateContainerConfigError", str(exc)
        else:
            reason, message = "RunContainerError", str(exc).splitlines()[0][:400]
        with self._lock:
            pod.reason, pod.message = reason, message
            pod.backoff = min(max(pod.backoff * 2, 2.0), MAX_BACKOFF)
            pod.retry_at = time.monotonic() + pod.backoff
            pod.busy = False
        self.errors.append(f"{now()} pod {pod.namespace}/{pod.name}: {reason}: {message}")
        self._event(pod, reason, message)
        self._wake.set()

    def _stop(self, pod: Pod, delay: float) -> None:
        if delay and self._stopping.wait(delay):
            return
        grace = int(pod.spec.get("terminationGracePeriodSeconds", 30))
        runtime.remove_container(pod.container, min(grace, MAX_GRACE))
        with self._lock:
            self._pods.pop(pod.container, None)
            self._owners.pop(pod.container, None)
        self._wake.set()

    def _sync_docker(self) -> None:
        """Notice crashed, restarted or vanished containers; remove strays.

        Order matters: the pods are looked at before the containers are listed (a pod whose
        container starts meanwhile is inspected, not taken for gone), and the known names are
        taken after (a pod is recorded before its container is made, so no new container is
        taken for a stray).
        """
        with self._lock:
            pods = [p for p in self._pods.values() if p.container_id and not p.busy]
        listed = runtime.cluster_containers(self.cluster_id)
        with self._lock:
            known = set(self._pods)
        for pod in pods:
            try:
                details = runtime.inspect(pod.container_id)
            except DockerException as exc:  # a busy engine is not a vanished container
                self.errors.append(f"{now()} inspect {pod.name}: {exc}")
                continue
            with self._lock:
                if details is None:
                    if not pod.stop_scheduled:  # removed behind our back: replace it
                        self._pods.pop(pod.container, None)
                        self._owners.pop(pod.container, None)
                        self._wake.set()
                    continue
                self._observe(pod, details)
        for name in set(listed) - known:
            self._actions.submit(runtime.remove_container, name)

    def _observe(self, pod: Pod, details: dict[str, Any]) -> None:
        state = details.get("State") or {}
        restarts = int(details.get("RestartCount") or 0)
        if state.get("Running") and not state.get("Restarting"):
            started = str(state.get("StartedAt", ""))[:19] + "Z"
            if pod.state != "running" or started != pod.started_at:
                self._event(pod, "Started", f"observed (was {pod.state} {pod.started_at})")
                pod.state, pod.reason, pod.message = "running", "", ""
                pod.started_at, pod.started_mono = started, time.monotonic()
                pod.restarts = restarts
                self._reset_probes(pod)
                self._wake.set()
        elif pod.state == "running" or pod.reason != "CrashLoopBackOff":
            pod.state, pod.reason = "waiting", "CrashLoopBackOff"
            pod.message = (
                f"back-off restarting failed container (exit code {state.get('ExitCode', '?')})"
            )
            pod.restarts = restarts
            pod.ready = False
            self._event(pod, "BackOff", pod.message)
            self._wake.set()

    # --- probes ----------------------------------------------------------------------------

    def _reset_probes(self, pod: Pod) -> None:
        main = pod.main
        pod.ready = False
        pod.probe_successes = pod.probe_failures = pod.live_failures = 0
        ready_delay = int((main.get("readinessProbe") or {}).get("initialDelaySeconds", 0))
        live_delay = int((main.get("livenessProbe") or {}).get("initialDelaySeconds", 0))
        pod.next_probe = pod.started_mono + ready_delay
        pod.next_live_probe = pod.started_mono + live_delay

    def _probe_loop(self) -> None:
        while not self._stopping.wait(0.1):
            moment = time.monotonic()
            due: list[tuple[Pod, dict[str, Any], str]] = []
            with self._lock:
                for pod in self._pods.values():
                    if pod.state != "running" or pod.terminating or pod.busy:
                        continue
                    main = pod.main
                    readiness, liveness = main.get("readinessProbe"), main.get("livenessProbe")
                    if readiness is None and not pod.ready:
                        pod.ready, pod.ready_since = True, moment
                        self._event(pod, "Ready", "no readinessProbe")
                        self._wake.set()
                    if readiness and not pod.probing and moment >= pod.next_probe:
                        pod.probing = True
                        due.append((pod, readiness, "readiness"))
                    if liveness and not pod.live_probing and moment >= pod.next_live_probe:
                        pod.live_probing = True
                        due.append((pod, liveness, "liveness"))
            for pod, probe, kind in due:
                try:
                    self._probes.submit(self._probe, pod, probe, kind)
                except RuntimeError:  # shutting down
                    return

    def _probe(self, pod: Pod, probe: dict[str, Any], kind: str) -> None:
        ok = run_probe(probe, pod)
        period = float(probe.get("periodSeconds", 10))
        with self._lock:
            if kind == "liveness":
                pod.live_probing = False
                pod.next_live_probe = time.monotonic() + period
                pod.live_failures = 0 if ok else pod.live_failures + 1
                if pod.live_failures >= int(probe.get("failureThreshold", 3)):
                    pod.live_failures = 0
                    pod.ready = False
                    self._event(pod, "Unhealthy", "liveness probe failed, restarting")
                    self._actions.submit(self._restart, pod)
                return
            pod.probing = False
            pod.next_probe = time.monotonic() + period
            if ok:
                pod.probe_successes, pod.probe_failures = pod.probe_successes + 1, 0
                if not pod.ready and pod.probe_successes >= int(probe.get("successThreshold", 1)):
                    pod.ready, pod.ready_since = True, time.monotonic()
                    self._event(pod, "Ready")
                    self._wake.set()
            else:
                pod.probe_failures, pod.probe_successes = pod.probe_failures + 1, 0
                if pod.ready and pod.probe_failures >= int(probe.get("failureThreshold", 3)):
                    pod.ready = False
                    self._event(pod, "Unhealthy", "readiness probe failed, out of the router")
                    self._wake.set()

    def _restart(self, pod: Pod) -> None:
        """A failed liveness probe: the kubelet restarts the container."""
        try:
            engine.current().restart(pod.container_id, grace=MAX_GRACE)
        except DockerException as exc:
            self.errors.append(f"{now()} restart {pod.name}: {exc}")
        self._last_docker_sync = 0.0
        self._wake.set()

    # --- Deployment status -----------------------------------------------------------------

    def _status(self, d: Obj) -> Obj:
        spec, meta = d["spec"], d["metadata"]
        replicas = int(spec.get("replicas", 1))
        current = template_hash(spec["template"])
        min_ready = int(spec.get("minReadySeconds", 0))
        pods = [p for p in self._mine(d) if not p.terminating]
        updated = sum(1 for p in pods if p.template_hash == current)
        ready = sum(1 for p in pods if p.ready)
        available = sum(1 for p in pods if p.available(min_ready))
        counts = {
            "replicas": len(pods),
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(0, max(replicas, len(pods)) - available),
        }
        status: Obj = {"observedGeneration": meta["generation"]}
        status.update({k: v for k, v in counts.items() if v})  # the API omits zero counts
        _surge, max_unavailable = rollout.limits(spec)
        old = (d.get("status") or {}).get("conditions") or []
        rs = f'ReplicaSet "{meta["name"]}-{current}"'
        if available >= replicas - max_unavailable:
            avail = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        else:
            avail = (
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        complete = updated == replicas == len(pods) == available
        signature = (len(pods), updated, ready, available, meta["generation"])
        last = self._progress.get(meta["uid"])
        if last is None or last[0] != signature:
            last = (signature, time.monotonic())
            self._progress[meta["uid"]] = last
        deadline = int(spec.get("progressDeadlineSeconds", 600))
        if spec.get("paused"):
            progressing = ("Unknown", "DeploymentPaused", "Deployment is paused")
        elif complete:
            progressing = ("True", "NewReplicaSetAvailable", f"{rs} has successfully progressed.")
        elif time.monotonic() - last[1] > deadline:
            progressing = ("False", "ProgressDeadlineExceeded", f"{rs} has timed out progressing.")
        else:
            progressing = ("True", "ReplicaSetUpdated", f"{rs} is progressing.")
        status["conditions"] = [
            _condition(old, "Available", *avail),
            _condition(old, "Progressing", *progressing),
        ]
        return status

    # --- Services, Ingresses, the router ---------------------------------------------------

    def _sync_router(self) -> None:
        if self.router is None:
            return
        ingresses, _ = self.store.list(INGRESSES)
        routes = build_routes(ingresses, self._resolve)
        empty = {f"{r.host or '*'}{r.path}" for r in routes if not r.stable.addresses}
        for key in sorted(empty - self._empty_routes):
            self._event(None, "NoEndpoints", f"{key} answers 503")
        for key in sorted(self._empty_routes - empty):
            self._event(None, "Endpoints", f"{key} served again")
        self._empty_routes = empty
        self.router.update(routes)
        if self.router.last_error:
            self.errors.append(f"{now()} router: {self.router.last_error}")
        for ingress in served_ingresses(ingresses):
            meta = ingress["metadata"]
            status = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
            self.store.set_status(INGRESSES, meta["namespace"], meta["name"], status)

    def _resolve(self, namespace: str, service: str, port: int | str) -> tuple[str, ...]:
        return tuple(addr for _name, addr in self.endpoints(namespace, service, port))

    def endpoints(
        self, namespace: str, service: str, port: int | str | None = None
    ) -> list[tuple[str, str]]:
        """(pod name, "127.0.0.1:PORT") for each ready pod behind a Service: the loopback
        address reaching that pod's target port directly (for `/metrics`, per pod).

        `port` is the Service port's number or name (default: its first port). A Service
        that does not exist, or has no selector, has no endpoints.
        """
        try:
            svc = self.store.get(SERVICES, namespace, service)
        except Exception:
            return []
        spec = svc.get("spec") or {}
        if not spec.get("selector"):
            return []
        ports = spec.get("ports") or []
        chosen = next(
            (p for p in ports if port is None or p.get("port") == port or p.get("name") == port),
            None,
        )
        if chosen is None:
            return []
        target = chosen.get("targetPort", chosen.get("port"))
        selector = from_labels(spec["selector"])
        out = []
        with self._lock:
            for pod in sorted(self._pods.values(), key=lambda p: p.name):
                if pod.namespace != namespace or not pod.ready or pod.terminating:
                    continue
                if not selector.matches(pod.labels):
                    continue
                host_port = pod.port(target)
                if host_port is not None:
                    out.append((pod.name, f"127.0.0.1:{host_port}"))
        return out

    # --- pods for the API (PodSource) ------------------------------------------------------

    def pods(self, namespace: str | None) -> list[Obj]:
        rv = str(self.store.revision)
        with self._lock:
            chosen = [
                p for p in self._pods.values() if namespace is None or p.namespace == namespace
            ]
            owners = dict(self._owners)
            return [
                render(
                    p,
                    rv,
                    str(
                        uuid.uuid5(
                            uuid.NAMESPACE_URL, f"{owners.get(p.container)}/{p.template_hash}"
                        )
                    ),
                )
                for p in sorted(chosen, key=lambda p: (p.namespace, p.name))
            ]

    def delete_pod(self, namespace: str, name: str) -> Obj | None:
        """Delete a pod: it leaves the router, stops, and its Deployment makes a new one."""
        with self._lock:
            for pod in self._pods.values():
                if pod.namespace == namespace and pod.name == name:
                    found = render(pod, str(self.store.revision), "")
                    self._terminate(pod)
                    self._wake.set()
                    return found
        return None

    def pod_log(self, namespace: str, name: str, tail_lines: int | None) -> str | None:
        with self._lock:
            match = [p for p in self._pods.values() if p.namespace == namespace and p.name == name]
        if not match:
            return None
        return runtime.logs(match[0].container, tail_lines) or ""


def _counted(lines: list[str]) -> list[str]:
    """Repeats folded into one line with a count, as Kubernetes aggregates events."""
    out: list[tuple[str, int]] = []
    for line in lines:
        if out and out[-1][0] == line:
            out[-1] = (line, out[-1][1] + 1)
        else:
            out.append((line, 1))
    return [line + (f" (x{n})" if n > 1 else "") for line, n in out]


def _condition(old: list[Obj], kind: str, status: str, reason: str, message: str) -> Obj:
    """A Deployment condition, keeping the old timestamps when nothing changed."""
    stamp = now()
    previous = next((c for c in old if c.get("type") == kind), None)
    transition = stamp
    update = stamp
    if previous is not None:
        if previous.get("status") == status:
            transition = previous.get("lastTransitionTime", stamp)
        if (previous.get("status"), previous.get("reason"), previous.get("message")) == (
            status,
            reason,
            message,
        ):
            update = previous.get("lastUpdateTime", stamp)
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": update,
        "lastTransitionTime": transition,
        "reason": reason,
        "message": message,
    }
