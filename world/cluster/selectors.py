"""Label selectors: the `labelSelector` query string and the `LabelSelector` object."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_SET_TERM = re.compile(r"^\s*(?P<key>[^\s!=()]+)\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")
_EQ_TERM = re.compile(r"^\s*(?P<key>[^\s!=()]+)\s*(?P<op>==|!=|=)\s*(?P<value>[^\s,()]*)\s*$")
_KEY_TERM = re.compile(r"^\s*(?P<neg>!?)\s*(?P<key>[^\s!=()]+)\s*$")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present


@dataclass(frozen=True)
class Selector:
    """A conjunction of requirements; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        found = labels or {}
        return all(r.matches(found) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


def _split_terms(text: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    terms.append(current)
    return [t for t in terms if t.strip()]


def parse(text: str) -> Selector:
    """Parse `a=b,c!=d,e in (f,g),!h` as the API server does; 400 BadRequest if malformed."""
    reqs: list[Requirement] = []
    for term in _split_terms(text or ""):
        if m := _SET_TERM.match(term):
            values = frozenset(v.strip() for v in m["values"].split(",") if v.strip())
            op = "In" if m["op"] == "in" else "NotIn"
            reqs.append(Requirement(m["key"], op, values))
        elif m := _EQ_TERM.match(term):
            op = "NotIn" if m["op"] == "!=" else "In"
            reqs.append(Requirement(m["key"], op, frozenset([m["value"]])))
        elif m := _KEY_TERM.match(term):
            reqs.append(Requirement(m["key"], "DoesNotExist" if m["neg"] else "Exists"))
        else:
            raise bad_request(f"unable to parse requirement: found '{term.strip()}'")
    return Selector(tuple(reqs))


def from_object(selector: Mapping[str, Any] | None) -> Selector:
    """A `LabelSelector` object (`matchLabels`, `matchExpressions`) as a Selector."""
    if not selector:
        return Selector()
    reqs = [
        Requirement(str(k), "In", frozenset([str(v)]))
        for k, v in (selector.get("matchLabels") or {}).items()
    ]
    for expr in selector.get("matchExpressions") or []:
        values = frozenset(str(v) for v in expr.get("values") or [])
        reqs.append(Requirement(str(expr.get("key", "")), str(expr.get("operator", "")), values))
    return Selector(tuple(reqs))


def from_labels(labels: Mapping[str, str] | None) -> Selector:
    """A Service's `spec.selector` map: every key equal."""
    return Selector(tuple(Requirement(k, "In", frozenset([v])) for k, v in (labels or {}).items()))


def field_matches(obj: Mapping[str, Any], text: str) -> bool:
    """`fieldSelector` for the fields every type supports: metadata.name, metadata.namespace."""
    meta = obj.get("metadata") or {}
    for term in _split_terms(text or ""):
        m = _EQ_TERM.match(term)
        if m is None or m["key"] not in ("metadata.name", "metadata.namespace"):
            raise bad_request(
                f'"{term.strip()}" is not a known field selector: only '
                '"metadata.name", "metadata.namespace"'
            )
        actual = str(meta.get(m["key"].split(".", 1)[1], ""))
        if (actual == m["value"]) == (m["op"] == "!="):
            return False
    return True
