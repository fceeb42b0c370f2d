"""Fields described once: for Terraform's schema, for planning, and for the API's JSON.

The real provider is built on the legacy plugin SDK, whose schema has attributes (optional,
required, computed, with a `Default` and `ForceNew`) and list-nested blocks (`metadata {}`,
`spec {}` with max_items 1). `Attr` and `Block` carry the same flags plus what this stand-in
needs to map a field onto the Kubernetes API: its JSON key, a value conversion, an equality
that suppresses cosmetic differences (quantities), and whether the stand-in refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tf import types as t
from tf.schema import Attribute, Schema
from tf.schema import Block as TfBlock

from world.terraform.provider_kit import (
    BOOL,
    NUMBER,
    STRING,
    STRING_LIST,
    STRING_MAP,
    STRING_SET,
    ListBlock,
    Object,
    SingleBlock,
)

__all__ = ["BOOL", "NUMBER", "STRING", "STRING_LIST", "STRING_MAP", "STRING_SET"]  # re-exported

NUMBER_SET = t.Set(NUMBER)

Mode = Literal["required", "optional", "computed", "optional_computed"]
AUTO = "\0auto"  # `key` default: the field name in camelCase


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


def camel(name: str) -> str:
    """`container_port` -> `containerPort`."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


class NumericString:
    """A string in Terraform (`replicas = "2"`, `target_port = "8080"`, `max_surge = "25%"`)
    that the API holds as an int when it is one (an int or an IntOrString)."""

    def to_api(self, value: Any) -> Any:
        text = str(value)
        return int(text) if re.fullmatch(r"-?[0-9]+", text) else text

    def from_api(self, value: Any) -> Any:
        return str(value)


NUMERIC_STRING = NumericString()


@dataclass(frozen=True)
class Attr:
    """One attribute. `unsupported` (a reason) makes setting it an error, not a no-op."""

    name: str
    type: Any = STRING
    mode: Mode = "optional"
    default: Any = NO_DEFAULT
    force_new: bool = False
    sensitive: bool = False
    key: str | None = AUTO
    codec: NumericString | None = None
    equal: Callable[[Any, Any], bool] | None = None
    server_default: Any = NO_DEFAULT
    choices: tuple[str, ...] = ()
    unsupported: str | None = None

    @property
    def computed(self) -> bool:
        return self.mode in ("computed", "optional_computed")

    @property
    def api_key(self) -> str | None:
        return camel(self.name) if self.key == AUTO else self.key

    def to_tf(self) -> Any:
        return Attribute(
            self.name,
            self.type,
            required=self.mode == "required",
            optional=self.mode in ("optional", "optional_computed"),
            computed=self.computed,
            sensitive=self.sensitive,
        )


@dataclass(frozen=True)
class Body:
    """The contents of a block (or of a whole resource)."""

    attrs: tuple[Attr, ...] = ()
    blocks: tuple[Block, ...] = ()

    def attr(self, name: str) -> Attr:
        return next(a for a in self.attrs if a.name == name)

    def block(self, name: str) -> Block:
        return next(b for b in self.blocks if b.name == name)

    def to_tf(self) -> Any:
        return TfBlock(
            attributes=[a.to_tf() for a in self.attrs],
            block_types=[b.to_tf() for b in self.blocks],
        )


@dataclass(frozen=True)
class Block:
    """A nested block: list nesting (max_items 1 = an object in the API, else a list) or,
    for `timeouts`, single nesting (not sent to the API)."""

    name: str
    body: Body = field(default_factory=Body)
    required: bool = False
    computed: bool = False  # the SDK's Optional+Computed block: kept from state when omitted
    max_items: int | None = None
    force_new: bool = False
    key: str | None = AUTO
    single: bool = False
    unsupported: str | None = None
    api_object: bool | None = None  # None: an object when max_items is 1, else a list

    @property
    def is_object(self) -> bool:
        return self.max_items == 1 if self.api_object is None else self.api_object

    @property
    def api_key(self) -> str | None:
        return None if self.single else camel(self.name) if self.key == AUTO else self.key

    def to_tf(self) -> Any:
        if self.single:
            return SingleBlock(self.name, self.body.to_tf())
        return ListBlock(
            self.name, self.body.to_tf(), min_items=1 if self.required else None,
            max_items=self.max_items,
        )  # fmt: skip


def body(*fields: Attr | Block) -> Body:
    return Body(
        tuple(f for f in fields if isinstance(f, Attr)),
        tuple(f for f in fields if isinstance(f, Block)),
    )


def req(name: str, typ: Any = STRING, **kw: Any) -> Attr:
    return Attr(name, typ, "required", **kw)


def opt(name: str, typ: Any = STRING, **kw: Any) -> Attr:
    return Attr(name, typ, "optional", **kw)


def optc(name: str, typ: Any = STRING, **kw: Any) -> Attr:
    return Attr(name, typ, "optional_computed", **kw)


def comp(name: str, typ: Any = STRING, **kw: Any) -> Attr:
    return Attr(name, typ, "computed", **kw)


def one(name: str, *fields: Attr | Block, **kw: Any) -> Block:
    """A block of at most one element (`spec {}`): an object in the API."""
    return Block(name, body(*fields), max_items=1, **kw)


def many(name: str, *fields: Attr | Block, **kw: Any) -> Block:
    """A repeatable block (`container {}`, `port {}`): a list in the API."""
    return Block(name, body(*fields), **kw)


def timeouts(*names: str) -> Block:
    """The SDK's `timeouts` block with the operations the real resource declares."""
    return Block("timeouts", body(*(opt(n, key=None) for n in names)), single=True)


def id_attr() -> Attr:
    """The SDK adds `id` (optional+computed) to every resource and data source."""
    return optc("id", key=None)


def object_list(fields: dict[str, Any]) -> Any:
    """The type of a computed-only nested list, e.g. `status`: list(object({...}))."""
    return t.List(Object(fields))


def resource_schema(top: Body, version: int = 0) -> Any:
    return Schema(
        version=version,
        attributes=[a.to_tf() for a in top.attrs],
        block_types=[b.to_tf() for b in top.blocks],
    )
