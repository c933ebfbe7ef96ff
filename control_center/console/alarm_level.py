"""The operator raises or lowers an incident's alarm level with a reason (audited): the console's form and
the API. The level itself is computed in control_center/alarms/alarm_level.py and kept current by
control_center/incidents/alarm_level_service.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field, field_validator

from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.alarms.alarm_level import LEVEL_WORDS, REASON_TEXT, Reason, sentence_msgid
from control_center.core.db import utcnow
from control_center.core.errors import Refused
from control_center.incidents import alarm_level_service
from control_center.incidents.models import Incident
from control_center.web.actions import run_action
from control_center.web.api_types import RowId

router = APIRouter(include_in_schema=False, dependencies=[allowed(Permission.INCIDENTS_WORK)])
api = APIRouter(tags=["incidents"], dependencies=[allowed(Permission.INCIDENTS_WORK)])


class _Words(dict[str, str]):
    """A vocabulary that answers every key: the pages may show a reason stored by an older version."""

    def __init__(self, words: dict[str, str], fallback: dict[str, str] | None = None) -> None:
        super().__init__(words)
        self._fallback = fallback or {}

    def __missing__(self, key: str) -> str:
        return self._fallback.get(key, key)


class _Sentences(dict[str, str]):
    """``"<service>|<level>|<decisive>"`` → the level's sentence in the service's words (alarm_level.py)."""

    def __missing__(self, key: str) -> str:
        service, _, rest = key.partition("|")
        level, _, decisive = rest.partition("|")
        return sentence_msgid(int(level) if level.isdigit() else 1, decisive, service)


# The words the partial _alarm_level.html looks up (registered by app.py through rendering.add_vocabulary):
# ``alarm_sentence("B|1|alarm")`` — the sentence for the service, the level and the deciding reason.
VOCABULARY: dict[str, dict[str, str]] = {
    "alarm_reason": _Words(REASON_TEXT),
    "alarm_sentence": _Sentences(),
    "alarm_level_word": _Words({str(int(k)): v for k, v in LEVEL_WORDS.items()}),
}


def describe_event(detail: str, gettext: Callable[[str], str]) -> str:
    """An ``alarm_level`` record entry in words (web/event_text.py): "Level 1 → Level 2: <the deciding
    reason>", and the operator's reason when it was theirs. The stored JSON stays the record."""
    record = json.loads(detail)
    level = gettext("Level %(level)d")
    words = level % {"level": int(record["level"])}
    if record.get("from") is not None:
        words = f"{level % {'level': int(record['from'])}} → {words}"
    deciding = [Reason(c, data) for c, data in record.get("reasons", []) if c == record.get("decisive")]
    if deciding:
        words += f": {deciding[-1].text(gettext)}"
    if override := record.get("override"):
        words += f" ({override['reason']})"
    return words


@router.post("/console/incidents/{incident_id}/alarm-level")
async def change(
    incident_id: RowId,
    request: Request,
    level: int = Form(..., ge=0, le=4),
    reason: str = Form("", max_length=300),
) -> RedirectResponse:
    """From the incident page; a missing reason goes back to the page with the refusal in red."""
    return await run_action(
        request,
        incident_id,
        lambda session: alarm_level_service.override(
            session=session,
            incident_id=incident_id,
            level=level,
            reason=reason,
            actor=actor_of(request),
            at=utcnow(),
        ),
        "recorded",
    )


class LevelChange(BaseModel):
    level: int = Field(ge=0, le=4, description="AVS-01: 0 no call for service … 4 threat to life")
    reason: str = Field(min_length=1, max_length=300, description="Why the operator changes it (audited)")

    @field_validator("reason")
    @classmethod
    def _said(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why the level changes")
        return value


@api.post(
    "/api/incidents/{incident_id}/alarm-level",
    summary="Raise or lower the incident's alarm level (AVS-01) with a reason; audited",
    responses={404: {"description": "No such incident"}, 409: {"description": "The incident is closed"}},
)
async def change_api(incident_id: RowId, body: LevelChange, request: Request) -> dict[str, Any]:
    try:
        async with request.app.state.sessions() as session:
            await alarm_level_service.override(
                session=session,
                incident_id=incident_id,
                level=body.level,
                reason=body.reason,
                actor=actor_of(request),
                at=utcnow(),
            )
            incident = await session.get(Incident, incident_id)
            assert incident is not None
            answer = alarm_level_service.explained(incident, str)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except Refused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    request.app.state.hub.publish({incident_id})
    return answer
