"""The DC-09 UDP receiver asks the kernel for a large socket buffer: a fleet's polls that arrive while the
event loop is busy committing wait there instead of being dropped unseen (the 100k-panel bench lost
polls with the default ~200 KB)."""

from __future__ import annotations

import socket
from pathlib import Path

from panel_gateway.dc09_keys import KeyStore
from panel_gateway.group_commit import GroupCommitter
from panel_gateway.ingest import Ingest
from panel_gateway.transports.dc09_ip import UDP_RECEIVE_BUFFER, Dc09Receiver
from tests.conftest import free_port
from tests.panel_gateway.transports.test_dc09_transport import BOX, HOST


def kernel(name: str) -> int:
    return int(Path(f"/proc/sys/net/core/{name}").read_text())


async def test_the_udp_receiver_takes_the_largest_buffer_the_kernel_allows(sessions) -> None:
    allowed, default = kernel("rmem_max"), kernel("rmem_default")
    receiver = Dc09Receiver(GroupCommitter(Ingest(sessions)), KeyStore(sessions, BOX))
    transport = await receiver.serve_udp(HOST, free_port())
    try:
        granted = transport.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    finally:
        transport.close()
    # Linux grants twice what is asked (its bookkeeping), capped by rmem_max.
    assert granted == 2 * min(allowed, UDP_RECEIVE_BUFFER)
    assert allowed <= default or granted > 2 * default  # more than a socket gets by default
