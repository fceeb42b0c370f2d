"""Provider configuration, the mirror and CLI config, the launcher, rollout reports."""

from __future__ import annotations

import base64
import os
import re
import select
import ssl
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from world.terraform import mirror
from world.terraform.k8s_provider import rollout
from world.terraform.k8s_provider.config import SettingsError, resolve
from world.terraform.k8s_provider.errors import RolloutError


def kubeconfig(path: Path, *contexts: str, ca: bytes | None = None) -> Path:
    """A kubeconfig with one cluster/user per context name; the first is current."""
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": []}
    doc["contexts"], doc["current-context"] = [], contexts[0]
    for i, name in enumerate(contexts):
        cluster: dict[str, Any] = {"server": f"https://127.0.0.1:{6440 + i}"}
        if ca:
            cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
        doc["clusters"].append({"name": name, "cluster": cluster})
        doc["users"].append({"name": f"{name}-user", "user": {"token": f"token-{name}"}})
        doc["contexts"].append({"name": name, "context": {"cluster": name, "user": f"{name}-user"}})
    path.write_text(yaml.safe_dump(doc))
    return path


def test_kube_config_path_and_context_select_the_cluster(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "kc", "one", "two")
    conn = resolve({}, {"KUBE_CONFIG_PATH": str(path)}).connection
    assert (conn.server, conn.token) == ("https://127.0.0.1:6440", "token-one")
    conn = resolve({}, {"KUBE_CONFIG_PATH": str(path), "KUBE_CTX": "two"}).connection
    assert (conn.server, conn.token) == ("https://127.0.0.1:6441", "token-two")
    conn = resolve({"config_path": str(path), "config_context": "two"}, {}).connection
    assert conn.token == "token-two"
    settings = resolve({"config_paths": [str(path)]}, {"KUBE_CONFIG_PATHS": "/nonexistent"})
    assert settings.connection.token == "token-one" and settings.warnings == []


def test_provider_arguments_override_the_kubeconfig(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "kc", "one")
    conn = resolve(
        {"config_path": str(path), "token": "mine", "insecure": True}, {"KUBE_HOST": "h:1"}
    ).connection
    assert (conn.server, conn.token, conn.verify()) == ("https://h:1", "mine", False)
    conn = resolve({"host": "http://127.0.0.1:9", "token": "t"}, {}).connection
    assert (conn.server, conn.token, conn.verify()) == ("http://127.0.0.1:9", "t", True)


def test_kubeconfig_env_is_read_with_a_warning(tmp_path: Path) -> None:
    path = kubeconfig(tmp_path / "kc", "one")
    settings = resolve({}, {"KUBECONFIG": str(path)})
    assert settings.connection.token == "token-one"
    assert "real hashicorp/kubernetes provider ignores it" in settings.warnings[0]


def test_certificate_authority_data_is_trusted(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    from world.cluster.tls import make_server_tls

    ca_pem = make_server_tls(tmp_path / "pki", "kata-test").ca_pem
    conn = resolve({"config_path": str(kubeconfig(tmp_path / "kc", "one", ca=ca_pem))}, {})
    assert conn.connection.ca_pem == ca_pem
    assert isinstance(conn.connection.verify(), ssl.SSLContext)


def test_missing_or_unsupported_configuration_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="set config_path"):
        resolve({}, {})
    with pytest.raises(SettingsError, match='context "nope" does not exist'):
        resolve({"config_path": str(kubeconfig(tmp_path / "kc", "one"))}, {"KUBE_CTX": "nope"})
    with pytest.raises(SettingsError, match="exec is not supported by the offline kubernetes"):
        resolve({"host": "https://h", "exec": [{"api_version": "v1", "command": "aws"}]}, {})
    with pytest.raises(SettingsError, match="client_certificate is not supported"):
        resolve({"host": "https://h"}, {"KUBE_CLIENT_CERT_DATA": "pem"})


