"""Wait strategies: one polling loop for everything the harness waits on.

A wait is a *condition* polled until it holds, within a time limit, unless an *abort* check
says that waiting longer is pointless (the process died, the container exited):

    waits.wait_until(waits.http_ok(url), timeout_s=10, abort=waits.process_exited(proc))

`wait_until` returns what the condition found (a response, a regex match, ``True``) or raises
`WaitTimeout` / `WaitAborted` (both `HarnessError`s, so a run that cannot go on explains itself
instead of printing a traceback). `succeeds_within` is the same wait answered with a bool, for
callers whose contract is "True when ready, False on timeout".

A condition is any ``Callable[[], T | None]``: ``None`` or ``False`` means "not yet", anything
else is the answer. Exceptions of the types in ``retry_on`` (default `OSError`: refused and
reset connections, missing files) also mean "not yet" and the last one is named in the
timeout message; any other exception propagates at once. The strategies below return a
`Condition`, a callable that also carries its description and its own ``retry_on``:

    port_open(host, port)             a TCP connection is accepted
    greets(host, port, b"SSH-")       the server speaks first with this banner
    http_ok(url, status=200)          a GET answers with that status (or one of several)
    log_line(source, pattern)         a container's log (or any text source) matches
    health_status(container)          Docker's own HEALTHCHECK status is "healthy"
    file_exists(path)                 a path exists
    and the abort checks process_exited(proc) and container_exited(container).

Why not testcontainers-python's wait strategies (``testcontainers.core.wait_strategies``,
4.x)? They fit containers started through testcontainers' own ``DockerContainer`` (each
strategy's ``wait_until_ready(target)`` takes a ``WaitStrategyTarget``), but most of what the
harness waits on is not such a container: host processes (the registry, nginx, moto), an SSH
greeting through the engine's port proxy, the cluster controller's sync counter, kubectl
output. They have no abort condition (only the log strategy notices an exited container),
no bool-answering form, and raise ``TimeoutError``/``RuntimeError`` rather than an error the
harness explains. The loop they share (``WaitStrategy._poll``) is ~20 lines; this module is the
same loop with those three things added, so the harness does not take the dependency for it.
Where the harness later starts a container through testcontainers (LocalStack, say), its
strategies can be used there directly; these conditions work on any docker SDK container.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import httpx

from harness.errors import HarnessError

T = TypeVar("T")

Abort = Callable[[], str | None]
"""Returns a reason (e.g. "container exited with code 1") when waiting longer is pointless."""


class WaitTimeout(HarnessError):
    """The condition did not hold within the time limit."""

    def __init__(self, what: str, timeout_s: float, last_error: BaseException | None) -> None:
        detail = f" (last error: {_describe(last_error)})" if last_error is not None else ""
        super().__init__(f"{what} did not happen within {timeout_s:g}s{detail}")
        self.what = what
        self.timeout_s = timeout_s
        self.last_error = last_error


class WaitAborted(HarnessError):
    """Waiting stopped early: the abort check gave a reason."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"stopped waiting for {what}: {reason}")
        self.what = what
        self.reason = reason


@dataclass(frozen=True)
class Condition(Generic[T]):
    """A probe with its description and the exceptions that mean "not yet"."""

    check: Callable[[], T | None]
    what: str
    retry_on: tuple[type[BaseException], ...] = field(default=(OSError,))

    def __call__(self) -> T | None:
        return self.check()


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout_s: float,
    interval_s: float = 0.2,
    what: str | None = None,
    abort: Abort | None = None,
    retry_on: tuple[type[BaseException], ...] | None = None,
) -> T:
    """Poll `probe` until it answers (not None/False); return the answer.

    The probe runs at once and then every `interval_s` seconds; it always runs at least once,
    even with ``timeout_s=0``. `abort` runs after each "not yet" and ends the wait with
    `WaitAborted` when it returns a reason. After `timeout_s` seconds: `WaitTimeout`, naming
    `what` (default: the condition's own description) and the last retried exception.
    """
    if what is None:
        what = probe.what if isinstance(probe, Condition) else getattr(probe, "__name__", "it")
    if retry_on is None:
        retry_on = probe.retry_on if isinstance(probe, Condition) else (OSError,)
    deadline = time.monotonic() + timeout_s
    last_error: BaseException | None = None
    while True:
        try:
            answer = probe()
        except retry_on as exc:
            last_error = exc
            answer = None
        if answer is not None and answer is not False:
            return answer
        if abort is not None:
            reason = abort()
            if reason:
                raise WaitAborted(what, reason)
        left = deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeout(what, timeout_s, last_error)
        time.sleep(min(interval_s, left))


