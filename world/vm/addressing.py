"""Where an emulated EC2 instance can be reached from this machine.

The AWS stand-in reports each instance's public IP as a loopback address derived from its
instance id (all of 127.0.0.0/8 is loopback on Linux), and the VM stand-in publishes that
instance's sshd and ports on exactly that address. So the address Terraform outputs is the
address the workflow reaches, and no traffic ever leaves the machine.
"""

from __future__ import annotations

import hashlib

PREFIX = 127  # loopback
RESERVED_SECOND_OCTET = 0  # 127.0.x.x is left to everything else


def vm_address(instance_id: str) -> str:
    """A stable loopback address 127.A.B.C (A in 64..127) for an instance id."""
    digest = hashlib.sha256(instance_id.encode()).digest()
    a = 64 + digest[0] % 64
    b = digest[1]
    c = 1 + digest[2] % 254
    return f"{PREFIX}.{a}.{b}.{c}"
