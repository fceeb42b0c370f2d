"""`wait_for_rollout`: the real provider's `waitForDeploymentReplicasFunc`, bounded by the
resource's timeout, and on failure the pods' own reasons (ImagePullBackOff, not ready...)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from harness import waits

from .errors import RolloutError

TIMED_OUT = "ProgressDeadlineExceeded"


def progress(deploy: dict[str, Any]) -> tuple[bool, str]:
    """(complete, what it waits for), as the real provider judges a rollout."""
    meta, spec = deploy.get("metadata") or {}, deploy.get("spec") or {}
    status = deploy.get("status") or {}
    if int(meta.get("generation") or 0) > int(status.get("observedGeneration") or 0):
        return False, "Waiting for rollout to start"
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == TIMED_OUT:
            raise RolloutError("Deployment exceeded its progress deadline")
    wanted = int(spec.get("replicas", 1))
    updated = int(status.get("updatedReplicas") or 0)
    replicas = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    if updated < wanted:
        return False, (
            f"Waiting for rollout to finish: {updated} out of {wanted} new replicas "
            "have been updated..."
        )
    if replicas > updated:
        return False, (
            f"Waiting for rollout to finish: {replicas - updated} old replicas are pending "
            "termination..."
        )
    if available < updated:
        return False, (
            f"Waiting for rollout to finish: {available} of {updated} updated replicas "
            "are available..."
        )
    return True, ""


def selector_query(deploy: dict[str, Any]) -> str:
    labels = ((deploy.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def describe_pod(pod: dict[str, Any]) -> str:
    """`name: reason (message)` for one pod, from its container statuses."""
    name = (pod.get("metadata") or {}).get("name", "?")
    status = pod.get("status") or {}
    parts = []
    for cs in status.get("containerStatuses") or []:
        state = cs.get("state") or {}
        restarts = int(cs.get("restartCount") or 0)
        suffix = f", {restarts} restarts" if restarts else ""
        if "waiting" in state:
            waiting = state["waiting"] or {}
            message = f" ({waiting['message']})" if waiting.get("message") else ""
            parts.append(f"{waiting.get('reason', 'Waiting')}{message}{suffix}")
        elif "terminated" in state:
            done = state["terminated"] or {}
            parts.append(f"terminated: {done.get('reason', '')} (exit code "
                         f"{done.get('exitCode', '?')}){suffix}")  # fmt: skip
        elif not cs.get("ready"):
            parts.append(f"running but not ready (readiness probe failing){suffix}")
        else:
            parts.append(f"ready{suffix}")
    return f"{name}: {'; '.join(parts) or status.get('phase', 'Pending')}"


def pods_report(client: Any, namespace: str, deploy: dict[str, Any]) -> str:
    query = selector_query(deploy)
    path = f"/api/v1/namespaces/{namespace}/pods"
    try:
        pods = client.get(path + (f"?labelSelector={quote(query)}" if query else ""))
    except Exception as exc:  # the report must not hide the timeout itself
        return f"\n(pods could not be listed: {exc})"
    items = pods.get("items") if isinstance(pods, dict) else None
    if not items:
        return "\nNo pods exist for it."
    return "\nPods:\n" + "\n".join(f"  {describe_pod(p)}" for p in items)


def wait_for_rollout(
    client: Any, namespace: str, name: str, timeout: float, interval: float = 0.5
) -> dict[str, Any]:
    """Poll the Deployment until its rollout completes; RolloutError after `timeout` s."""
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
    last: dict[str, Any] = {}

    def rolled_out() -> dict[str, Any] | None:
        deploy: dict[str, Any] = client.get(path)
        try:
            complete, last["waiting"] = progress(deploy)
        except RolloutError as exc:
            raise RolloutError(f"{exc}{pods_report(client, namespace, deploy)}") from None
        last["deploy"] = deploy
        return deploy if complete else None

    try:
        return waits.wait_until(rolled_out, timeout_s=timeout, interval_s=interval, retry_on=())
    except waits.WaitTimeout:
        raise RolloutError(
            f"Deployment {namespace}/{name}: rollout did not finish within "
            f"{format_seconds(timeout)}: {last['waiting']}"
            f"{pods_report(client, namespace, last['deploy'])}"
        ) from None


def format_seconds(seconds: float) -> str:
    """Like Go's Duration.String() for whole seconds: 3m0s, 45s, 1h0m0s."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"
