"""Schema building blocks on top of the `tf` package.

`tf` has no object type and no list-nested blocks, both of which the real hashicorp/aws
schema uses (`ingress` is a set of objects, `default_tags` and `root_block_device` are list
blocks): they come from `world.terraform.provider_kit`. Attribute shorthands keep the
resource schemas readable.
"""

from __future__ import annotations

from typing import Any

from tf import types as t
from tf.schema import Attribute, Block, Schema
from tf.types import Unknown

from world.terraform.provider_kit import (
    BOOL,
    NUMBER,
    STRING,
    STRING_LIST,
    STRING_MAP,
    STRING_SET,
    ListBlock,
    Object,
)

__all__ = [
    "BOOL",
    "NUMBER",
    "STRING",
    "STRING_LIST",
    "STRING_MAP",
    "STRING_SET",
    "ListBlock",
    "Object",
    "block",
    "computed",
    "list_of",
    "optional",
    "optional_computed",
    "required",
    "resource_schema",
    "set_of",
    "tags_attributes",
]


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


def resource_schema(*attributes: Any, blocks: list[Any] | None = None) -> Any:
    """A tagged resource's schema: `id` and `arn`, then its own attributes, then the tags."""
    return Schema(
        version=0,
        attributes=[computed("id"), computed("arn"), *attributes, *tags_attributes()],
        block_types=blocks,
    )
