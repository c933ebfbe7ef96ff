"""/metrics: what Prometheus reads of a process, and who may read it."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from control_center.app import create_app
from control_center.core.db import utcnow
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.incidents.inbox import process_pending
from control_center.watchdog import metrics_listener
from control_center.watchdog.metrics import DatabaseGauges, Reading
from panel_gateway import metrics as gateway_metrics
from panel_gateway.ingest import Ingest, Received, StoreResult
from panel_gateway.protocols import mqtt_payload
from panel_gateway.protocols.errors import ParseError
from simulators.panel import payload
from tests.conftest import free_port
from tests.helpers import eventually

TOKEN = "scrape-me-0123456789"
OUTSIDER = ("203.0.113.9", 40000)
LOOPBACK = ("127.0.0.1", 40000)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition by (name, labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def app_client(database_url: str, sessions) -> AsyncIterator[callable]:
    """A client of the web app as ``serve`` runs it (no inbox worker: the test works the inbox itself),
    from the address given."""
    settings = Settings(_env_file=None, database_url=database_url, metrics_token=TOKEN)
    app = create_app(settings, sessions, Hub())
    clients: list[httpx.AsyncClient] = []

    def client(peer: tuple[str, int] = LOOPBACK, **kwargs: object) -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=peer), base_url="http://center", **kwargs
        )
        clients.append(made)
        return made

    yield client
    for made in clients:
        await made.aclose()


def fire(account: str, message_id: str) -> Received:
    raw = payload(account, message_id, 110)  # Contact ID 110: fire
    return Received("mqtt", f"panels/{account}/signals", raw, utcnow(), mqtt_payload.parse_json(account, raw))


async def test_a_stored_alarm_moves_the_counters_and_the_backlog(app_client, sessions) -> None:
    prometheus = app_client()

    async def scrape() -> dict:
        answer = await prometheus.get("/metrics")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/plain")
        return samples(answer.text)

    before = await scrape()
    assert value(before, "cc_process_role", role="serve") == 1
    assert value(before, "cc_database_up") == 1
    assert value(before, "cc_inbox_backlog") == 0
    ingest = Ingest(sessions)
    await ingest.store([fire("5101", "m-1")])
    await ingest.store([fire("5101", "m-1")])  # the panel's retry after a lost PUBACK
    await ingest.store(
        [Received("mqtt", "panels/5101/signals", b"{not json", utcnow(), ParseError("bad JSON"))]
    )

    # The database's gauges are read at most every CACHE_SECONDS: the next scrapes show the alarm.
    async def backlog_shown() -> dict | None:
        now = await scrape()
        return now if value(now, "cc_inbox_backlog") == 1 else None

    after = await eventually(backlog_shown)
    assert value(after, "cc_inbox_oldest_age_seconds") >= 0

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("cc_signals_received_total", transport="mqtt") == 3
    assert moved("cc_signals_stored_total", transport="mqtt") == 1
    assert moved("cc_signals_duplicates_total", transport="mqtt") == 1
    assert moved("cc_signals_dead_lettered_total", transport="mqtt") == 1
    assert moved("cc_ingest_batch_commit_seconds_count") == 3

    # The inbox worker turns it into an incident: the backlog empties and an open fire is counted.
    async with sessions() as session:
        await process_pending(session=session)

    async def worked() -> dict | None:
        now = await scrape()
        return now if value(now, "cc_inbox_backlog") == 0 and sum_open(now) == sum_open(before) + 1 else None

    done = await eventually(worked)
    assert (
        value(done, "cc_incidents_open", priority="1") == value(before, "cc_incidents_open", priority="1") + 1
    )


def sum_open(scrape: dict) -> float:
    return sum(v for (name, _), v in scrape.items() if name == "cc_incidents_open")


async def test_an_outsider_is_refused_and_the_token_lets_prometheus_in(app_client) -> None:
    assert (await app_client(OUTSIDER).get("/metrics")).status_code == 403
    # Through HAProxy on this machine the peer is loopback too: a forwarded request is an outsider.
    forwarded = await app_client(LOOPBACK).get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 403
    wrong = await app_client(OUTSIDER).get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 403
    assert "cc_signals" not in wrong.text
    scraper = await app_client(OUTSIDER).get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraper.status_code == 200
    assert "cc_process_role" in scraper.text
    # Not on the OpenAPI schema: it is no part of the API.
    assert "/metrics" not in (await app_client().get("/openapi.json")).json()["paths"]


async def test_the_gateway_process_answers_on_its_own_port(database_url: str, sessions) -> None:
    port = free_port()
    settings = Settings(_env_file=None, database_url=database_url, metrics_port=port, metrics_token=TOKEN)
    [listener] = metrics_listener.for_gateway(settings, sessions)
    task = asyncio.create_task(listener)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await eventually(lambda: _get(client, "/metrics"))
            assert answer.status_code == 200
            scrape = samples(answer.text)
            assert value(scrape, "cc_process_role", role="gateway") == 1
            assert "cc_ingest_batch_commit_seconds_count" in answer.text  # the gateway's own counters
            assert "cc_inbox_backlog" not in answer.text  # the serve processes answer for the inbox
            assert (await client.get("/other")).status_code == 404
            assert (await client.post("/metrics")).status_code == 405
            forwarded = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            assert forwarded.status_code == 403
        # Garbage instead of HTTP gets 400, not a crash, and the listener keeps answering.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x16\x03\x01 hello\r\n\r\n")
        assert (await reader.read()).startswith(b"HTTP/1.0 400")
        writer.close()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # An outsider with the token is let in; without it, refused.
    body = b"metrics"

    async def fixed() -> bytes:
        return body

    head = b"GET /metrics HTTP/1.1\r\nHost: x"
    assert (await metrics_listener.respond(head, "203.0.113.9", TOKEN, fixed)).startswith(b"HTTP/1.0 403")
    with_token = head + f"\r\nAuthorization: Bearer {TOKEN}".encode()
    assert (await metrics_listener.respond(with_token, "203.0.113.9", TOKEN, fixed)).endswith(
        b"\r\n\r\nmetrics"
    )


async def _get(client: httpx.AsyncClient, path: str) -> httpx.Response | None:
    try:
        return await client.get(path)
    except httpx.TransportError:
        return None


async def test_a_scrape_storm_reads_the_database_once_per_period() -> None:
    now = [100.0]
    reads = []

    async def reader(_session: object, _now: dt.datetime) -> Reading:
        reads.append(now[0])
        await asyncio.sleep(0.01)  # scrapes arriving meanwhile wait for this reading
        return Reading(up=True, backlog=len(reads))

    class NoSessions:
        def __call__(self) -> NoSessions:
            return self

        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, *_: object) -> None:
            return None

    gauges = DatabaseGauges(NoSessions(), reader, ttl=2.0, clock=lambda: now[0])  # type: ignore[arg-type]
    storm = await asyncio.gather(*(gauges.reading() for _ in range(50)))
    assert {r.backlog for r in storm} == {1} and gauges.readings == 1
    now[0] += 1.9
    assert (await gauges.reading()).backlog == 1
    now[0] += 0.2
    assert (await gauges.reading()).backlog == 2


async def test_a_database_that_does_not_answer_is_a_gauge_not_an_error() -> None:
    async def reader(_session: object, _now: dt.datetime) -> Reading:
        raise OSError("connection refused")

    class NoSessions:
        def __call__(self) -> NoSessions:
            return self

        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, *_: object) -> None:
            return None

    reading = await DatabaseGauges(NoSessions(), reader).reading()  # type: ignore[arg-type]
    assert reading == Reading(up=False)


def test_a_batch_of_two_transports_is_counted_to_each() -> None:
    at = utcnow()
    batch = [
        Received("dc09_tcp", "a", b"x", at, fire("1", "1").decoded),
        Received("dc09_tcp", "a", b"x", at, fire("2", "2").decoded),
        Received("serial", "s", b"?", at, ParseError("unreadable")),
        Received("serial", "s", b"x", at, fire("3", "3").decoded),
    ]
    shares = gateway_metrics.shares(batch, StoreResult(stored=2, duplicates=1, dead_letters=1))
    assert shares["serial"].dead_letters == 1  # the refused item where it came from
    assert shares["dc09_tcp"].received == 2 and shares["serial"].received == 2
    assert sum(s.stored for s in shares.values()) == 2
    assert sum(s.duplicates for s in shares.values()) == 1
    assert shares["dc09_tcp"].dead_letters == 0
