"""Instance ports come from outside the kernel's ephemeral range, so no outgoing connection can take one
between the runner's check and the instance's bind."""

from __future__ import annotations

import collections
import socket
from pathlib import Path

import pytest

from ccsim import runner


def ephemeral_range() -> range:
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    return range(low, high + 1)


def test_instance_ports_are_never_ephemeral_and_never_handed_out_twice() -> None:
    ephemeral = ephemeral_range()
    ports = [runner.free_port() for _ in range(200)]
    assert not [p for p in ports if p in ephemeral]
    assert len(set(ports)) == len(ports)


def test_a_port_someone_listens_on_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_recent_ports", collections.deque(maxlen=512))
    free = runner.free_port()
    runner._recent_ports.clear()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(runner, "INSTANCE_PORTS", [busy, free])
        assert runner.free_port() == free
