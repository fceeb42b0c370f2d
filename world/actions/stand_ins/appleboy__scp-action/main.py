"""Offline appleboy/scp-action (v0.1-v1 interface): like drone-scp, the sources are put in
a tar archive, sent over the system ssh client and unpacked into `target` on each host
(`rm` empties it first, `strip_components` and `overwrite` go to the remote tar)."""

from __future__ import annotations

import glob
import io
import os
import shlex
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import ActionError, get_bool, get_input, info, run, workspace
from ssh_session import Session, targets


def _archive() -> bytes:
    sources = [s.strip() for s in get_input("source").split(",") if s.strip()]
    if not sources:
        raise ActionError("error: missing source")
    base = workspace()
    buffer = io.BytesIO()
    count = 0
    with tarfile.open(fileobj=buffer, mode="w", dereference=get_bool("tar_dereference")) as tar:
        for source in sources:
            matches = sorted(glob.glob(str(base / source), recursive=True)) or []
            if not matches:
                raise ActionError(f"tar: {source}: Cannot stat: No such file or directory")
            for match in matches:
                tar.add(match, arcname=os.path.relpath(match, base))
                count += 1
    info(f"tar all files into {count} source path(s)")
    return buffer.getvalue()


def _remote_command(target_dir: str) -> str:
    quoted = shlex.quote(target_dir)
    tar = get_input("tar_exec", "tar")
    parts = []
    if get_bool("rm"):
        parts.append(f"rm -rf {quoted}")
    strip = get_input("strip_components", "0")
    if not strip.isdigit():
        raise ActionError(f'strconv.Atoi: parsing "{strip}": invalid syntax')
    untar = f"{tar} -xf - -C {quoted}"
    if int(strip):
        untar += f" --strip-components={strip}"
    if get_bool("overwrite"):
        untar += " --overwrite"
    parts += [f"mkdir -p {quoted}", untar]
    return " && ".join(parts)


def main() -> None:
    target_dir = get_input("target")
    if not target_dir:
        raise ActionError("error: missing target folder")
    archive = _archive()
    session = Session()
    try:
        for target in targets():
            session.check_fingerprint(target)
            info(f"scp file to server {target.host}:{target_dir}")
            try:
                done = subprocess.run(
                    session.ssh(target, _remote_command(target_dir)),
                    input=archive,
                    capture_output=True,
                    env=session.env,
                    timeout=session.command_timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise ActionError(f"{target.host}: Run Command Timeout") from None
            if done.returncode != 0:
                err = done.stderr.decode("utf-8", "replace").strip()[-400:]
                raise ActionError(
                    f"{target.host}: Process exited with status {done.returncode}: {err}"
                )
    finally:
        session.close()
    info("✅ Successfully executed transfer data to all host")


if __name__ == "__main__":
    run("appleboy/scp-action", main)
