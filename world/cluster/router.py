"""The ingress router: a real nginx serving the generated config on 127.0.0.1.

Two ways to run the same nginx.conf, both listening on loopback only:

* `NginxProcess` (preferred): the host's nginx binary as a child process. Starts in
  milliseconds and needs no image; pods are reached on their loopback-published ports.
* `NginxContainer`: Debian's nginx in `kata/k8s-router:bookworm`, with `--network host`, for
  hosts without nginx. Same config, same ports, bind-mounted config directory.

Every change of routes is: render -> `nginx -t` on the candidate file -> rename it over
nginx.conf -> SIGHUP (what `nginx -s reload` sends): nginx starts new workers on the new
config and lets the old ones finish their requests, so no request is dropped. A candidate
that fails `nginx -t` is not applied; `last_error` says why.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from docker.errors import DockerException, NotFound

from harness import engine, waits
from harness.errors import HarnessError

from .nginx_conf import render
from .routes import Route

NGINX_FIX = "install nginx on the host (`apt-get install -y nginx-light`)"
TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _quitting(pid: str) -> bool:
    """True if an nginx worker is gone or finishing its last requests."""
    try:
        return b"shutting down" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


class Router(Protocol):
    port: int
    last_error: str
    reloads: int

    @property
    def url(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def update(self, routes: list[Route]) -> bool: ...

    def leftovers(self) -> list[str]: ...


class _NginxBase:
    """Config handling shared by both runners."""

    kind = "nginx"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = 0
        self.last_error = ""
        self.reloads = 0
        self._text = ""
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def conf(self) -> Path:
        return self.workdir / "nginx.conf"

    def _prepare(self) -> None:
        for name in TEMP_DIRS:
            (self.workdir / "tmp" / name).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._text = render([], self.port, self.workdir)
        self.conf.write_text(self._text)

    def _test(self, path: Path) -> str:
        raise NotImplementedError

    def _reload(self) -> None:
        raise NotImplementedError

    def update(self, routes: list[Route]) -> bool:
        """Serve `routes` from now on; True if nginx was reloaded."""
        text = render(routes, self.port, self.workdir)
        with self._lock:
            if text == self._text:
                return False
            candidate = self.workdir / "nginx.conf.next"
            candidate.write_text(text)
            error = self._test(candidate)
            if error:
                self.last_error = error
                return False
            os.replace(candidate, self.conf)
            self._text = text
            self._reload()
            self.reloads += 1
            self.last_error = ""
            return True

    def _wait_listening(self, alive: Any, timeout: float = 10.0) -> None:
        if waits.succeeds_within(
            lambda: port_open(self.port),
            timeout_s=timeout,
            interval_s=0.05,
            abort=lambda: None if alive() else "nginx exited",
        ):
            return
        log = self.workdir / "error.log"
        detail = log.read_text()[-600:] if log.exists() else ""
        raise HarnessError(f"the ingress router (nginx) did not start: {detail}")


class NginxProcess(_NginxBase):
    """The host's nginx as a child process of the harness."""

    kind = "nginx (host process)"

    def __init__(self, workdir: Path, binary: str | None = None) -> None:
        super().__init__(workdir)
        found = binary or nginx_binary()
        if found is None:
            raise HarnessError(f"no nginx binary for the ingress router; {NGINX_FIX}")
        self.binary = found
        self._proc: subprocess.Popen[bytes] | None = None

    def _args(self, conf: Path) -> list[str]:
        return [self.binary, "-p", str(self.workdir), "-c", str(conf)]

    def start(self) -> None:
        self._prepare()
        error = self._test(self.conf)
        if error:
            raise HarnessError(f"the ingress router's config does not load: {error}")
        out = (self.workdir / "nginx.out").open("wb")
        self._proc = subprocess.Popen(
            self._args(self.conf), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        self._wait_listening(lambda: self._proc is not None and self._proc.poll() is None)

    def _test(self, path: Path) -> str:
        done = subprocess.run(
            [*self._args(path), "-t", "-q"], capture_output=True, text=True, timeout=30
        )
        return "" if done.returncode == 0 else (done.stderr or done.stdout).strip()[-600:]

    def _workers(self) -> set[str] | None:
        """The master's child processes (None where /proc does not list children)."""
        if self._proc is None:
            return set()
        path = Path(f"/proc/{self._proc.pid}/task/{self._proc.pid}/children")
        try:
            return set(path.read_text().split())
        except OSError:
            return None

    def _reload(self) -> None:
        """SIGHUP, then wait (up to 2 s) until the old workers stop taking connections: each
        is gone or titled "is shutting down" (and so has closed its listening socket)."""
        if self._proc is None or self._proc.poll() is not None:
            raise HarnessError("the ingress router (nginx) is not running")
        before = self._workers()
        os.kill(self._proc.pid, signal.SIGHUP)
        if before is None:
            time.sleep(0.2)
            return

        def old_workers_quit() -> bool:
            now = self._workers() or set()
            return bool(now - before) and all(_quitting(pid) for pid in before & now)

        waits.succeeds_within(old_workers_quit, timeout_s=2.0, interval_s=0.005, retry_on=())

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGQUIT)  # graceful: finish in-flight requests
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def leftovers(self) -> list[str]:
        """nginx processes (master or workers) still running from this router's config."""
        found = []
        marker = str(self.workdir).encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = stat.rsplit(")", 1)[-1].split()[1]
            if marker in cmdline or (self.pid is not None and ppid == str(self.pid)):
                text = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
                found.append(f"process {entry.name}: {text}")
        return found


class NginxContainer(_NginxBase):
    """nginx in the router image, sharing the host's network namespace (loopback only)."""

    kind = "nginx (router container)"

    def __init__(self, workdir: Path, image: str, name: str, labels: dict[str, str]) -> None:
        super().__init__(workdir)
        self.image = image
        self.name = name
        self.labels = labels
        self._container: Any = None

    def _args(self, conf: Path) -> list[str]:
        return ["nginx", "-p", str(self.workdir), "-c", str(conf)]

    def start(self) -> None:
        self._prepare()
        self._container = engine.current().run(
            self.image,
            self._args(self.conf),
            name=self.name,
            detach=True,
            network_mode="host",
            volumes={str(self.workdir): {"bind": str(self.workdir), "mode": "rw"}},
            labels=self.labels,
        )
        self._wait_listening(self._alive)

    def _alive(self) -> bool:
        try:
            self._container.reload()
        except DockerException:
            return False
        return bool(self._container.status in ("created", "running"))

    def _test(self, path: Path) -> str:
        result = self._container.exec_run([*self._args(path), "-t", "-q"])
        output = (result.output or b"").decode(errors="replace").strip()
        return "" if result.exit_code == 0 else output[-600:]

    def _reload(self) -> None:
        self._container.kill(signal="SIGHUP")
        time.sleep(0.2)  # the new workers start within milliseconds

    def stop(self) -> None:
        container, self._container = self._container, None
        if container is None:
            return
        try:
            container.remove(force=True)
        except NotFound:
            pass

    def leftovers(self) -> list[str]:
        if engine.current().container(self.name) is None:
            return []
        return [f"container {self.name}"]
