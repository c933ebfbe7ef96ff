"""A private HAProxy in front of several ``control-center serve`` processes, as in production
(``deploy/haproxy/haproxy.cfg``): its configuration generated into a temporary folder, on a free port
of loopback, health-checked on ``/readyz``; never the machine's own HAProxy service."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from simulators.harness.private_broker import free_port

SERVER_HEADER = "X-CC-Server"  # which serve answered: the drill kills the one its console is on


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )


def config(port: int, servers: dict[str, int], host: str = "127.0.0.1") -> str:
    """HAProxy's configuration: ``servers`` (name → port on ``host``) behind ``port``.

    - Health: ``GET /readyz`` every second, down after 2 failures, up after 2 successes; a connection
      refused is retried on another server (``redispatch``), so a client reconnecting after a fault
      meets a live process at once, before the checks have marked the dead one down.
    - Event streams: ``timeout tunnel`` keeps an idle SSE connection open (the server's heartbeat
      comes every 15 s); ``option http-server-close`` is not used, so the stream is not cut.
    - ``/metrics`` is refused here: Prometheus scrapes each process directly.
    """
    lines = [
        "global",
        "    maxconn 4096",
        "defaults",
        "    mode http",
        "    option forwardfor",
        "    option redispatch",
        "    retries 3",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout tunnel 1h",
        "    timeout http-request 10s",
        "frontend console",
        f"    bind {host}:{port}",
        "    http-request deny deny_status 403 if { path /metrics }",
        "    default_backend serve",
        "backend serve",
        "    balance roundrobin",
        "    option httpchk GET /readyz",
        "    http-check expect status 200",
        f"    http-response set-header {SERVER_HEADER} %[srv_name]",
        "    default-server inter 1s fall 2 rise 2",
        *(f"    server {name} {host}:{server_port} check" for name, server_port in servers.items()),
    ]
    return "\n".join(lines) + "\n"


class PortTaken(RuntimeError):
    pass


class PrivateHAProxy:
    def __init__(self, port: int, servers: dict[str, int]) -> None:
        self.port, self.servers = port, servers
        self.folder = Path(tempfile.mkdtemp(prefix="cc-haproxy-"))
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, within: float = 10, attempts: int = 3) -> None:
        """Start it; a port taken meanwhile (an outgoing connection may get it) means another port."""
        for attempt in range(attempts):
            try:
                return await self._start(within)
            except PortTaken:
                if attempt == attempts - 1:
                    raise
                self.port = free_port()

    async def _start(self, within: float) -> None:
        binary = haproxy_binary()
        if binary is None:
            raise RuntimeError("haproxy is not installed (scripts/install-haproxy)")
        path = self.folder / "haproxy.cfg"
        path.write_text(config(self.port, self.servers))
        (self.folder / "haproxy.log").write_bytes(b"")
        with (self.folder / "haproxy.log").open("ab") as log:
            # -db: foreground, no daemon, so it is our child and ends with us.
            self.process = await asyncio.create_subprocess_exec(
                binary, "-db", "-f", str(path), stdout=log, stderr=log
            )
        deadline = time.monotonic() + within
        while True:
            if self.process.returncode is not None:
                if "Address already in use" in self.log():
                    raise PortTaken(self.port)
                raise RuntimeError(f"haproxy did not start: {self.log()[-2000:]}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"haproxy did not start: {self.log()[-2000:]}") from None
                await asyncio.sleep(0.1)

    def log(self) -> str:
        path = self.folder / "haproxy.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
