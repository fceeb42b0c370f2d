"""The address an instance is reached at: stable, loopback, and one per instance."""

from __future__ import annotations

import ipaddress

from world.vm.addressing import vm_address

IDS = [f"i-{n:017x}" for n in range(300)] + ["i-0123456789abcdef0", "i-1e039ec23e6498944"]


def test_address_is_stable() -> None:
    assert vm_address("i-0123456789abcdef0") == vm_address("i-0123456789abcdef0")
    assert vm_address("i-0123456789abcdef0") == "127.87.223.116"


def test_address_is_loopback_outside_127_0() -> None:
    for instance_id in IDS:
        address = ipaddress.ip_address(vm_address(instance_id))
        assert address.is_loopback
        first, second, _, last = map(int, str(address).split("."))
        assert first == 127 and 64 <= second <= 127 and 1 <= last <= 254


def test_instances_get_distinct_addresses() -> None:
    assert len({vm_address(i) for i in IDS}) == len(IDS)
