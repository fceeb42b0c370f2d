"""Schema building blocks on top of the `tf` package.

`tf` has no object type and no list-nested blocks, both of which the real hashicorp/aws
schema uses (`ingress` is a set of objects, `default_tags` and `root_block_device` are list
blocks), so they are added here. Attribute shorthands keep the resource schemas readable.
"""

from __future__ import annotations

import json
from typing import Any

from tf import types as t
from tf.gen import tfplugin_pb2 as pb
from tf.schema import Attribute, Block
from tf.types import Unknown

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
            nesting=pb.Schema.NestedBlock.NestingMode.LIST,
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
        from tf.utils import Diagnostics

        attrs, blocks = self._maps()
        return [_decode_state(Diagnostics(), attrs, blocks, v)[1] for v in value or []]

    def semantically_equal(self, a: Any, b: Any) -> bool:
        return bool(a == b)


def set_of(typ: Any) -> Any:
    return t.Set(typ)


def list_of(typ: Any) -> Any:
    return t.List(typ)


def block(attributes: list[Any], blocks: list[Any] | None = None) -> Any:
    """A nested block body."""
    return Block(attributes=attributes, block_types=blocks or [])


def required(name: str, typ: Any, *, replace: bool = False, sensitive: bool = False) -> Any:
    return Attribute(name, typ, required=True, requires_replace=replace, sensitive=sensitive)


def optional(name: str, typ: Any, *, replace: bool = False, sensitive: bool = False) -> Any:
    return Attribute(name, typ, optional=True, requires_replace=replace, sensitive=sensitive)


def optional_computed(name: str, typ: Any, *, replace: bool = False, default: Any = Unknown) -> Any:
    """Optional and computed; a default (where the real provider has one) fills a null config."""
    return Attribute(
        name, typ, optional=True, computed=True, requires_replace=replace, default=default
    )


def computed(name: str, typ: Any = STRING) -> Any:
    return Attribute(name, typ, computed=True)


def tags_attributes() -> list[Any]:
    """`tags` (what the configuration sets) and `tags_all` (plus the provider's default_tags)."""
    return [optional("tags", STRING_MAP), computed("tags_all", STRING_MAP)]
