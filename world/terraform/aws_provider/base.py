"""Shared plumbing for resources: schema access, tags/tags_all, unsupported-argument refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from tf.types import Unknown

from harness import waits
from world.terraform.provider_kit import Component

from .errors import ProviderError, error_code, is_not_found


class AwsResource(Component):
    """Base of every resource type; subclasses set `name`, `schema` and the CRUD methods.

    `unsupported` lists arguments that the real provider has and this stand-in accepts in the
    schema but cannot honour: setting one is refused with a diagnostic naming it, so a valid
    real-world configuration is reported as "not supported offline" rather than as a typo.
    """

    unsupported: ClassVar[dict[str, str]] = {}
    has_tags: ClassVar[bool] = True

    # -- validation and planning --
    def validate(self, diags: Any, type_name: str, config: dict[str, Any]) -> None:
        for arg, why in self.unsupported.items():
            if config.get(arg) not in (None, [], {}):
                diags.add_error(
                    f"{type_name}.{arg} is not supported by the offline AWS stand-in",
                    why or "Remove it, or run against real AWS.",
                    path=[arg],
                )

    def plan_change(self, ctx: Any, prior: dict[str, Any] | None, planned: dict[str, Any]) -> Any:
        if self.has_tags:
            planned["tags_all"] = self.tags_all(planned.get("tags"))
        return planned

    # -- helpers --
    @property
    def ec2(self) -> Any:
        return self.provider.ec2

    def tags_all(self, tags: Any) -> Any:
        if tags is Unknown or (isinstance(tags, dict) and Unknown in tags.values()):
            return Unknown
        return {**self.provider.config.default_tags, **(tags or {})}

    def read_tags(self, prior_tags: Any, actual: list[dict[str, str]] | None) -> dict[str, Any]:
        """`tags` and `tags_all` from the emulator's tag list, hiding default_tags like the
        provider."""
        all_tags = {t["Key"]: t["Value"] for t in actual or []}
        defaults = self.provider.config.default_tags
        prior = prior_tags if isinstance(prior_tags, dict) else {}
        own = {k: v for k, v in all_tags.items() if k in prior or defaults.get(k) != v}
        if not own and prior_tags is None:
            return {"tags": None, "tags_all": all_tags}
        return {"tags": own, "tags_all": all_tags}

    def apply_tags(self, resource_id: str, old_all: Any, new_all: Any) -> None:
        old = old_all if isinstance(old_all, dict) else {}
        new = new_all if isinstance(new_all, dict) else {}
        removed = [{"Key": k} for k in old if k not in new]
        if removed:
            self.ec2.delete_tags(Resources=[resource_id], Tags=removed)
        changed = [{"Key": k, "Value": v} for k, v in new.items() if old.get(k) != v]
        if changed:
            self.ec2.create_tags(Resources=[resource_id], Tags=changed)

    def missing_ok(self, call: Callable[[], Any]) -> Any:
        """Run a describe call; None when the emulator says the thing does not exist."""
        try:
            return call()
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise

    def describe_one(self, call: Callable[..., Any], result: str, **ids: Any) -> Any:
        """The one thing a describe call finds (`call(**ids)[result][0]`), or None."""
        found = self.missing_ok(lambda: call(**ids)[result])
        return found[0] if found else None

    def read(self, ctx: Any, current: dict[str, Any]) -> Any:
        raise NotImplementedError

    def created(self, ctx: Any, planned: dict[str, Any], resource_id: str) -> Any:
        """After a create: the planned tags applied, then the state read back."""
        self.apply_tags(resource_id, {}, planned["tags_all"])
        return self.read(ctx, planned | {"id": resource_id})

    def updated(self, ctx: Any, current: dict[str, Any], planned: dict[str, Any]) -> Any:
        """After an update: the tags brought up to the plan, then the state read back."""
        self.apply_tags(current["id"], current.get("tags_all"), planned["tags_all"])
        return self.read(ctx, planned)

    def delete_with(self, what: str, call: Callable[[], Any], timeout: float = 30.0) -> None:
        """Delete (gone already is fine), retried while dependants are still going away."""
        retry_dependency(f"deleting {what}", lambda: self.missing_ok(call), timeout)


def wait_for(
    what: str, probe: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 60.0
) -> Any:
    """Poll `probe` until `done(value)`; bounded (the emulator is near-instant)."""

    def answer() -> tuple[Any] | None:
        value = probe()
        return (value,) if done(value) else None  # boxed: a done value may be falsy

    try:
        return waits.wait_until(answer, timeout_s=timeout, interval_s=0.1, retry_on=())[0]
    except waits.WaitTimeout:
        raise ProviderError(f"timed out after {timeout:.0f}s waiting for {what}") from None


def known(value: Any) -> Any:
    """None for unknown values (only used where a default is acceptable)."""
    return None if value is Unknown else value


def shape(schema: Any, state: dict[str, Any], prior: dict[str, Any] | None) -> dict[str, Any]:
    """Every schema attribute and block present; values not read keep the prior/planned value.

    Arguments the stand-in does not manage (flags such as `revoke_rules_on_delete`, unsupported
    optional arguments, which are null) are carried over from the plan. Nothing unknown is
    returned: a computed value the emulator has no answer for becomes null.
    """
    prior = prior or {}
    out: dict[str, Any] = {}
    for attr in schema.attributes:
        value = state[attr.name] if attr.name in state else prior.get(attr.name)
        out[attr.name] = None if value is Unknown else value
    for nested in schema.block_types:
        value = state.get(nested.type_name, prior.get(nested.type_name))
        out[nested.type_name] = [] if value is None or value is Unknown else value
    return out


def retry_dependency(what: str, call: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Retry a delete while the emulator reports DependencyViolation (bounded); after the
    time limit the last DependencyViolation is raised."""
    last: list[Exception] = []

    def attempt() -> tuple[Any] | None:
        try:
            return (call(),)
        except Exception as exc:
            if error_code(exc) != "DependencyViolation":
                raise
            last[:] = [exc]
            return None

    try:
        return waits.wait_until(attempt, timeout_s=timeout, interval_s=0.5, what=what, retry_on=())[
            0
        ]
    except waits.WaitTimeout:
        raise last[0] from None
