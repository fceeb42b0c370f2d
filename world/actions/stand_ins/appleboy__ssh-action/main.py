"""Offline appleboy/ssh-action (v0.1-v1 interface): the script runs on each host through
the system ssh client, with drone-ssh's `out:`/`err:` lines and its messages."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import (
    ActionError,
    get_bool,
    get_input,
    get_raw_input,
    info,
    run,
    set_output,
    workspace,
)
from ssh_session import Session, Target, targets


def _script() -> str:
    script = get_raw_input("script")
    path = get_input("script_path") or get_input("script_file")
    if path:
        file = Path(path) if Path(path).is_absolute() else workspace() / path
        if not file.is_file():
            raise ActionError(f"open {path}: no such file or directory")
        script = file.read_text(encoding="utf-8")
    if not script.strip():
        raise ActionError("error: missing script")
    if get_bool("script_stop"):
        script = "set -e\n" + script
    return script


def _exports() -> str:
    names = [n.strip() for n in get_input("envs").split(",") if n.strip()]
    if get_bool("allenvs"):
        names += [n for n in os.environ if n.startswith(("GITHUB_", "INPUT_"))]
    fmt = get_input("envs_format") or "export {NAME}={VALUE}"
    lines = []
    for name in names:
        if name in os.environ:
            value = shlex.quote(os.environ[name])
            lines.append(fmt.replace("{NAME}", name).replace("{VALUE}", value))
    return "\n".join(lines) + ("\n" if lines else "")


def _run_on(session: Session, target: Target, script: str) -> str:
    session.check_fingerprint(target)
    info("======CMD======\n" + script.rstrip() + "\n======END======")
    try:
        done = subprocess.run(
            session.ssh(target, "sh -s"),
            input=_exports() + script,
            capture_output=True,
            text=True,
            env=session.env,
            timeout=session.command_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ActionError(f"{target.host}: Run Command Timeout") from None
    for line in done.stdout.splitlines():
        info(f"out: {line}")
    for line in done.stderr.splitlines():
        info(f"err: {line}")
    if done.returncode == 255 and not done.stdout:
        raise ActionError(f"{target.host}: ssh: connect failed: {done.stderr.strip()[-300:]}")
    if done.returncode != 0:
        raise ActionError(f"{target.host}: Process exited with status {done.returncode}")
    return done.stdout


def main() -> None:
    script = _script()
    session = Session()
    try:
        captured = [_run_on(session, target, script) for target in targets()]
    finally:
        session.close()
    if get_bool("capture_stdout"):
        set_output("stdout", "".join(captured).rstrip("\n"))
    info("=" * 46 + "\n✅ Successfully executed commands to all hosts.\n" + "=" * 46)


if __name__ == "__main__":
    run("appleboy/ssh-action", main)
