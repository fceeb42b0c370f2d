"""Offline docker/setup-qemu-action (v1-v3 interface): nothing to install on the host.

The real action runs the tonistiigi/binfmt image to register QEMU emulators; the kata never
pulls images, so this reports the host platform and the emulators already registered in
binfmt_misc, and says so."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kata_io import get_input, info, notice, run, set_output

ARCH = {
    "x86_64": "amd64",
    "aarch64": "arm64",
    "armv7l": "arm/v7",
    "s390x": "s390x",
    "ppc64le": "ppc64le",
    "riscv64": "riscv64",
}
QEMU = {
    "qemu-aarch64": "arm64",
    "qemu-arm": "arm/v7",
    "qemu-s390x": "s390x",
    "qemu-ppc64le": "ppc64le",
    "qemu-riscv64": "riscv64",
    "qemu-x86_64": "amd64",
    "qemu-i386": "386",
    "qemu-mips64el": "mips64le",
    "qemu-mips64": "mips64",
    "qemu-loongarch64": "loong64",
}


def available() -> list[str]:
    host = ARCH.get(platform.machine(), platform.machine())
    found = [f"linux/{host}"]
    binfmt = Path("/proc/sys/fs/binfmt_misc")
    for entry in sorted(binfmt.glob("qemu-*")) if binfmt.is_dir() else []:
        arch = QEMU.get(entry.name)
        if arch and f"linux/{arch}" not in found:
            found.append(f"linux/{arch}")
    return found


def main() -> None:
    platforms = available()
    notice(
        f"setup-qemu offline: no binfmt image is run (image '{get_input('image')}' not "
        f"pulled, platforms '{get_input('platforms', 'all')}' not installed); available: "
        + ",".join(platforms)
    )
    info("Available platforms: " + ",".join(platforms))
    set_output("platforms", ",".join(platforms))


if __name__ == "__main__":
    run("docker/setup-qemu-action", main)
