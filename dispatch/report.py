"""The written report to the subscriber after an on-site check, rendered from the incident's record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from control_center.core.i18n import N_, translations
from control_center.incidents import flows
from control_center.signals.service_types import LABELS
from control_center.web.rendering import environment, translator
from dispatch.models import Assignment, KeyEvent, KeySet


async def render(*, session: AsyncSession, incident_id: int, locale: str) -> tuple[str, str]:
    """Subject and body of the report, in the subscriber's language (Japanese unless asked otherwise)."""
    incident = await flows.load(session=session, incident_id=incident_id)
    assignments = list(
        await session.scalars(
            select(Assignment).where(Assignment.incident_id == incident_id).order_by(Assignment.id)
        )
    )
    key_events = [
        {"set_no": set_no, "kind": e.kind, "at": e.at, "seal_after": e.seal_after}
        for e, set_no in await session.execute(
            select(KeyEvent, KeySet.set_no)
            .join(KeySet, KeySet.id == KeyEvent.key_set_id)
            .where(KeySet.premises_id == incident.premises_id, KeyEvent.at >= incident.opened_at)
            .order_by(KeyEvent.id)
        )
    ]
    env = environment(locale)
    body = env.get_template("written_report.txt").render(
        incident=incident,
        premises=incident.premises,
        subscriber=incident.premises.subscriber if incident.premises else None,
        assignments=assignments,
        key_events=key_events,
        service_label=translator(locale, LABELS),  # rendered outside the app: it names the services itself
    )
    subject = translations(locale).gettext(N_("On-site check report"))
    return f"{subject} #{incident.id}", body
