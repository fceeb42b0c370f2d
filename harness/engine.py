"""The Docker engine behind one face: every module that touches Docker calls this one.

`current()` is the engine of this process: created on first use from the environment
(`DOCKER_HOST`, `DOCKER_TLS_VERIFY`, `DOCKER_CERT_PATH`, as `docker` itself reads them) and
re-created after a fork. `use(engine)` points the process at another engine for a block (a
grading run with its own per-submission engine), so nothing below takes a client argument:

    from harness import engine

    with engine.use(engine.Engine("unix:///run/kata-7/docker.sock")):
        grade(...)                       # every engine.current() inside talks to that engine

`Engine` wraps `docker.DockerClient` with the operations the harness uses (images, containers,
networks, by label); what it returns are the docker SDK's own `Image`, `Container` and
`Network` objects (typed `Any` here: the SDK ships no types). `engine.docker` is the raw
client for anything not yet wrapped. `engine_status()` says whether an engine answers and,
if not, why and how to fix it.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from docker.errors import DockerException, ImageNotFound, NotFound

import docker

ENGINE_FIX = (
    "start a Docker engine: on Debian/Ubuntu `apt-get install -y docker.io` then "
    "`dockerd &` (or `systemctl start docker`); check with `docker info`"
)

Image = Any
"""A `docker.models.images.Image`."""
Container = Any
"""A `docker.models.containers.Container`."""
Network = Any
"""A `docker.models.networks.Network`."""
Labels = Mapping[str, str] | Iterable[str]
"""Label filters: {"kata.run": "abc"} or ["kata.run=abc", "kata.k8s.pod"] (key present)."""


@dataclass(frozen=True)
class EngineStatus:
    available: bool
    reason: str
    version: str = ""
    fix: str = ENGINE_FIX


def _label_filter(labels: Labels) -> list[str]:
    if isinstance(labels, Mapping):
        return [f"{key}={value}" for key, value in labels.items()]
    return list(labels)


class Engine:
    """One Docker engine. The client is made on first use; thread-safe as the SDK is (one
    connection pool shared by the controller's and the VM watcher's threads)."""

    def __init__(self, base_url: str | None = None, *, timeout: int = 120) -> None:
        """`base_url` None: the environment's engine (DOCKER_HOST, else the local socket)."""
        self.base_url = base_url
        self.timeout = timeout
        self._client: Any = None
        self._lock = threading.Lock()

    @classmethod
    def wrapping(cls, client: Any) -> Engine:
        """An engine around an existing `docker.DockerClient` (closed with the engine)."""
        made = cls(str(client.api.base_url))
        made._client = client
        return made

    def new_client(self, timeout: int | None = None) -> Any:
        """A fresh `docker.DockerClient` to this engine; the caller closes it."""
        wait = self.timeout if timeout is None else timeout
        if self.base_url is None:
            return docker.DockerClient.from_env(timeout=wait)
        return docker.DockerClient(base_url=self.base_url, timeout=wait)

    @property
    def docker(self) -> Any:
        """The raw `docker.DockerClient` (for what this class does not wrap yet)."""
        with self._lock:
            if self._client is None:
                self._client = self.new_client()
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def status(self) -> EngineStatus:
        """Whether this engine answers (within 10 s), its version, or why not."""
        if shutil.which("docker") is None:
            return EngineStatus(False, "the `docker` command is not on PATH")
        try:
            probe = self.new_client(timeout=10)
            version = probe.version().get("Version", "?")
            probe.close()
        except DockerException as exc:
            first = str(exc).splitlines()[0][:160]
            return EngineStatus(False, f"no Docker engine answers ({first})")
        return EngineStatus(True, "Docker engine reachable", version=str(version))

    # -- images ---------------------------------------------------------------------------

    def image(self, ref: str) -> Image | None:
        """The image, or None when the engine does not have it."""
        try:
            return self.docker.images.get(ref)
        except ImageNotFound:
            return None

    def has_image(self, ref: str) -> bool:
        return self.image(ref) is not None

    def image_attrs(self, ref: str) -> dict[str, Any]:
        """`docker image inspect`; raises ImageNotFound."""
        return dict(self.docker.images.get(ref).attrs)

    def images(self) -> list[Image]:
        return list(self.docker.images.list())

    def pull(self, ref: str, *, auth_config: dict[str, str] | None = None) -> Image:
        return self.docker.images.pull(ref, auth_config=auth_config)

    def push(
        self, ref: str, *, auth_config: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The push's progress messages (check each for "error")."""
        stream = self.docker.images.push(ref, auth_config=auth_config, stream=True, decode=True)
        return iter(stream)

    def build(self, *, path: str, tag: str, **options: Any) -> Image:
        """`docker build` (options as the SDK's images.build: buildargs, labels, rm, pull...);
        raises docker.errors.BuildError with the build log."""
        image, _log = self.docker.images.build(path=path, tag=tag, **options)
        return image

    def build_stream(self, **options: Any) -> Iterator[dict[str, Any]]:
        """The low-level build: its decoded log messages, as they come."""
        return iter(self.docker.api.build(decode=True, **options))

    def tag(self, source: str, ref: str) -> bool:
        """Tag `source` as `ref` (repository:tag); raises ImageNotFound."""
        repository, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "")
        return bool(self.docker.images.get(source).tag(repository, tag or None))

    def remove_image(self, ref: str, *, force: bool = False, noprune: bool = False) -> None:
        """Raises ImageNotFound / APIError (e.g. still used by a container)."""
        self.docker.images.remove(ref, force=force, noprune=noprune)

    def image_files(self, ref: str, limit_s: float = 120.0) -> list[str]:
        """Paths inside an image, read from `docker export` of a never-started container
        (stops reading after `limit_s` seconds)."""
        container = self.create(ref, ["true"], labels={"kata.scratch": "1"})
        names: list[str] = []
        try:
            reader = _StreamReader(container.export(chunk_size=1 << 20))
            started = time.monotonic()
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for member in tar:
                    names.append(member.name.lstrip("./"))
                    if time.monotonic() - started > limit_s:
                        break
        finally:
            container.remove(force=True)
        return names

    def save(self, ref: str) -> Iterator[bytes]:
        """`docker save` as a stream of tar chunks."""
        return iter(self.docker.images.get(ref).save(named=True))

    def load(self, data: bytes) -> list[Image]:
        """`docker load` of a tar archive."""
        return list(self.docker.images.load(data))

    # -- containers -----------------------------------------------------------------------

    def run(self, image: str, command: str | list[str] | None = None, **options: Any) -> Container:
        """`docker run --detach` (options as the SDK's containers.run: name, labels, ports,
        environment, network, volumes, mem_limit, nano_cpus, ...)."""
        options.setdefault("detach", True)
        return self.docker.containers.run(image, command, **options)

    def create(
        self, image: str, command: str | list[str] | None = None, **options: Any
    ) -> Container:
        """`docker create`: never pulls."""
        return self.docker.containers.create(image, command, **options)

    def container(self, name_or_id: str) -> Container | None:
        """The container, or None when the engine says it does not exist."""
        try:
            return self.docker.containers.get(name_or_id)
        except NotFound:
            return None

    def inspect(self, name_or_id: str) -> dict[str, Any] | None:
        """`docker inspect`; None only when the container does not exist (any other engine
        error is raised: a slow or failing daemon must not read as "gone")."""
        try:
            return dict(self.docker.api.inspect_container(name_or_id))
        except NotFound:
            return None

    def containers(
        self, *, labels: Labels = (), name: str | None = None, all: bool = True
    ) -> list[Container]:
        """Containers (stopped ones too unless all=False) with every label, and the name
        (a regex, e.g. "^kata-vm-i-1$") when given."""
        filters: dict[str, Any] = {}
        wanted = _label_filter(labels)
        if wanted:
            filters["label"] = wanted
        if name is not None:
            filters["name"] = name
        return list(self.docker.containers.list(all=all, filters=filters))

    def container_summaries(self, *, labels: Labels) -> list[dict[str, Any]]:
        """`docker ps -a` rows (cheap: no per-container inspect) with every label."""
        listed = self.docker.api.containers(all=True, filters={"label": _label_filter(labels)})
        return [dict(row) for row in listed]

    def logs(self, name_or_id: str, *, tail: int | None = None) -> str | None:
        """The container's output (all of it, or the last `tail` lines); None if it is gone."""
        container = self.container(name_or_id)
        if container is None:
            return None
        data = container.logs(tail=tail if tail is not None else "all")
        return bytes(data).decode(errors="replace")

    def exec(self, name_or_id: str, command: list[str], **options: Any) -> tuple[int, bytes]:
        """`docker exec`: the exit code and the output; raises NotFound."""
        result = self.docker.containers.get(name_or_id).exec_run(command, **options)
        return int(result.exit_code or 0), bytes(result.output or b"")

    def restart(self, name_or_id: str, *, grace: int) -> None:
        self.docker.containers.get(name_or_id).restart(timeout=grace)

    def remove_container(self, name_or_id: str, *, grace: int = 0) -> None:
        """Stop (SIGTERM, then SIGKILL after `grace` s) and remove; quiet if already gone."""
        container = self.container(name_or_id)
        if container is None:
            return
        with suppress(DockerException):
            if grace > 0:
                container.stop(timeout=grace)
        with suppress(NotFound):
            container.remove(force=True)

    # -- networks -------------------------------------------------------------------------

    def create_network(self, name: str, *, labels: Mapping[str, str], **options: Any) -> Network:
        return self.docker.networks.create(name, labels=dict(labels), **options)

    def network(self, name: str) -> Network | None:
        try:
            return self.docker.networks.get(name)
        except NotFound:
            return None

    def networks(self, *, labels: Labels) -> list[Network]:
        return list(self.docker.networks.list(filters={"label": _label_filter(labels)}))


