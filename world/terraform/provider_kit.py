"""What both provider stand-ins (aws_provider, k8s_provider) share, written once.

- schema types `tf` lacks: an object type and list- and single-nested blocks;
- `ProviderError` and the wording of an exception as a diagnostic;
- `Component`, the base of every resource and data source type (`get_name`, `get_schema`);
- `StandInProvider`, the parts of `tf.iface.Provider` both answer alike;
- `GuardedServicer`, a `tf` ProviderServicer whose failures become error diagnostics, and
  `serve`, which hands Terraform the provider over go-plugin.

Imports nothing but `tf` and the standard library, so that provider start-up stays fast.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any, ClassVar

import tf.provider as tf_provider
from tf import types as t
from tf.gen import tfplugin_pb2 as pb
from tf.provider import ProviderServicer
from tf.types import Unknown
from tf.utils import Diagnostics

# -- schema --

STRING = t.String()
BOOL = t.Bool()
NUMBER = t.Number()
STRING_LIST = t.List(STRING)
STRING_SET = t.Set(STRING)
STRING_MAP = t.Map(STRING)


class Object:
    """A cty object type: a fixed set of named, typed attributes (a python dict)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def encode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        return {k: typ.encode(value.get(k)) for k, typ in self.fields.items()}

    def decode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        return {k: typ.decode(value.get(k)) for k, typ in self.fields.items()}

    def semantically_equal(self, a: Any, b: Any) -> bool:
        return bool(a == b)

    def tf_type(self) -> bytes:
        fields = {k: json.loads(typ.tf_type()) for k, typ in self.fields.items()}
        return json.dumps(["object", fields], separators=(",", ":")).encode()


class ListBlock:
    """A list-nested block (`NestingList`), e.g. `default_tags { ... }` or `root_block_device`."""

    nesting: ClassVar[Any] = pb.Schema.NestedBlock.NestingMode.LIST

    def __init__(
        self, type_name: str, block: Any, min_items: int | None = None, max_items: int | None = None
    ) -> None:
        self.type_name = type_name
        self.block = block
        self.min_items = min_items
        self.max_items = max_items

    def to_pb(self) -> Any:
        return pb.Schema.NestedBlock(
            type_name=self.type_name,
            block=self.block.to_pb(),
            nesting=self.nesting,
            min_items=self.min_items,
            max_items=self.max_items,
        )

    def _maps(self) -> tuple[dict[str, Any], dict[str, Any]]:
        attrs = {a.name: a for a in self.block.attributes}
        blocks = {b.type_name: b for b in self.block.block_types}
        return attrs, blocks

    def encode(self, value: Any) -> Any:
        from tf.provider import _encode_state_d

        attrs, blocks = self._maps()
        return [_encode_state_d(attrs, blocks, v, None) for v in value or []]

    def decode(self, value: Any) -> Any:
        from tf.provider import _decode_state

        attrs, blocks = self._maps()
        return [_decode_state(Diagnostics(), attrs, blocks, v)[1] for v in value or []]

    def semantically_equal(self, a: Any, b: Any) -> bool:
        return bool(a == b)


class SingleBlock(ListBlock):
    """A single-nested block (`NestingSingle`), e.g. the legacy SDK's `timeouts { create = "3m" }`;
    its value passes through as it is."""

    nesting = pb.Schema.NestedBlock.NestingMode.SINGLE

    def __init__(self, type_name: str, block: Any) -> None:
        super().__init__(type_name, block)

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, value: Any) -> Any:
        return value


# -- errors --


class ProviderError(Exception):
    """An expected failure, reported as a diagnostic without a traceback."""

    expected = True


def error_code(exc: BaseException) -> str:
    """The code of an error response in botocore's shape (`response["Error"]["Code"]`), or ""."""
    response: Any = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def describe_error(exc: BaseException) -> str:
    code = error_code(exc)
    if code:
        message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
        return f"{code}: {message}".rstrip(": ")
    name = type(exc).__name__
    return str(exc) if isinstance(exc, ProviderError) else f"{name}: {exc}"


