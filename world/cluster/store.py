"""The object store behind the API server: what `etcd` plus the generic registry do.

Objects are JSON dicts keyed by (resource, namespace, name). The store owns the server-set
metadata: `uid`, `resourceVersion` (one counter for the whole store, as etcd's revision),
`creationTimestamp` and `generation` (bumped when anything but metadata and status changes).
Writes go through an admission hook (defaulting + validation, see admission.py). Every read
returns a deep copy, so callers may mutate what they get. Deleting a namespace deletes
everything in it at once. `wait(since)` lets the controller sleep until something changed.
"""

from __future__ import annotations

import copy
import secrets
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .errors import already_exists, bad_request, conflict, forbidden, invalid, not_found
from .errors import required as required_cause
from .resources import NAMESPACED_STORED, NAMESPACES, STORED, Resource
from .selectors import Selector, field_matches

Obj = dict[str, Any]
Admit = Callable[[Resource, Obj, Obj | None], None]
Mutate = Callable[[Obj], Obj]

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # as Kubernetes' generateName suffix


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _no_admission(res: Resource, obj: Obj, old: Obj | None) -> None:
    return None


def _content(obj: Obj) -> Obj:
    """What counts for `generation`: everything but metadata, status, kind and apiVersion."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


class Store:
    """Thread-safe in-memory object store with Kubernetes write semantics."""

    def __init__(self, admit: Admit | None = None) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {r.plural: {} for r in STORED}
        self._revision = 0
        self._admit = admit or _no_admission
        self._listeners: list[Callable[[], None]] = []
        for name in SYSTEM_NAMESPACES:
            self.create(NAMESPACES, "", {"metadata": {"name": name}})

    # --- reading ---------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        with self._lock:
            return self._revision

    def wait(self, since: int, timeout: float) -> int:
        """Block until the revision passes `since` (or `timeout` s); return the revision."""
        with self._changed:
            self._changed.wait_for(lambda: self._revision > since, timeout=timeout)
            return self._revision

    def get(self, res: Resource, namespace: str, name: str) -> Obj:
        with self._lock:
            obj = self._objects[res.plural].get((namespace, name))
            if obj is None:
                raise not_found(res, name)
            return copy.deepcopy(obj)

    def list(
        self,
        res: Resource,
        namespace: str | None = None,
        selector: Selector | None = None,
        fields: str = "",
    ) -> tuple[list[Obj], str]:
        """Objects of `res` (in `namespace`, or all when None) and the list resourceVersion."""
        with self._lock:
            items = [
                copy.deepcopy(obj)
                for (ns, _name), obj in sorted(self._objects[res.plural].items())
                if (namespace is None or ns == namespace)
                and (selector is None or selector.matches(obj["metadata"].get("labels")))
                and (not fields or field_matches(obj, fields))
            ]
            return items, str(self._revision)

    # --- writing ---------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call `listener()` (quickly: it runs under the store's lock) after every write."""
        with self._lock:
            self._listeners.append(listener)

    def _bump(self) -> str:
        self._revision += 1
        self._changed.notify_all()
        for listener in self._listeners:
            listener()
        return str(self._revision)

    @staticmethod
    def _check_type(res: Resource, obj: Any) -> Obj:
        if not isinstance(obj, dict):
            raise bad_request("the request body must be a JSON object")
        if obj.get("apiVersion", res.api_version) != res.api_version:
            raise bad_request(
                f"the API version in the data ({obj['apiVersion']}) does not match the "
                f"expected API version ({res.api_version})"
            )
        if obj.get("kind", res.kind) != res.kind:
            raise bad_request(
                f"the kind in the data ({obj['kind']}) does not match the expected kind "
                f"({res.kind})"
            )
        if not isinstance(obj.setdefault("metadata", {}), dict):
            raise bad_request("metadata must be an object")
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        return obj

    def create(self, res: Resource, namespace: str, body: Any, *, dry_run: bool = False) -> Obj:
        obj = self._check_type(res, copy.deepcopy(body))
        meta = obj["metadata"]
        if res.namespaced:
            if meta.get("namespace", namespace) != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if meta.get("resourceVersion"):
            raise bad_request("resourceVersion should not be set on objects to be created")
        for field in ("uid", "creationTimestamp", "generation", "deletionTimestamp"):
            meta.pop(field, None)
        with self._lock:
            if not meta.get("name") and meta.get("generateName"):
                suffix = "".join(secrets.choice(_NAME_CHARS) for _ in range(5))
                meta["name"] = f"{meta['generateName']}{suffix}"
            if not meta.get("name"):
                raise invalid(
                    res, "", [required_cause("metadata.name", "name or generateName is required")]
                )
            self._admit(res, obj, None)
            name = str(meta["name"])
            if res.namespaced and ("", namespace) not in self._objects[NAMESPACES.plural]:
                raise not_found(NAMESPACES, namespace)
            key = (namespace if res.namespaced else "", name)
            if key in self._objects[res.plural]:
                raise already_exists(res, name)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
            meta["generation"] = 1
            if dry_run:
                return copy.deepcopy(obj)
            meta["resourceVersion"] = self._bump()
            self._objects[res.plural][key] = obj
            return copy.deepcopy(obj)

    def update(
        self,
        res: Resource,
        namespace: str,
        name: str,
        mutate: Mutate,
        *,
        subresource: str = "",
        dry_run: bool = False,
    ) -> Obj:
        """Replace an object with `mutate(copy of it)`: PUT and PATCH both come through here.

        A resourceVersion in the result that differs from the stored one is a 409 Conflict
        (the optimistic-concurrency precondition); none means "whatever is there now". On the
        main resource the status is kept as stored; on `status` only the status changes.
        """
        key = (namespace if res.namespaced else "", name)
        with self._lock:
            old = self._objects[res.plural].get(key)
            if old is None:
                raise not_found(res, name)
            new = self._check_type(res, mutate(copy.deepcopy(old)))
            meta = new["metadata"]
            if meta.setdefault("name", name) != name:
                raise bad_request(
                    f"the name of the object ({meta['name']}) does not match the name on the "
                    f"URL ({name})"
                )
            if res.namespaced and meta.setdefault("namespace", namespace) != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            wanted = str(meta.get("resourceVersion") or "")
            if wanted and wanted != old["metadata"]["resourceVersion"]:
                raise conflict(res, name)
            if subresource == "status":
                status = new.get("status")
                new = copy.deepcopy(old)
                new["status"] = status if status is not None else {}
            elif res.has_status:
                new["status"] = copy.deepcopy(old.get("status", {}))
            for field in ("uid", "creationTimestamp", "generation"):
                new["metadata"][field] = old["metadata"][field]
            if subresource != "status":
                self._admit(res, new, old)
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if new == old:
                return copy.deepcopy(old)
            if _content(new) != _content(old):
                new["metadata"]["generation"] = int(old["metadata"]["generation"]) + 1
            if dry_run:
                return copy.deepcopy(new)
            new["metadata"]["resourceVersion"] = self._bump()
            self._objects[res.plural][key] = new
            return copy.deepcopy(new)

    def set_status(self, res: Resource, namespace: str, name: str, status: Obj) -> bool:
        """The controllers' status write: no admission, no generation; False if unchanged."""
        with self._lock:
            obj = self._objects[res.plural].get((namespace, name))
            if obj is None or obj.get("status") == status:
                return False
            obj["status"] = copy.deepcopy(status)
            obj["metadata"]["resourceVersion"] = self._bump()
            return True

    def delete(self, res: Resource, namespace: str, name: str, *, dry_run: bool = False) -> Obj:
        """Delete an object and return it; a namespace takes everything in it along."""
        key = (namespace if res.namespaced else "", name)
        with self._lock:
            obj = self._objects[res.plural].get(key)
            if obj is None:
                raise not_found(res, name)
            if res is NAMESPACES and name in PROTECTED_NAMESPACES:
                raise forbidden(res, name, "this namespace may not be deleted")
            if dry_run:
                return copy.deepcopy(obj)
            del self._objects[res.plural][key]
            if res is NAMESPACES:
                for inner in NAMESPACED_STORED:
                    for k in [k for k in self._objects[inner.plural] if k[0] == name]:
                        del self._objects[inner.plural][k]
            self._bump()
            return obj

    def namespace_exists(self, name: str) -> bool:
        with self._lock:
            return ("", name) in self._objects[NAMESPACES.plural]
