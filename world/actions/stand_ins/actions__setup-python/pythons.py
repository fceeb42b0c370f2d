"""Host CPython interpreters and setup-python's version specs (x.y, 3.x, semver ranges)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

Version = tuple[int, int, int]

PROBE = (
    "import json, struct, sys, sysconfig;"
    "print(json.dumps({'exe': getattr(sys, '_base_executable', '') or sys.executable,"
    " 'version': list(sys.version_info[:3]), 'level': sys.version_info.releaselevel,"
    " 'impl': sys.implementation.name, 'ft': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    " 'bits': struct.calcsize('P') * 8}))"
)
NAME = re.compile(r"^python3(\.\d+)?$")


@dataclass(frozen=True)
class Interpreter:
    exe: str
    version: Version
    prerelease: bool
    freethreaded: bool

    @property
    def text(self) -> str:
        return ".".join(map(str, self.version)) + ("t" if self.freethreaded else "")


@dataclass(frozen=True)
class Spec:
    text: str
    ranges: tuple[tuple[tuple[str, Version], ...], ...]  # OR of ANDs of (op, version)
    freethreaded: bool


class SpecError(ValueError):
    pass


def _bump(parts: list[int]) -> Version:
    if len(parts) == 1:
        return (parts[0] + 1, 0, 0)
    if len(parts) == 2:
        return (parts[0], parts[1] + 1, 0)
    return (parts[0], parts[1], parts[2] + 1)


def _pad(parts: list[int]) -> Version:
    full = [*parts, 0, 0, 0][:3]
    return (full[0], full[1], full[2])


def _partial(text: str) -> list[int]:
    parts: list[int] = []
    for piece in text.split("."):
        if piece in ("x", "X", "*", ""):
            break
        if not piece.isdigit():
            raise SpecError(text)
        parts.append(int(piece))
    return parts


def _comparators(token: str) -> list[tuple[str, Version]]:
    match = re.fullmatch(r"(>=|<=|>|<|==|=|\^|~=|~)?v?([0-9xX*.]+)", token)
    if match is None:
        raise SpecError(token)
    op, parts = match.group(1) or "", _partial(match.group(2))
    if not parts:
        return []
    low, high = _pad(parts), _bump(parts)
    if op in ("", "=", "=="):
        return [(">=", low), ("<", high)]
    if op == ">=":
        return [(">=", low)]
    if op == ">":
        return [(">=", high)] if len(parts) < 3 else [(">", low)]
    if op == "<":
        return [("<", low)]
    if op == "<=":
        return [("<", high)] if len(parts) < 3 else [("<=", low)]
    if op == "^":
        return [(">=", low), ("<", (parts[0] + 1, 0, 0))]
    if op == "~=":
        return [(">=", low), ("<", _bump(parts[:-1] or parts))]
    return [(">=", low), ("<", _bump(parts[:2]))]  # ~


def parse_spec(text: str) -> Spec:
    raw = text.strip()
    lowered = raw.lower()
    if lowered.startswith(("pypy", "graalpy", "pyston")):
        raise SpecError(f"{raw}: only CPython from this host is available offline")
    freethreaded = bool(re.fullmatch(r"[0-9.x]+t", lowered))
    body = lowered[:-1] if freethreaded else lowered
    body = re.sub(r"-(dev|alpha|beta|rc)[0-9.]*$", "", body)
    body = re.sub(r"(>=|<=|==|~=|>|<|=|\^|~)\s+", r"\1", body.replace(",", " "))
    groups = []
    for alternative in body.split("||"):
        group: list[tuple[str, Version]] = []
        for token in alternative.split():
            try:
                group.extend(_comparators(token))
            except SpecError:
                raise SpecError(
                    f"'{raw}' is not a version or range this stand-in understands"
                ) from None
        groups.append(tuple(group))
    if not groups:
        raise SpecError("empty version")
    return Spec(raw, tuple(groups), freethreaded)


def _holds(version: Version, op: str, bound: Version) -> bool:
    return {
        ">=": version >= bound,
        ">": version > bound,
        "<": version < bound,
        "<=": version <= bound,
    }[op]


def version_in(spec: Spec, version: Version) -> bool:
    return any(all(_holds(version, op, v) for op, v in group) for group in spec.ranges)


def matches(spec: Spec, interp: Interpreter, allow_prereleases: bool) -> bool:
    if interp.freethreaded != spec.freethreaded:
        return False
    if interp.prerelease and not allow_prereleases:
        return False
    return version_in(spec, interp.version)


def _guess(path: Path) -> list[Version] | None:
    """Versions the file name (or a pyenv-style x.y.z parent) promises, if it says."""
    for piece in (path.name, path.parent.parent.name):
        found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", piece)
        if found:
            major, minor = int(found.group(1)), int(found.group(2))
            micros = [int(found.group(3))] if found.group(3) else list(range(100))
            return [(major, minor, micro) for micro in micros]
    return None


def _candidates(skip_under: Path | None) -> list[Path]:
    """Executables named python3[.N] on PATH and in pyenv/uv trees, one per real file."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    dirs = [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    dirs += sorted((pyenv_root / "versions").glob("*/bin"))
    dirs += sorted((Path.home() / ".local/share/uv/python").glob("*/bin"))
    kata = os.environ.get("KATA_PYTHON")
    found: dict[str, Path] = {os.path.realpath(kata): Path(kata)} if kata else {}
    for directory in dirs:
        if directory == pyenv_root / "shims":
            continue  # shims only re-dispatch to pyenv_root/versions, scanned directly
        if skip_under is not None and skip_under in directory.parents:
            continue
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            path = directory / name
            real = os.path.realpath(path)
            if NAME.match(name) and real not in found and os.access(path, os.X_OK):
                found[real] = path
    return list(found.values())


def _probe(path: Path) -> Interpreter | None:
    try:
        done = subprocess.run(
            [str(path), "-c", PROBE], capture_output=True, text=True, timeout=20, check=False
        )
        data = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    if not data or data["impl"] != "cpython" or data["bits"] != 64:
        return None
    major, minor, micro = data["version"]
    return Interpreter(
        os.path.realpath(data["exe"]), (major, minor, micro), data["level"] != "final", data["ft"]
    )


def _self() -> Interpreter:
    exe = getattr(sys, "_base_executable", "") or sys.executable
    major, minor, micro = sys.version_info[:3]
    ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return Interpreter(
        os.path.realpath(exe), (major, minor, micro), sys.version_info.releaselevel != "final", ft
    )


def discover(specs: Iterable[Spec] | None, skip_under: Path | None) -> list[Interpreter]:
    """Distinct host CPythons, newest first; with `specs`, files named for others are skipped."""
    wanted = None if specs is None else list(specs)

    def worth_probing(path: Path) -> bool:
        versions = _guess(path)
        if wanted is None or versions is None:
            return True
        return any(version_in(s, v) for s in wanted for v in versions)

    paths = [p for p in _candidates(skip_under) if worth_probing(p)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        probed = list(pool.map(_probe, paths))
    found: dict[str, Interpreter] = {}
    for interp in [_self(), *probed]:
        if interp is not None and Path(interp.exe).exists() and interp.exe not in found:
            found[interp.exe] = interp
    return sorted(found.values(), key=lambda i: i.version, reverse=True)