# -- resources, data sources and the provider --


class Component:
    """Base of every resource and data source type: `name` and `schema` as `tf` asks for them,
    and the provider it was made for. Subclasses add validation and the operations."""

    name: ClassVar[str]
    schema: ClassVar[Any]

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @classmethod
    def get_schema(cls) -> Any:
        return cls.schema

    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        return None


class StandInProvider:
    """The parts of `tf.iface.Provider` both stand-ins answer alike.

    A subclass names the provider (`type_name`, as in `hashicorp/<type_name>`, and the
    `model_prefix` of its types) and its `package`, whose `resources.RESOURCES` and
    `data_sources.DATA_SOURCES` it serves; they are imported on first use only.
    """

    type_name: ClassVar[str]
    model_prefix: ClassVar[str]
    package: ClassVar[str]

    def get_model_prefix(self) -> str:
        return self.model_prefix

    def full_name(self) -> str:
        return f"registry.terraform.io/hashicorp/{self.type_name}"

    def get_data_sources(self) -> list[Any]:
        return list(importlib.import_module(".data_sources", self.package).DATA_SOURCES)

    def get_resources(self) -> list[Any]:
        return list(importlib.import_module(".resources", self.package).RESOURCES)

    def get_functions(self) -> list[Any]:
        return []

    def new_resource(self, klass: Any) -> Any:
        return klass(self)

    def new_data_source(self, klass: Any) -> Any:
        return klass(self)

    def new_function(self, klass: Any) -> Any:
        return klass(self)


# -- the gRPC side --


def _apply_action(request: Any) -> str:
    from tf.utils import read_dynamic_value

    if read_dynamic_value(request.prior_state) is None:
        return "creating"
    if read_dynamic_value(request.planned_state) is None:
        return "deleting"
    return "updating"


def _error(summary: str, exc: Exception) -> Any:
    if not getattr(exc, "expected", False):
        traceback.print_exc(file=sys.stderr)
    return Diagnostics().add_error(summary, describe_error(exc)).to_pb()


def guarded(
    summary: Callable[[Any], str], keep: str | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A servicer method whose exception becomes an error diagnostic (`summary(request)`) in
    the method's own response, carrying the request's `keep` state (a failed update or read
    keeps the prior state)."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        response = getattr(tf_provider.pb, method.__name__).Response

        @functools.wraps(method)
        def call(self: Any, request: Any, context: Any) -> Any:
            try:
                return method(self, request, context)
            except Exception as exc:
                kept = {"new_state": getattr(request, keep)} if keep else {}
                return response(diagnostics=_error(summary(request), exc), **kept)

        return call

    return wrap


class GuardedServicer(ProviderServicer):  # type: ignore[misc]
    """ProviderServicer that answers an exception in an operation with an error diagnostic
    (a traceback on stderr only where it was not an expected ProviderError), not a gRPC failure."""

    @guarded(lambda r: f"{_apply_action(r)} {r.type_name}", keep="prior_state")
    def ApplyResourceChange(self, request: Any, context: Any) -> Any:
        return super().ApplyResourceChange(request, context)

    @guarded(lambda r: f"reading {r.type_name}", keep="current_state")
    def ReadResource(self, request: Any, context: Any) -> Any:
        return super().ReadResource(request, context)

    @guarded(lambda r: f"reading data source {r.type_name}")
    def ReadDataSource(self, request: Any, context: Any) -> Any:
        return super().ReadDataSource(request, context)


def serve(servicer: type[Any], provider: Any, argv: list[str] | None = None) -> None:
    """Serve `provider` over go-plugin (what Terraform starts from the mirror)."""
    from tf.runner import run_provider

    # run_provider builds `tf.provider.ProviderServicer` at call time; hand it ours.
    tf_provider.ProviderServicer = servicer
    run_provider(provider, argv or sys.argv)
