"""Runs act as a child and, once it exits, kills what its steps left running in the background.

Started by path (`python reaper.py --report FILE [--namespace] -- act ...`), standard library
only, so it also runs inside the bwrap sandbox. It writes a JSON record of the processes it
found and exits with act's status. It makes itself the child subreaper, so
orphaned descendants (even a double-forked daemon with a new session) are reparented to it.
A leftover is, inside a private PID namespace, every process but the namespace's init and
this one; otherwise any descendant of this one, any process in its session or process group,
or one whose environment carries the mark this script gave act.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import FrameType

MARK = "KATA_REAPER_MARK"
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(parent, process group, session) of a live `pid`, or None when it is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[1]), int(fields[2]), int(fields[3])


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:120] or "?"


def _marked(pid: int, mark: bytes) -> bool:
    try:
        return mark in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def own_session() -> bool:
    """Lead a session of our own (run_act already starts us as one), so that the session and
    group criteria can never reach the harness or the shell that started us."""
    if os.getsid(0) == os.getpid():
        return True
    try:
        os.setsid()
    except OSError:
        return False
    return True


def leftovers(namespace: bool, mark: bytes, by_session: bool = True) -> list[int]:
    """The processes the steps left behind (see the module docstring)."""
    me = os.getpid()
    group, session = (os.getpgid(0), os.getsid(0)) if by_session else (-1, -1)
    stats = {int(e): _stat(int(e)) for e in os.listdir("/proc") if e.isdigit()}
    live = {pid: ids for pid, ids in stats.items() if ids is not None and pid != me}
    if namespace:
        return sorted(pid for pid in live if pid != 1)
    ours = {me}
    grew = True
    while grew:  # descendants: the closure of "parent is ours"
        new = {pid for pid, ids in live.items() if ids[0] in ours} - ours
        ours |= new
        grew = bool(new)
    return sorted(
        pid
        for pid, ids in live.items()
        if pid in ours or ids[1] == group or ids[2] == session or _marked(pid, mark)
    )


def _reap_zombies() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def reap(namespace: bool, mark: bytes, by_session: bool = True) -> list[str]:
    """Kill the leftovers (a few rounds, for processes forked meanwhile); describe them."""
    killed: dict[int, str] = {}
    for _ in range(5):
        pids = [p for p in leftovers(namespace, mark, by_session) if p not in killed]
        if not pids:
            break
        for pid in pids:
            if _stat(pid) is None:
                continue
            killed[pid] = _command(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
        _reap_zombies()
    return [f"{pid}: {cmd}" for pid, cmd in sorted(killed.items())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--namespace", action="store_true", help="inside a private PID ns")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command: list[str] = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    by_session = not args.namespace and own_session()
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)  # the harness died: act must not outlive it
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    token = f"{MARK}={uuid.uuid4().hex}"
    child = subprocess.Popen(command, env={**os.environ, MARK: token.split("=", 1)[1]})

    def forward(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    returncode = child.wait()
    killed = reap(args.namespace, token.encode(), by_session)
    record = {"returncode": returncode, "namespace": args.namespace, "killed": killed}
    try:
        args.report.write_text(json.dumps(record))
    except OSError as exc:
        print(f"[kata] could not write {args.report}: {exc}", file=sys.stderr)
    return returncode if returncode >= 0 else 128 - returncode


if __name__ == "__main__":
    sys.exit(main())
