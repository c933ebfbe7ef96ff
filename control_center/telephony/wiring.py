"""Choosing the telephony adapter from settings and connecting the simulated carrier to the flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.subscribers.house_code import key_for
from control_center.telephony import flows
from control_center.telephony.adapters import Answer, SimulatedTelephony, Telephony, TwilioTelephony


class FlowsCarrier:
    """What the simulated carrier reports goes through the same flows as Twilio's webhooks."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        telephony: Telephony,
        publish: Callable[[set[int]], None],
    ) -> None:
        self.sessions, self.settings, self.telephony, self.publish = sessions, settings, telephony, publish
        self.house_code_key = key_for(settings)

    async def status(self, attempt_id: int, sid: str, status: str) -> None:
        async with self.sessions() as session:
            incident = await flows.on_status(
                session=session,
                attempt_id=attempt_id,
                sid=sid,
                status=status,
                at=utcnow(),
                telephony=self.telephony,
                settings=self.settings,
            )
        self.publish({incident})

    async def digits(self, attempt_id: int, sid: str, digits: str) -> None:
        async with self.sessions() as session:
            await flows.on_digits(
                session=session, attempt_id=attempt_id, digits=digits, at=utcnow(), key=self.house_code_key
            )
            attempt = await session.get(flows.ContactAttempt, attempt_id)
        if attempt is not None:
            self.publish({attempt.incident_id})


async def nobody_answers(number: str, mode: str) -> Answer:
    return Answer("no_answer")


def telephony_for(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    publish: Callable[[set[int]], None],
    answer_for: Callable[[str, str], Awaitable[Answer]] = nobody_answers,
) -> Telephony:
    if settings.telephony == "twilio":
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number):
            raise ValueError("CC_TELEPHONY=twilio needs CC_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM_NUMBER")
        return TwilioTelephony(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            settings.twilio_from_number,
            settings.base_url,
        )
    simulated = SimulatedTelephony(answer_for)
    simulated.carrier = FlowsCarrier(sessions, settings, simulated, publish)
    return simulated