class _StreamReader:
    """A file-like read() over an iterator of byte chunks (for tarfile's stream mode)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._buf = b""
        self._it = iter(chunks)

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            try:
                self._buf += next(self._it)
            except StopIteration:
                break
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


# -- the process's engine ---------------------------------------------------------------------

_lock = threading.Lock()
_current: Engine | None = None
_current_pid = 0


def current() -> Engine:
    """This process's engine: the one `use()` installed, else one from the environment."""
    global _current, _current_pid
    with _lock:
        if _current is None or _current_pid != os.getpid():
            _current, _current_pid = Engine(), os.getpid()
        return _current


@contextmanager
def use(engine: Engine) -> Iterator[Engine]:
    """Make `engine` this process's engine (every thread's) until the block ends."""
    global _current, _current_pid
    with _lock:
        previous, previous_pid = _current, _current_pid
        _current, _current_pid = engine, os.getpid()
    try:
        yield engine
    finally:
        with _lock:
            _current, _current_pid = previous, previous_pid


def engine_status() -> EngineStatus:
    """Whether the current engine answers; if not, why (and `fix` says how)."""
    return current().status()


def client() -> Any:
    """A new raw `docker.DockerClient` to the current engine, which the caller closes.
    Kept for callers not yet converted to `current()`; prefer the `Engine` methods."""
    return current().new_client()
