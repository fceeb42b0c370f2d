"""The `tf` Provider: the provider block, the resolved connection and one shared API client."""

from __future__ import annotations

import threading
from typing import Any

from world.terraform.provider_kit import StandInProvider

from .client import KubeClient
from .config import Settings, SettingsError, provider_schema, resolve
from .errors import STAND_IN


class K8sProvider(StandInProvider):
    """hashicorp/kubernetes, offline: resources and data sources over a KubeClient."""

    type_name = "kubernetes"
    model_prefix = "kubernetes_"
    package = "world.terraform.k8s_provider"

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self._client: KubeClient | None = None
        self._lock = threading.Lock()  # Terraform works on resources in parallel

    # -- tf.iface.Provider (the rest: StandInProvider) --
    def get_provider_schema(self, diags: Any) -> Any:
        return provider_schema()

    def validate_config(self, diags: Any, config: dict[str, Any]) -> None:
        return None

    def configure_provider(self, diags: Any, config: dict[str, Any]) -> None:
        try:
            self.settings = resolve(config or {})
        except (SettingsError, OSError, ValueError) as exc:
            diags.add_error(f"configuring {STAND_IN}", str(exc))
            return
        for warning in self.settings.warnings:
            diags.add_warning(warning)

    # -- for resources --
    @property
    def client(self) -> KubeClient:
        with self._lock:
            if self._client is None:
                if self.settings is None:
                    raise SettingsError("the provider was not configured")
                self._client = KubeClient(self.settings.connection)
            return self._client
