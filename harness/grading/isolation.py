"""Runs act inside a bubblewrap sandbox: the learner's steps run on this host, so they must not
see or change more of it than the run needs.

Inside: the host filesystem read-only; the run's workdir writable (its registry storage
hidden); a private /tmp, /dev/shm and HOME (toolchains under HOME bound back read-only); the
kata's `solutions/` and `.git` hidden behind empty, read-only tmpfs; the Docker socket bound;
the network shared (the run's registry and artifact server are on loopback); a private PID
namespace that dies with the harness. Without a usable `bwrap` the run goes on unisolated,
and says so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from world.actions.catalog import actions_cache_dir

BWRAP_ENV = "KATA_BWRAP"
"""Overrides the bwrap binary (a path); an empty value or `none` means "not installed"."""
BWRAP_FIX = "install bubblewrap (`apt-get install -y bubblewrap`; scripts/bootstrap.sh does)"
MODES = ("auto", "on", "off")
HIDDEN_IN_KATA = ("solutions", ".git")
HIDDEN_IN_WORKDIR = ("registry",)
TOOLCHAINS_UNDER_HOME = (".pyenv", ".local/share/uv/python")
PROBE_ARGS = ("--unshare-pid", "true")


@dataclass(frozen=True)
class Isolation:
    """How act runs: in bwrap (`bwrap` set) or unisolated; `note` goes into the report."""

    bwrap: str | None
    note: str

    @property
    def on(self) -> bool:
        return self.bwrap is not None


def find_bwrap() -> str | None:
    if BWRAP_ENV in os.environ:
        value = os.environ[BWRAP_ENV].strip()
        return value if value and value != "none" and Path(value).is_file() else None
    return shutil.which("bwrap")


@functools.cache
def probe(bwrap: str) -> str:
    """ "" when bwrap can build a sandbox here, else why not (e.g. user namespaces off)."""
    try:
        done = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", *PROBE_ARGS],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return "" if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


def choose(mode: str) -> Isolation:
    """`auto`: bwrap when usable, else a warning; `on`: bwrap or a HarnessError; `off`."""
    if mode not in MODES:
        raise HarnessError(f"isolation mode {mode!r}: choose one of {', '.join(MODES)}")
    if mode == "off":
        return Isolation(None, "OFF (--isolate off): the workflow ran with the harness's access")
    bwrap = find_bwrap()
    problem = f"bwrap is not installed; {BWRAP_FIX}" if bwrap is None else probe(bwrap)
    if bwrap is not None and not problem:
        return Isolation(
            bwrap,
            "bwrap: host read-only, private /tmp and HOME, solutions/ hidden, PID namespace",
        )
    if mode == "on":
        raise HarnessError(f"isolation was required (--isolate on) but {problem}")
    return Isolation(
        None, f"OFF, WARNING: {problem}; the workflow ran with the harness user's full access"
    )


def docker_socket() -> Path | None:
    host = os.environ.get("DOCKER_HOST", "")
    raw = host.removeprefix("unix://") if host.startswith("unix://") else "/var/run/docker.sock"
    if host and not host.startswith("unix://"):
        return None
    path = Path(os.path.realpath(raw))
    return path if path.exists() else None


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def toolchain_paths(hidden: list[Path], act: str) -> list[Path]:
    """Folders under the hidden roots (HOME, /tmp) the run needs back, read-only: the harness's
    own interpreter and venv (a CI clone may live under /tmp), act, and PATH entries."""
    home = Path(os.path.realpath(os.path.expanduser("~")))
    candidates = [
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(os.path.realpath(sys.executable)).parent,
        Path(act).parent,
        *(Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p),
        *(home / rel for rel in TOOLCHAINS_UNDER_HOME),
    ]
    kept: list[Path] = []
    for path in candidates:
        path = Path(os.path.realpath(path))
        inside = any(_under(path, root) and path != root for root in hidden)
        if path.is_dir() and inside and path not in kept:
            kept.append(path)
    return kept


def bwrap_prefix(bwrap: str, *, workdir: Path, cwd: Path, kata_root: Path, act: str) -> list[str]:
    """The bwrap command line (up to `--`) for one act run; mount order matters."""
    home = Path(os.path.realpath(os.path.expanduser("~")))
    args = [bwrap, "--die-with-parent", "--unshare-pid", "--ro-bind", "/", "/"]
    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    hidden = [Path("/tmp"), Path("/dev/shm")]
    if home != Path("/"):
        args += ["--tmpfs", str(home)]
        hidden.append(home)
    for path in toolchain_paths(hidden, act):
        args += ["--ro-bind", str(path), str(path)]
    kata = Path(os.path.realpath(kata_root))
    if any(_under(kata, root) for root in hidden):
        args += ["--ro-bind", str(kata), str(kata)]
    workdir = Path(os.path.realpath(workdir))
    args += ["--bind", str(workdir), str(workdir)]
    # the per-machine actions cache (actions/cache, pip, uv) outlives runs, as GitHub's does
    cache = actions_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    cache = Path(os.path.realpath(cache))
    args += ["--bind", str(cache), str(cache)]
    for name in HIDDEN_IN_WORKDIR:
        if (workdir / name).is_dir():
            args += ["--tmpfs", str(workdir / name)]
    for name in HIDDEN_IN_KATA:
        if (kata_root / name).exists():
            target = Path(os.path.realpath(kata_root / name))
            if target.is_dir():
                args += ["--tmpfs", str(target), "--remount-ro", str(target)]
            else:
                args += ["--ro-bind", "/dev/null", str(target)]
    socket = docker_socket()
    if socket is not None:
        args += ["--bind", str(socket), str(socket)]
    args += ["--chdir", str(cwd), "--"]
    return args
