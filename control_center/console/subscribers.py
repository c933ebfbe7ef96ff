"""The subscriber search and page, and the billing clerk's work on it.

Operators find a subscriber and see what working an alarm needs (premises, services, contacts in call
order); the subscriber's money — fees, invoices, payments, cancellation — is shown and computed only
for a role holding ``contracts.read`` (the billing clerk), and changed only with ``contracts.write``.
The clerk's actions post here and come back to the page with what came of them; each is in the audit
log. The rules are billing's (``billing/closing.py``, ``billing/payment_service.py``, ``billing/service.py``).
An operator (``subscribers.write``) keeps each premises' directions and landmarks for the police and fire
call-takers here too (``dispatch/handoff_service.save_directions``), on the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from billing import closing, demand_service, payment_service
from billing import service as billing
from billing.cancellation import Reason
from billing.esign import service as esign
from billing.models import Contract, InvoiceRow
from billing.payments import Method
from billing.qualified_invoice import number_of
from control_center.access.guard import actor_of, allowed
from control_center.access.roles import Permission
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.errors import Refused
from control_center.core.i18n import N_
from control_center.core.timezones import tokyo_today
from control_center.subscribers import service as subscribers
from control_center.subscribers.models import Premises
from control_center.web import flash
from control_center.web.api_types import RowId
from control_center.web.rendering import render
from dispatch import handoff_service
from dispatch.handoff import NOTE_MAX

router = APIRouter(include_in_schema=False)
desk = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[allowed(Permission.CONTRACTS_WRITE)]
)

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
MAX_YEN = 100_000_000
Day = Annotated[dt.date, Form(ge=FIRST_DAY, le=LAST_DAY)]
Yen = Annotated[int, Form(ge=0, le=MAX_YEN)]
# Shown through the catalogs (the page calls _(value)).
WORDS = (
    N_("bank_transfer"), N_("card"), N_("convenience_store"),
    N_("subscriber"), N_("unavoidable"), N_("non_payment"), N_("company"), N_("company_fault"),
    N_("expiry"),
)  # fmt: skip


@router.get(
    "/console/subscribers", dependencies=[allowed(Permission.INCIDENTS_READ, Permission.CONTRACTS_READ)]
)
async def subscribers_page(request: Request, q: str = Query("", max_length=100)) -> HTMLResponse:
    """Find a subscriber by name (with or without the space), kana (hiragana or katakana) or phone
    digits (with or without hyphens)."""
    q = q.strip()
    async with request.app.state.sessions() as session:
        rows = await subscribers.search(session=session, text=q)
        audit.viewed(session, actor_of(request), "subscribers", f"search {q!r}: {len(rows)} shown")
        await session.commit()
    return render(request, "subscribers.html", subscribers=rows, q=q)


@dataclass(frozen=True)
class Preview:
    """The cancellation the clerk is looking at before confirming it (from the page's query)."""

    contract_id: int
    terminated_on: dt.date
    reason: Reason
    removal_cost: int
    notified_on: dt.date | None

    def query(self) -> dict[str, str]:
        values = {
            "contract": str(self.contract_id),
            "end": self.terminated_on.isoformat(),
            "reason": self.reason.value,
            "removal": str(self.removal_cost),
        }
        if self.notified_on:
            values["notified"] = self.notified_on.isoformat()
        return values


def _day_or_none(text: str) -> dt.date | None:
    """A date field a browser may send empty; a wrong one is the caller's mistake (422)."""
    if not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HTTPException(status_code=422, detail=f"not a date: {text!r} (YYYY-MM-DD)") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise HTTPException(status_code=422, detail=f"date out of range: {day}")
    return day


def _preview_of(
    contract: int | None, end: dt.date | None, reason: str, removal: int, notified: dt.date | None
) -> Preview | None:
    if contract is None or end is None:
        return None
    try:
        why = Reason(reason or Reason.SUBSCRIBER.value)
    except ValueError:
        raise HTTPException(status_code=422, detail=f"unknown termination reason {reason!r}") from None
    return Preview(contract, end, why, removal, notified)


@router.get(
    "/console/subscribers/{subscriber_id}",
    dependencies=[allowed(Permission.INCIDENTS_READ, Permission.CONTRACTS_READ)],
)
async def subscriber_page(
    subscriber_id: RowId,
    request: Request,
    contract: int | None = Query(None, ge=1, le=2**63 - 1),
    end: dt.date | None = Query(None, ge=FIRST_DAY, le=LAST_DAY),
    reason: str = Query("", max_length=20),
    removal: int = Query(0, ge=0, le=MAX_YEN),
    notified: str = Query("", max_length=10, description="YYYY-MM-DD, or empty (the form's blank date)"),
) -> HTMLResponse:
    """The subscriber; for the billing clerk also each contract's money and the clerk's forms."""
    today = tokyo_today(utcnow())
    preview = _preview_of(contract, end, reason, removal, _day_or_none(notified))
    principal = request.state.principal
    async with request.app.state.sessions() as session:
        subscriber = await subscribers.with_premises(session=session, subscriber_id=subscriber_id)
        if subscriber is None:
            raise HTTPException(status_code=404, detail=f"subscriber {subscriber_id} not found")
        money = principal.may(Permission.CONTRACTS_READ)
        rows = await _contracts(request, session, subscriber_id, today, preview) if money else []
        consent = money and await esign.consent_in_force(session=session, subscriber_id=subscriber_id)
        directions = await handoff_service.directions_of(
            session=session, premises_ids=[p.id for p in subscriber.premises]
        )
        audit.viewed(
            session, actor_of(request), f"subscriber:{subscriber_id}",
            "subscriber page" + (" with contracts" if money else ""),
        )  # fmt: skip
        await session.commit()
    return render(
        request,
        "subscriber.html",
        subscriber=subscriber,
        rows=rows,
        today=today,
        consent=consent,
        money=money,
        preview=preview,
        methods=list(Method),
        reasons=list(Reason),
        invoice_number=number_of,
        directions=directions,
        note_max=NOTE_MAX,
    )


async def _contracts(
    request: Request, session: AsyncSession, subscriber_id: int, today: dt.date, preview: Preview | None
) -> list[dict[str, Any]]:
    """Each contract with its fee in force, dunning state, invoices and (when asked) a cancellation."""
    rows = []
    ids = await session.scalars(
        select(Contract.id).where(Contract.subscriber_id == subscriber_id).order_by(Contract.id)
    )
    for contract_id in list(ids):
        contract = await billing.load(session=session, contract_id=contract_id)
        assert contract is not None
        signed = None
        if (doc := await esign.of_contract(session=session, contract_id=contract.id)) is not None:
            box = request.app.state.secret_box
            state = await esign.verify_document(session=session, box=box, document_id=doc.id, at=utcnow())
            signed = (doc, state)
        asked = preview if preview and preview.contract_id == contract.id else None
        settlement, refusal = None, ""
        if asked is not None and contract.terminated_on is None:
            try:
                settlement = await closing.preview_cancellation(
                    session=session,
                    contract_id=contract.id,
                    terminated_on=asked.terminated_on,
                    reason=asked.reason,
                    removal_cost=asked.removal_cost,
                    notified_on=asked.notified_on,
                )
            except (Refused, ValueError) as exc:
                refusal = str(exc)
        rows.append(
            {
                "contract": contract,
                "signed": signed,
                "expiry": billing.current_expiry(contract, today),
                "monthly": billing.base_monthly(contract, today),
                "dunning": await payment_service.dunning_state(
                    session=session, contract_id=contract.id, on=today
                ),
                "preview": asked,
                "settlement": settlement,
                "refusal": refusal,
                "decision": await billing.latest_decision(session=session, contract_id=contract.id),
                "payments": await payment_service.payments_of(session=session, contract_id=contract.id),
                "ended": await closing.cancellation_of(session=session, contract_id=contract.id)
                if contract.terminated_on
                else None,
            }
        )
    return rows


# --- the premises' directions (an operator's edit) ------------------------------------------------------

FORM_CAP = 5_000  # far past the 300 kept: anything longer is a flood, refused before it is read further


@router.post(
    "/console/subscribers/{subscriber_id}/premises/{premises_id}/directions",
    dependencies=[allowed(Permission.SUBSCRIBERS_WRITE)],
)
async def save_directions(
    subscriber_id: RowId,
    premises_id: RowId,
    request: Request,
    directions: Annotated[str, Form(max_length=FORM_CAP)] = "",
    landmarks: Annotated[str, Form(max_length=FORM_CAP)] = "",
) -> RedirectResponse:
    """How a police car or fire engine finds the premises: read on the 110/119 call and sent in the
    hand-off (dispatch/handoff_service.py); audited."""
    path, fragment = f"/console/subscribers/{subscriber_id}", f"premises-{premises_id}"
    async with request.app.state.sessions() as session:
        premises = await session.get(Premises, premises_id)
        if premises is None or premises.subscriber_id != subscriber_id:
            raise HTTPException(
                status_code=404, detail=f"premises {premises_id} of subscriber {subscriber_id} not found"
            )
        try:
            await handoff_service.save_directions(
                session=session, premises_id=premises_id, directions=directions, landmarks=landmarks,
                actor=actor_of(request), at=utcnow(),
            )  # fmt: skip
        except Refused as exc:
            text, params = exc.said
            return flash.redirect(request, path, text, error=True, params=params, fragment=fragment)
        await session.commit()
    return flash.redirect(request, path, N_("Directions and landmarks saved."), fragment=fragment)


# --- the clerk's actions --------------------------------------------------------------------------------


def _back(
    request: Request,
    subscriber_id: int,
    text: str,
    *,
    error: bool = False,
    params: dict[str, str | int] | None = None,
    query: dict[str, str] | None = None,
) -> RedirectResponse:
    """To the subscriber's page (with ``query``, e.g. the cancellation being previewed), saying ``text``."""
    return flash.redirect(
        request, f"/console/subscribers/{subscriber_id}", text, error=error, params=params, query=query,
        fragment=f"contract-{query['contract']}" if query else "",
    )  # fmt: skip


async def _contract_of(session: AsyncSession, subscriber_id: int, contract_id: int) -> Contract:
    contract = await session.get(Contract, contract_id)
    if contract is None or contract.subscriber_id != subscriber_id:
        raise HTTPException(
            status_code=404, detail=f"contract {contract_id} of subscriber {subscriber_id} not found"
        )
    return contract


@desk.post("/subscribers/{subscriber_id}/contracts/{contract_id}/payments")
async def record_payment(
    subscriber_id: RowId,
    contract_id: RowId,
    request: Request,
    amount: Annotated[int, Form(ge=1, le=MAX_YEN)],
    received_on: Day,
    method: Annotated[Method, Form()],
    reference: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    """A payment received by bank transfer, card or at a convenience store, applied oldest invoice first."""
    actor = actor_of(request)
    try:
        async with request.app.state.sessions() as session:
            await _contract_of(session, subscriber_id, contract_id)
            result = await payment_service.record_payment(
                session=session,
                contract_id=contract_id,
                amount=amount,
                received_on=received_on,
                method=method,
                recorded_by=actor,
                reference=reference.strip(),
            )
            audit.changed(
                session, actor, f"contract:{contract_id}",
                f"payment {result.payment_id}: {amount} yen by {method.value} received {received_on}",
            )  # fmt: skip
            await session.commit()
    except Refused as exc:
        return _back(request, subscriber_id, str(exc), error=True)
    return _back(
        request,
        subscriber_id,
        N_("Payment of %(amount)s yen recorded: %(paid)s invoice(s) paid in full, %(credit)s yen credit."),
        params={
            "amount": f"{amount:,}",
            "paid": len(result.invoices_now_paid),
            "credit": f"{result.unapplied:,}",
        },
    )


async def _invoice_of(session: AsyncSession, subscriber_id: int, contract_id: int, invoice_id: int) -> None:
    invoice = await session.get(InvoiceRow, invoice_id)
    if invoice is None or invoice.contract_id != contract_id:
        raise HTTPException(
            status_code=404, detail=f"invoice {invoice_id} of contract {contract_id} not found"
        )
    await _contract_of(session, subscriber_id, contract_id)


@desk.post("/subscribers/{subscriber_id}/contracts/{contract_id}/invoices/{invoice_id}/demand")
async def send_demand(
    subscriber_id: RowId, contract_id: RowId, invoice_id: RowId, request: Request, sent_on: Day
) -> RedirectResponse:
    """The written demand (催告) for an overdue invoice (seed 002 重要事項 2.(6))."""
    actor = actor_of(request)
    try:
        async with request.app.state.sessions() as session:
            await _invoice_of(session, subscriber_id, contract_id, invoice_id)
            await demand_service.send_demand(
                session=session, invoice_id=invoice_id, sent_on=sent_on, actor=actor
            )
            await session.commit()
    except Refused as exc:
        return _back(request, subscriber_id, str(exc), error=True)
    return _back(
        request, subscriber_id, N_("Written demand for %(invoice)s sent on %(day)s."),
        params={"invoice": number_of(invoice_id), "day": sent_on.isoformat()},
    )  # fmt: skip


@desk.post("/subscribers/{subscriber_id}/contracts/{contract_id}/invoices/{invoice_id}/demand/receipt")
async def record_demand_receipt(
    subscriber_id: RowId, contract_id: RowId, invoice_id: RowId, request: Request, received_on: Day
) -> RedirectResponse:
    """The day the demand reached the subscriber: the 20 days run from it (seed 002 重要事項 2.(6))."""
    actor = actor_of(request)
    try:
        async with request.app.state.sessions() as session:
            await _invoice_of(session, subscriber_id, contract_id, invoice_id)
            result = await demand_service.record_receipt(
                session=session, invoice_id=invoice_id, received_on=received_on, actor=actor
            )
            await session.commit()
    except Refused as exc:
        return _back(request, subscriber_id, str(exc), error=True)
    return _back(
        request,
        subscriber_id,
        N_("Demand received on %(day)s: termination for non-payment allowed from %(from)s."),
        params={"day": received_on.isoformat(), "from": str(result.termination_allowed_from)},
    )


@desk.post("/subscribers/{subscriber_id}/contracts/{contract_id}/decision")
async def record_decision(
    subscriber_id: RowId,
    contract_id: RowId,
    request: Request,
    reduced_to: Yen,
    decision_reason: Annotated[str, Form(min_length=1, max_length=300)],
    end: Day,
    reason: Annotated[Reason, Form()],
    removal: Yen = 0,
    notified: Annotated[dt.date | None, Form(ge=FIRST_DAY, le=LAST_DAY)] = None,
) -> RedirectResponse:
    """The company's decision to reduce or waive the fee for a truly unavoidable reason (seed 002 art. 11);
    back to the preview."""
    actor = actor_of(request)
    preview = Preview(contract_id, end, reason, removal, notified)
    try:
        async with request.app.state.sessions() as session:
            await _contract_of(session, subscriber_id, contract_id)
            await closing.record_decision(
                session=session,
                contract_id=contract_id,
                reduced_to=reduced_to,
                reason=decision_reason.strip(),
                decided_by=actor,
            )
            audit.changed(
                session, actor, f"contract:{contract_id}",
                f"fee decision: reduced to {reduced_to} yen ({decision_reason.strip()})",
            )  # fmt: skip
            await session.commit()
    except (Refused, ValueError) as exc:
        return _back(request, subscriber_id, str(exc), error=True, query=preview.query())
    return _back(
        request,
        subscriber_id,
        N_("Decision recorded: the fee is reduced to %(amount)s yen."),
        params={"amount": f"{reduced_to:,}"},
        query=preview.query(),
    )


@desk.post("/subscribers/{subscriber_id}/contracts/{contract_id}/cancellation")
async def confirm_cancellation(
    subscriber_id: RowId,
    contract_id: RowId,
    request: Request,
    end: Day,
    reason: Annotated[Reason, Form()],
    removal: Yen = 0,
    notified: Annotated[dt.date | None, Form(ge=FIRST_DAY, le=LAST_DAY)] = None,
) -> RedirectResponse:
    """End the contract as previewed; refused while a decision is pending or once it has ended."""
    actor = actor_of(request)
    preview = Preview(contract_id, end, reason, removal, notified)
    try:
        async with request.app.state.sessions() as session:
            await _contract_of(session, subscriber_id, contract_id)
            settled = await closing.confirm_cancellation(
                session=session,
                contract_id=contract_id,
                terminated_on=end,
                reason=reason,
                removal_cost=removal,
                notified_on=notified,
                confirmed_by=actor,
            )
            audit.changed(
                session, actor, f"contract:{contract_id}",
                f"cancelled on {end} ({settled.reason.value}): total {settled.total} yen",
            )  # fmt: skip
            await session.commit()
    except (Refused, ValueError) as exc:
        return _back(request, subscriber_id, str(exc), error=True, query=preview.query())
    return _back(
        request,
        subscriber_id,
        N_("Contract ended on %(day)s; the subscriber owes %(total)s yen."),
        params={"day": end.isoformat(), "total": f"{settled.total or 0:,}"},
    )


@desk.post("/billing/run")
async def billing_run(
    request: Request, subscriber_id: Annotated[int, Form(ge=1, le=2**63 - 1)]
) -> RedirectResponse:
    """Issue this month's invoices: the same run as ``control-center billing run`` (once per period)."""
    today = tokyo_today(utcnow())
    async with request.app.state.sessions() as session:
        created = await billing.run(session=session, on=today)
        audit.changed(session, actor_of(request), "billing", f"run {today}: {len(created)} invoices issued")
        await session.commit()
    return _back(
        request, subscriber_id, N_("%(count)s invoice(s) issued for %(day)s."),
        params={"count": len(created), "day": today.isoformat()},
    )  # fmt: skip
