"""The incident page's premises panel: what the operator needs to know about the place, beside the plan
(zones, instructions, arming, recent signals and past incidents, notes, the map). ``premises_panel_context``
gathers it for the incident page (console/views.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.access.service import names_of
from control_center.core.db import utcnow
from control_center.core.i18n import N_, translations
from control_center.core.settings import Settings
from control_center.incidents.models import Incident
from control_center.notes import service as notes_service
from control_center.signals.models import Signal
from control_center.subscribers.models import Device, PanelAccount, TestPeriod
from dispatch import basemap, map_view
from dispatch import service as dispatch_service
from dispatch.geo import haversine_km
from dispatch.models import Depot

RECENT_SIGNALS = dt.timedelta(hours=24)
RECENT_SIGNALS_MAX = 10
PAST_INCIDENTS = dt.timedelta(days=365)
PAST_INCIDENTS_MAX = 20
ARMING_HISTORY = dt.timedelta(days=7)
ARMING_HISTORY_MAX = 14
DEPOTS_SHOWN = 2
CANDIDATES_SHOWN = 3

WORDS = (N_("premises"), N_("responder"), N_("depot"))  # the map's kinds, shown through the catalogs


@dataclass(frozen=True)
class MapPlace:
    kind: str
    name: str
    km: float  # from the premises


@dataclass(frozen=True)
class PanelMap:
    frame: map_view.Frame
    tiles: list[map_view.Tile]  # the center's tile server, when configured
    basemap: basemap.Layer | None  # else the bundled offline layer
    places: list[MapPlace]  # the same places as text, for everyone who does not see the drawing


async def _places(session: AsyncSession, incident: Incident, settings: Settings) -> list[map_view.Place]:
    p = incident.premises
    assert p is not None
    places = [map_view.Place("premises", p.address, p.lat, p.lon)]
    active = [
        a
        for a in await dispatch_service.assignments_of(session=session, incident_id=incident.id)
        if a.ended_at is None
    ]
    if active:
        responders = [a.responder for a in active]
    elif incident.closed_at is None:
        ranked = await dispatch_service.rank(
            session=session, incident=incident, settings=settings, at=utcnow()
        )
        responders = [r.responder for r in ranked[:CANDIDATES_SHOWN]]
    else:
        responders = []
    places += [map_view.Place("responder", r.name, r.lat, r.lon) for r in responders]
    depots = sorted(
        await session.scalars(select(Depot)), key=lambda d: haversine_km(p.lat, p.lon, d.lat, d.lon)
    )
    places += [map_view.Place("depot", d.name, d.lat, d.lon) for d in depots[:DEPOTS_SHOWN]]
    return places


def panel_map(places: list[map_view.Place], settings: Settings, locale: str) -> PanelMap:
    """The frame with labels that do not overlap, and under it tiles or the offline basemap."""
    words = translations(locale).gettext
    drawn = map_view.label(
        map_view.frame(places, width=360, height=240),
        {kind: words(kind) for kind in ("premises", "responder", "depot")},
        own=frozenset({"responder", "depot"}),
    )
    home = places[0]
    listed = [
        MapPlace(p.kind, p.label, round(haversine_km(home.lat, home.lon, p.lat, p.lon), 1)) for p in places
    ]
    if settings.map_tile_url:
        return PanelMap(drawn, map_view.tiles(drawn, settings.map_tile_url), None, listed)
    return PanelMap(drawn, [], basemap.layer(drawn), listed)


async def premises_panel_context(
    *, session: AsyncSession, incident: Incident, settings: Settings, locale: str = "ja"
) -> dict[str, Any]:
    """Everything the panel shows besides the page's own context (``incident``, ``call_list``)."""
    now = utcnow()
    notes = await notes_service.notes_of(session=session, incident_id=incident.id)
    names = await names_of(session=session, logins={n.author for n in notes})
    context: dict[str, Any] = {"notes": notes, "names": names}
    p = incident.premises
    if p is None:
        return context
    accounts = set(
        await session.scalars(select(PanelAccount.account).where(PanelAccount.premises_id == p.id))
    )
    accounts.add(incident.account)
    recent = await session.scalars(
        select(Signal)
        .where(Signal.account.in_(accounts), Signal.received_at >= now - RECENT_SIGNALS)
        .order_by(Signal.received_at.desc(), Signal.id.desc())
        .limit(RECENT_SIGNALS_MAX)
    )
    arming = await session.scalars(
        select(Signal)
        .where(
            Signal.account.in_(accounts),
            Signal.kind.in_(("opening", "closing")),
            Signal.received_at >= now - ARMING_HISTORY,
        )
        .order_by(Signal.received_at.desc(), Signal.id.desc())
        .limit(ARMING_HISTORY_MAX)
    )
    past = await session.scalars(
        select(Incident)
        .where(
            Incident.premises_id == p.id,
            Incident.id != incident.id,
            Incident.opened_at >= now - PAST_INCIDENTS,
        )
        .order_by(Incident.opened_at.desc(), Incident.id.desc())
        .limit(PAST_INCIDENTS_MAX)
    )
    zones = await session.scalars(select(Device).where(Device.premises_id == p.id).order_by(Device.zone))
    # On test now: the operator must know that signals of the announced zones are not being worked.
    on_test = await session.scalar(
        select(TestPeriod)
        .where(TestPeriod.premises_id == p.id, TestPeriod.starts_at <= now, TestPeriod.ends_at > now)
        .order_by(TestPeriod.ends_at.desc())
        .limit(1)
    )
    context |= {
        "on_test": on_test,
        "zones": list(zones),
        "instructions": await dispatch_service.note_of(session=session, premises_id=p.id),
        "large_dog_rule": dispatch_service.LARGE_DOG_RULE,
        "recent_signals": list(recent),
        "arming_history": list(arming),
        "trips": [t for t in p.trips if t.returns_at >= now],
        "past_incidents": list(past),
        "map": panel_map(await _places(session, incident, settings), settings, locale),
    }
    return context