def succeeds_within(
    probe: Callable[[], object],
    *,
    timeout_s: float,
    interval_s: float = 0.2,
    abort: Abort | None = None,
    retry_on: tuple[type[BaseException], ...] | None = None,
) -> bool:
    """`wait_until` answered as a bool: False on timeout or abort instead of raising."""
    try:
        wait_until(
            probe, timeout_s=timeout_s, interval_s=interval_s, abort=abort, retry_on=retry_on
        )
    except (WaitTimeout, WaitAborted):
        return False
    return True


# -- conditions ------------------------------------------------------------------------------


def port_open(host: str, port: int, *, connect_timeout_s: float = 1.0) -> Condition[bool]:
    """A TCP connection to host:port is accepted (beware: the engine's port proxy accepts
    before the container listens; use `greets` or `http_ok` for a published port)."""

    def check() -> bool:
        with socket.create_connection((host, port), timeout=connect_timeout_s):
            return True

    return Condition(check, f"a TCP listener on {host}:{port}")


def greets(
    host: str, port: int, banner: bytes, *, connect_timeout_s: float = 1.0
) -> Condition[bool]:
    """The server on host:port speaks first and its first bytes are `banner` (sshd: b"SSH-")."""

    def check() -> bool:
        with socket.create_connection((host, port), timeout=connect_timeout_s) as conn:
            return conn.recv(len(banner)) == banner

    return Condition(check, f"the {banner.decode(errors='replace')!r} greeting on {host}:{port}")


def http_ok(
    url: str,
    *,
    status: int | Collection[int] = 200,
    headers: dict[str, str] | None = None,
    request_timeout_s: float = 3.0,
) -> Condition[httpx.Response]:
    """A GET of `url` answers with `status` (or one of several); the answer is the response."""
    wanted = {status} if isinstance(status, int) else set(status)

    def check() -> httpx.Response | None:
        response = httpx.get(url, headers=headers, timeout=request_timeout_s)
        return response if response.status_code in wanted else None

    shown = "/".join(str(s) for s in sorted(wanted))
    return Condition(check, f"HTTP {shown} from {url}", retry_on=(OSError, httpx.HTTPError))


def log_line(source: Any, pattern: str | re.Pattern[str]) -> Condition[re.Match[str]]:
    """`pattern` (a regex) matches a line of `source`: a docker SDK container (its logs) or a
    callable returning the text so far. The answer is the match."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern

    def text() -> str:
        if callable(source):
            return str(source())
        raw = source.logs()
        return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)

    def check() -> re.Match[str] | None:
        for line in text().splitlines():
            found = regex.search(line)
            if found:
                return found
        return None

    name = getattr(source, "name", None) or "the log"
    return Condition(check, f"a line matching {regex.pattern!r} in {name}")


def health_status(container: Any, status: str = "healthy") -> Condition[bool]:
    """Docker's own HEALTHCHECK status of a docker SDK container is `status`."""

    def check() -> bool:
        container.reload()
        health = (container.attrs.get("State") or {}).get("Health") or {}
        if not health:
            raise HarnessError(f"container {container.name} has no HEALTHCHECK to wait on")
        return bool(health.get("Status") == status)

    return Condition(check, f"container {container.name} to be {status}")


def file_exists(path: Path) -> Condition[Path]:
    """`path` exists; the answer is the path."""
    return Condition(lambda: path if path.exists() else None, f"{path} to exist")


# -- abort checks ----------------------------------------------------------------------------


def process_exited(proc: subprocess.Popen[Any] | None) -> Abort:
    """A reason once the child process has exited (or was never started)."""

    def check() -> str | None:
        if proc is None:
            return "the process is not running"
        code = proc.poll()
        return None if code is None else f"the process exited with code {code}"

    return check


def container_exited(container: Any) -> Abort:
    """A reason once a docker SDK container is no longer running (or is gone)."""

    def check() -> str | None:
        try:
            container.reload()
        except Exception as exc:  # docker.errors.NotFound and friends
            return f"container {container.name} is gone ({_describe(exc)})"
        state = container.attrs.get("State") or {}
        if state.get("Status") in ("exited", "dead"):
            return f"container {container.name} exited with code {state.get('ExitCode')}"
        return None

    return check


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
