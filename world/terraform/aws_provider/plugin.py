"""The gRPC side: a `tf` ProviderServicer with real planning, error capture, and `main()`.

`tf`'s own PlanResourceChange calls no resource hook on create and can only force replacement
for whole top-level attributes flagged `requires_replace`. Here every plan goes through the
resource's `plan_change(ctx, prior, planned)`, which may fill computed values (`tags_all`),
mark values unknown, or ask for replacement (`ctx.replace`). Defaults of optional+computed
attributes are applied whenever the configuration leaves them null, as the plugin framework does.
Any exception in a resource operation becomes an error diagnostic instead of a gRPC failure,
and a failed update or read keeps the prior state (`provider_kit.GuardedServicer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tf.provider as tf_provider
from tf.provider import _decode_state, _encode_state
from tf.types import Unknown
from tf.utils import Diagnostics, _to_attribute_path

from world.terraform.provider_kit import GuardedServicer, describe_error, serve


@dataclass
class PlanContext:
    """What a resource's plan hook sees, and where it records replacement reasons."""

    diagnostics: Any
    type_name: str
    config: dict[str, Any]
    replace: list[str] = field(default_factory=list)


def values_differ(attr: Any, old: Any, new: Any) -> bool:
    if old is Unknown or new is Unknown:
        return old is not new
    if old is None or new is None:
        return old is not new
    return not attr.type.semantically_equal(old, new)


class KataServicer(GuardedServicer):
    """GuardedServicer (errors as diagnostics) with the resources' plan hooks."""

    def _maps(self, type_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        return self._get_res_attrs(type_name), self._get_res_blocks(type_name)

    def PlanResourceChange(self, request: Any, context: Any) -> Any:
        response = tf_provider.pb.PlanResourceChange.Response
        diags = Diagnostics()
        type_name = request.type_name
        attrs, blocks = self._maps(type_name)
        _, prior = _decode_state(diags, attrs, blocks, request.prior_state)
        proposed_enc, proposed = _decode_state(diags, attrs, blocks, request.proposed_new_state)
        _, config = _decode_state(diags, attrs, blocks, request.config)
        if diags.has_errors() or proposed is None:
            return response(planned_state=request.proposed_new_state, diagnostics=diags.to_pb())
        config = config or {}
        planned = dict(proposed)
        for name, attr in attrs.items():
            if not attr.computed or config.get(name) is not None:
                continue
            if prior is None or (attr.optional and attr.default is not Unknown):
                planned[name] = attr.default
        ctx = PlanContext(diags, type_name, config)
        if prior is not None:
            ctx.replace = [
                name
                for name, attr in attrs.items()
                if attr.requires_replace and values_differ(attr, prior.get(name), planned.get(name))
            ]
        try:
            resource = self.app.new_resource(self._get_res_cls(type_name))
            planned = resource.plan_change(ctx, prior, planned)
        except Exception as exc:
            diags.add_error(f"planning {type_name}", describe_error(exc))
            return response(diagnostics=diags.to_pb())
        return response(
            planned_state=_encode_state(attrs, blocks, planned, proposed_enc),
            requires_replace=[_to_attribute_path([n]) for n in sorted(set(ctx.replace))],
            diagnostics=diags.to_pb(),
        )


def main(argv: list[str] | None = None) -> None:
    """Serve the provider over go-plugin (what Terraform starts from the mirror)."""
    from .config import AwsProvider

    serve(KataServicer, AwsProvider(), argv)
