"""The gRPC side: the aws stand-in's servicer, planning the legacy SDK's way.

The real provider is built on the legacy plugin SDK and tells Terraform so
(`legacy_type_system`): Terraform then tolerates what the SDK does and the plugin protocol
otherwise forbids, such as `Default`s on optional non-computed arguments and Optional+Computed
blocks (`strategy`, `resources`) kept from state when the configuration omits them. This
servicer does the same, plans with `planning.plan_body` and names nested ForceNew paths
(`metadata[0].name`, `spec[0].selector`) in `requires_replace`.
"""

from __future__ import annotations

from typing import Any

import tf.provider as tf_provider
from tf.utils import Diagnostics, _to_attribute_path, read_dynamic_value, to_dynamic_value

from world.terraform.provider_kit import GuardedServicer, describe_error, serve


class K8sServicer(GuardedServicer):
    """GuardedServicer (errors as diagnostics) with SDK-style plans over raw values."""

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        response = tf_provider.pb.PlanResourceChange.Response
        proposed = read_dynamic_value(request.proposed_new_state)
        if proposed is None:  # destroy
            return response(planned_state=request.proposed_new_state, legacy_type_system=True)
        diags = Diagnostics()
        prior = read_dynamic_value(request.prior_state)
        config = read_dynamic_value(request.config) or {}
        try:
            resource = self.app.new_resource(self._get_res_cls(request.type_name))
            planned, replace = resource.plan_change(prior, config)
        except Exception as exc:
            diags.add_error(f"planning {request.type_name}", describe_error(exc))
            return response(diagnostics=diags.to_pb())
        return response(
            planned_state=to_dynamic_value(planned),
            requires_replace=[_to_attribute_path(list(path)) for path in replace],
            diagnostics=diags.to_pb(),
            legacy_type_system=True,
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        result = super().ApplyResourceChange(request, context)
        result.legacy_type_system = True
        return result


def main(argv: list[str] | None = None) -> None:
    """Serve the provider over go-plugin (what Terraform starts from the mirror)."""
    from .provider import K8sProvider

    serve(K8sServicer, K8sProvider(), argv)