def test_k8s_stand_in_joins_the_aws_one_in_the_mirror(tmp_path: Path) -> None:
    mirror.install_stand_in(tmp_path)
    only_aws = mirror.write_cli_config(tmp_path / "a.rc", tmp_path, offline=True).read_text()
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in only_aws
    mirror.install_k8s_stand_in(tmp_path)
    launcher = (
        tmp_path
        / "registry.terraform.io/hashicorp/kubernetes/2.99.0"
        / mirror.terraform_platform()
        / "terraform-provider-kubernetes_v2.99.0"
    )
    assert launcher == mirror.k8s_launcher_path(tmp_path)
    assert launcher.is_file() and os.access(launcher, os.X_OK)
    assert "-m world.terraform.k8s_provider" in launcher.read_text()
    both = mirror.write_cli_config(tmp_path / "b.rc", tmp_path, offline=True).read_text()
    pair = '["registry.terraform.io/hashicorp/aws", "registry.terraform.io/hashicorp/kubernetes"]'
    assert f"include = {pair}" in both and f"exclude = {pair}" in both
    assert mirror.kubernetes_env(Path("/k")) == {"KUBE_CONFIG_PATH": "/k"}


def test_launcher_starts_the_plugin_handshake(tmp_path: Path) -> None:
    mirror.install_k8s_stand_in(tmp_path)
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(mirror.k8s_launcher_path(tmp_path))],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "the provider printed no go-plugin handshake within 15 s"
        assert re.match(r"1\|6\|unix\|[^|]+\|grpc\|", proc.stdout.readline())
        assert time.monotonic() - started < 5, "provider start-up is too slow"
    finally:
        proc.kill()
        proc.wait()


def deployment(generation: int = 2, **status: int) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "generation": generation},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
        "status": {"observedGeneration": 2, **status},
    }


def test_rollout_progress_reads_like_the_real_provider() -> None:
    assert rollout.progress(deployment(3)) == (False, "Waiting for rollout to start")
    assert rollout.progress(deployment(updatedReplicas=1))[1] == (
        "Waiting for rollout to finish: 1 out of 2 new replicas have been updated..."
    )
    waiting = rollout.progress(deployment(updatedReplicas=2, replicas=3))[1]
    assert waiting.endswith("1 old replicas are pending termination...")
    done = deployment(updatedReplicas=2, replicas=2, availableReplicas=2)
    assert rollout.progress(done) == (True, "")
    stuck = deployment()
    stuck["status"]["conditions"] = [{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]
    with pytest.raises(RolloutError, match="exceeded its progress deadline"):
        rollout.progress(stuck)


class FakeClient:
    """Answers the rollout's GETs: a Deployment that never becomes available, its pods."""

    def get(self, path: str) -> dict[str, Any]:
        if "/pods" in path:
            assert path.endswith("labelSelector=app%3Dweb")
            waiting = {"reason": "ImagePullBackOff", "message": "Back-off pulling image x:1"}
            running: dict[str, Any] = {"running": {}}
            return {"items": [
                {"metadata": {"name": "web-1"},
                 "status": {"containerStatuses": [{"state": {"waiting": waiting}}]}},
                {"metadata": {"name": "web-2"}, "status": {"containerStatuses": [
                    {"state": running, "ready": False, "restartCount": 2}]}},
            ]}  # fmt: skip
        return deployment(updatedReplicas=2, replicas=2)


def test_a_stuck_rollout_fails_with_the_pods_reasons() -> None:
    with pytest.raises(RolloutError) as caught:
        rollout.wait_for_rollout(FakeClient(), "prod", "web", timeout=0.05, interval=0.01)
    text = str(caught.value)
    assert text.startswith("Deployment prod/web: rollout did not finish within 0s: Waiting for")
    assert "web-1: ImagePullBackOff (Back-off pulling image x:1)" in text
    assert "web-2: running but not ready (readiness probe failing), 2 restarts" in text
    assert rollout.format_seconds(180) == "3m0s"
