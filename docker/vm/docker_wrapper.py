#!/usr/bin/python3
"""`docker` on a kata VM: the real client, with a VM's view of ports and containers.

Installed as /usr/local/bin/docker, ahead of the real client (/usr/bin/docker) on every PATH
(login shells, `ssh vm cmd` and sudo's secure_path). The VM's containers run on the host's
engine (sibling containers, not nested), so without help `-p 8000:8000` would publish on all
of the host's addresses. This wrapper changes three things and passes everything else through:

* `docker run` / `docker create` (also `docker container run|create`): every port publication
  (`-p 8000:8000`, `-p 8000`, `--publish=...`, `-p 0.0.0.0:8000:8000`, `-dp 8000:8000`) is
  bound to the VM's own address, e.g. `-p 127.77.3.9:8000:8000`; `-P` becomes one explicit
  publication per exposed port; and the labels `kata.run=<run id>` and `kata.vm=<instance
  id>` are added so the harness can find and remove what the VM started.
* `docker ps` / `docker container ls`: only the containers this VM started, as on a real VM.

The VM's identity comes from /etc/kata/vm.env (written at VM start), else the environment.
Set KATA_VM_DOCKER_DEBUG=1 to see the rewritten command on stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

REAL_DOCKER = "/usr/bin/docker"
ENV_FILE = "/etc/kata/vm.env"

# docker's global options that take a value; every other global option is a switch.
GLOBAL_VALUE_FLAGS = frozenset(
    {
        *("--config", "-c", "--context", "-H", "--host", "-l", "--log-level"),
        *("--tlscacert", "--tlscert", "--tlskey"),
    }
)
# `docker run`/`create` options that take no value; every other option takes one.
RUN_SWITCHES = frozenset(
    {
        *("-d", "--detach", "-i", "--interactive", "-t", "--tty", "-q", "--quiet"),
        *("--rm", "--init", "--privileged", "-P", "--publish-all", "--read-only"),
        *("--no-healthcheck", "--oom-kill-disable", "--sig-proxy", "--disable-content-trust"),
        *("--help", "--use-api-socket"),
    }
)
RUN_SHORT_SWITCHES = frozenset("ditPq")
PUBLISH_FLAGS = frozenset(["-p", "--publish"])
PUBLISH_ALL_FLAGS = frozenset(["-P", "--publish-all"])
CREATE_COMMANDS = frozenset(["run", "create"])
LIST_COMMANDS = frozenset(["ls", "list", "ps"])

ExposedPorts = Callable[[str, Sequence[str]], list[str]]


class WrapperError(Exception):
    """The command cannot be run the way a VM would run it."""


@dataclass(frozen=True)
class VmContext:
    address: str
    run_id: str = ""
    instance_id: str = ""


def load_context(path: str = ENV_FILE) -> VmContext:
    values: dict[str, str] = {}
    try:
        with open(path) as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep:
                    values[key] = value
    except OSError:
        pass

    def get(key: str) -> str:
        return values.get(key) or os.environ.get(key, "")

    return VmContext(get("VM_ADDRESS"), get("KATA_RUN_ID"), get("INSTANCE_ID"))


def rewrite_publish(spec: str, address: str) -> str:
    """`[ip:][host_port:]container_port[/proto]` bound to `address`; an empty host port stays
    empty (the engine picks one, as docker does for `-p 8000`)."""
    ports, slash, proto = spec.partition("/")
    parts = ports.rsplit(":", 2)
    if len(parts) == 1:
        host_port, container_port = "", parts[0]
    elif len(parts) == 2:
        host_port, container_port = parts
    else:
        host_port, container_port = parts[1], parts[2]
    if not container_port:
        raise WrapperError(f"invalid port publication {spec!r}")
    return f"{address}:{host_port}:{container_port}{slash}{proto}"


def _split_command(args: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """(global options, command words, the rest) of a docker command line."""
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        flag = args[i]
        i += 2 if flag in GLOBAL_VALUE_FLAGS else 1
    head, rest = list(args[: min(i, len(args))]), list(args[i:])
    if len(rest) >= 2 and rest[0] == "container":
        return head, rest[:2], rest[2:]
    return head, rest[:1], rest[1:]


@dataclass
class _RunOptions:
    options: list[str]
    tail: list[str]  # the image and its command, untouched
    publish_all: bool
    exposed: list[str]


def _rewrite_run_options(args: Sequence[str], address: str) -> _RunOptions:
    out: list[str] = []
    publish_all = False
    exposed: list[str] = []
    i = 0

    def publish(spec: str) -> None:
        if not address:
            raise WrapperError("this VM has no address (VM_ADDRESS): cannot publish ports")
        out.extend(["-p", rewrite_publish(spec, address)])

    def take_value(flag: str, inline: str | None) -> str:
        nonlocal i
        if inline is not None:
            return inline
        if i + 1 >= len(args):
            raise WrapperError(f"flag needs an argument: {flag}")
        i += 1
        return args[i]

    while i < len(args):
        arg, first = args[i], i
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        if arg.startswith("--"):
            name, eq, inline = arg.partition("=")
            if name in PUBLISH_ALL_FLAGS:
                publish_all = publish_all or inline.lower() not in ("false", "0")
            elif name in RUN_SWITCHES:
                out.append(arg)
            else:
                value = take_value(name, inline if eq else None)
                if name in PUBLISH_FLAGS:
                    publish(value)
                else:
                    out.extend(args[first : i + 1])  # as given
                    if name == "--expose":
                        exposed.append(value)
        else:  # one or more short flags: -d, -p 80, -p80, -p=80, -dit, -dp 80:80
            switches, letter, value, all_ports = "", "", "", False
            for pos in range(1, len(arg)):
                letter = arg[pos]
                if letter not in RUN_SHORT_SWITCHES:  # takes a value: the rest, or the next
                    rest = arg[pos + 1 :]
                    value = take_value(f"-{letter}", rest.removeprefix("=") if rest else None)
                    break
                all_ports = all_ports or letter == "P"
                switches += letter if letter != "P" else ""
                letter = ""
            publish_all = publish_all or all_ports
            if letter != "p" and not all_ports:
                out.extend(args[first : i + 1])  # as given
            else:
                out.extend([f"-{switches}"] if switches else [])
                if letter == "p":
                    publish(value)
                elif letter:
                    out.extend([f"-{letter}", value])
        i += 1
    return _RunOptions(out, list(args[i:]), publish_all, exposed)


def rewrite(
    args: Sequence[str], ctx: VmContext, exposed_ports: ExposedPorts | None = None
) -> list[str]:
    """The docker command line (without `docker`) as this VM runs it.

    `exposed_ports(image, global_options)` lists an image's exposed ports (`80/tcp`); it is
    only called for `-P`.
    """
    head, command, rest = _split_command(args)
    verb = command[-1] if command else ""
    if command == ["ps"] or (command[:1] == ["container"] and verb in LIST_COMMANDS):
        scope = ["--filter", f"label=kata.vm={ctx.instance_id}"] if ctx.instance_id else []
        return [*head, *command, *scope, *rest]
    if verb not in CREATE_COMMANDS:
        return list(args)

    run = _rewrite_run_options(rest, ctx.address)
    options = run.options
    if run.publish_all and run.tail:
        if not ctx.address:
            raise WrapperError("this VM has no address (VM_ADDRESS): cannot publish ports")
        if exposed_ports is None:
            raise WrapperError("-P needs the image's exposed ports; publish them with -p")
        ports = [*exposed_ports(run.tail[0], head), *run.exposed]
        for port in dict.fromkeys(p if "/" in p else f"{p}/tcp" for p in ports):
            options += ["-p", rewrite_publish(port, ctx.address)]
    if ctx.run_id:
        options += ["--label", f"kata.run={ctx.run_id}"]
    if ctx.instance_id:
        options += ["--label", f"kata.vm={ctx.instance_id}"]
    tail = ["--", *run.tail] if run.tail[:1] and run.tail[0].startswith("-") else run.tail
    return [*head, *command, *options, *tail]


def image_exposed_ports(image: str, global_options: Sequence[str]) -> list[str]:
    """The ports an image EXPOSEs, pulling it first if the engine does not have it."""
    inspect = [REAL_DOCKER, *global_options, "image", "inspect", "--format"]
    inspect += ["{{json .Config.ExposedPorts}}", image]
    found = subprocess.run(inspect, capture_output=True, text=True, check=False)
    if found.returncode != 0:
        pull = [REAL_DOCKER, *global_options, "pull", "-q", image]
        if subprocess.run(pull, stdout=sys.stderr, check=False).returncode != 0:
            raise WrapperError(f"cannot find the exposed ports of {image}: pull failed")
        found = subprocess.run(inspect, capture_output=True, text=True, check=False)
    if found.returncode != 0:
        raise WrapperError(f"cannot inspect {image}: {found.stderr.strip()}")
    return sorted(json.loads(found.stdout or "null") or {})


def main(argv: Sequence[str]) -> int:
    ctx = load_context()
    try:
        args = rewrite(argv, ctx, image_exposed_ports)
    except WrapperError as exc:
        print(f"docker (kata VM): {exc}", file=sys.stderr)
        return 125
    if os.environ.get("KATA_VM_DOCKER_DEBUG"):
        print("kata VM runs: docker " + " ".join(args), file=sys.stderr)
    os.execv(REAL_DOCKER, [REAL_DOCKER, *args])
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
