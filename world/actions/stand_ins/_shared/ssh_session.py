"""The system OpenSSH client driven the way appleboy's drone-ssh/drone-scp connect: hosts
as `a,b` or `host:port`, a key (inline or key_path), an optional passphrase or password
(answered through SSH_ASKPASS, never on a command line), an optional SHA256 host key
fingerprint, and timeouts. Proxies (jump hosts) are not emulated.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kata_io import ActionError, get_input, get_raw_input, mask

PROXY_INPUTS = (
    "proxy_host",
    "proxy_port",
    "proxy_username",
    "proxy_password",
    "proxy_passphrase",
    "proxy_key",
    "proxy_key_path",
    "proxy_fingerprint",
)


@dataclass
class Target:
    host: str
    port: str


def targets() -> list[Target]:
    hosts = [h.strip() for h in get_input("host").split(",") if h.strip()]
    if not hosts:
        raise ActionError("error: missing server host")
    port = get_input("port", "22")
    found = []
    for host in hosts:
        name, sep, own = host.rpartition(":")
        found.append(Target(name, own) if sep and own.isdigit() and name else Target(host, port))
    return found


def _seconds(text: str, default: int) -> int:
    text = text.strip()
    if not text:
        return default
    units = {"s": 1, "m": 60, "h": 3600}
    if text[-1] in units and text[:-1].isdigit():
        return int(text[:-1]) * units[text[-1]]
    if text.isdigit():
        return int(text)
    raise ActionError(f'time: invalid duration "{text}"')


class Session:
    """ssh/scp options for the inputs, with a private folder for the key and askpass."""

    def __init__(self) -> None:
        for tool in ("ssh",):
            if shutil.which(tool) is None:
                raise ActionError(
                    f"{tool} is not installed on this machine: install the OpenSSH client "
                    "(sudo apt-get install openssh-client)"
                )
        for name in PROXY_INPUTS:
            if get_input(name):
                raise ActionError(f"input '{name}': proxy (jump host) connections are not emulated")
        self.folder = Path(tempfile.mkdtemp(prefix="kata-ssh-"))
        self.username = get_input("username")
        if not self.username:
            raise ActionError("error: missing username")
        self.timeout = _seconds(get_input("timeout"), 30)
        self.command_timeout = _seconds(get_input("command_timeout"), 600)
        self.env = dict(os.environ)
        self.options = [
            "-o",
            "BatchMode=no",
            "-o",
            f"ConnectTimeout={self.timeout}",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            f"UserKnownHostsFile={os.devnull}",
            "-o",
            "LogLevel=ERROR",
        ]
        key, key_path = get_raw_input("key").strip(), get_input("key_path")
        if key:
            mask(key)
            path = self.folder / "id"
            path.write_text(key.replace("\r\n", "\n").strip() + "\n", encoding="utf-8")
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
            key_path = str(path)
        if key_path:
            self.options += ["-i", key_path, "-o", "IdentitiesOnly=yes"]
        secret = get_raw_input("passphrase") or get_raw_input("password")
        if not key_path and not get_raw_input("password"):
            raise ActionError("can't connect without a private SSH key or password")
        if get_raw_input("password") and not key_path:
            self.options += ["-o", "PreferredAuthentications=password,keyboard-interactive"]
        if secret:
            mask(secret)
            askpass = self.folder / "askpass"
            (self.folder / "secret").write_text(secret, encoding="utf-8")
            (self.folder / "secret").chmod(stat.S_IRUSR)
            askpass.write_text(f"#!/bin/sh\ncat '{self.folder / 'secret'}'\n", encoding="utf-8")
            askpass.chmod(stat.S_IRWXU)
            self.env |= {"SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"}
            self.env.setdefault("DISPLAY", ":0")

    def check_fingerprint(self, target: Target) -> None:
        wanted = get_input("fingerprint")
        if not wanted:
            return
        scan = subprocess.run(
            ["ssh-keyscan", "-p", target.port, "-T", str(self.timeout), target.host],
            capture_output=True,
            text=True,
            check=False,
        )
        prints = subprocess.run(
            ["ssh-keygen", "-lf", "-"],
            input=scan.stdout,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        found = {line.split()[1] for line in prints.splitlines() if len(line.split()) > 1}
        if wanted not in found and f"SHA256:{wanted}" not in found:
            raise ActionError(
                f"ssh: handshake failed: ssh: host key fingerprint mismatch for {target.host} "
                f"(found {', '.join(sorted(found)) or 'no host key'})"
            )

    def ssh(self, target: Target, command: str) -> list[str]:
        return [
            "ssh",
            *self.options,
            "-p",
            target.port,
            f"{self.username}@{target.host}",
            command,
        ]

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
