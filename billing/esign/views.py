"""Electronic signing on the web: the staff API (signers, consent, revocation, the originals and their
search), the signers' own endpoints (authenticated by their password, code and PIN), their signing
page, and the CA's revocation list. Also the billing API's contract (``GET /api/billing/contracts/{id}``):
it shows whether the contract is signed, and signing builds on billing, not the other way round."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from billing import service as billing
from billing.esign import document as contract_document
from billing.esign import reading, service
from billing.esign.contract_sections import sections
from billing.esign.service import Search, SigningRefused
from billing.models import Contract
from billing.views import contract_json
from control_center.access.guard import allowed, require
from control_center.access.roles import Permission
from control_center.access.service import Principal
from control_center.core import audit
from control_center.core.db import utcnow
from control_center.core.i18n import N_
from control_center.core.timezones import TOKYO, tokyo_today
from control_center.web.api_types import MAX_ID, RowId
from control_center.web.rendering import render

staff = APIRouter(prefix="/api/esign", tags=["electronic signing"])
signers_api = APIRouter(prefix="/esign/api", tags=["electronic signing (signers)"])
pages = APIRouter(prefix="/esign", include_in_schema=False)
contracts = APIRouter(
    prefix="/api/billing", tags=["billing"], dependencies=[allowed(Permission.CONTRACTS_READ)]
)  # beside billing/views.py's router: same prefix, tag and permission

Reader = Annotated[Principal, Depends(require(Permission.CONTRACTS_READ))]
Writer = Annotated[Principal, Depends(require(Permission.CONTRACTS_WRITE))]
WORDS = (
    N_("authority"),
    N_("delegate"),
    N_("viewer"),
    N_("signed"),
    N_("download"),
    N_("certificate_revoked"),
    N_("certificate_issued"),
    N_("consent_given"),
    N_("consent_withdrawn"),
    N_("signing_refused"),
    N_("Confirm that you have read the contract and the explanation of important matters."),
)


def _refused(exc: SigningRefused) -> HTTPException:
    return HTTPException(status_code=403, detail=str(exc))


class SignerIn(BaseModel):
    subscriber_id: int = Field(ge=1, le=MAX_ID)
    login: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
    role: str = Field(pattern="^(authority|delegate|viewer)$")
    password: str = Field(min_length=10, max_length=200)
    pin: str | None = Field(default=None, pattern=r"^[0-9]{6,12}$")


class Credentials(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class CodeIn(Credentials):
    contract_id: int | None = Field(default=None, ge=1, le=MAX_ID)  # None: a code for re-issuing


class SignIn(Credentials):
    code: str = Field(pattern=r"^[0-9]{6}$")
    pin: str = Field(pattern=r"^[0-9]{6,12}$")


class ReissueIn(Credentials):
    code: str = Field(pattern=r"^[0-9]{6}$")
    new_pin: str = Field(pattern=r"^[0-9]{6,12}$")


class AddUserIn(Credentials):
    new: SignerIn


class ConsentIn(BaseModel):
    given: bool


class ConsentBySignerIn(Credentials):
    given: bool


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


def _signed_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "contract_id": d.contract_id,
        "signed_at": d.signed_at.isoformat(),
        "counterparty": d.counterparty,
        "amount": d.amount,
        "sha256": d.sha256,
        "signer": d.signer.name,
        "retain_until": d.retain_until.isoformat(),
    }


# --- the billing API's contract -------------------------------------------------------------------


@contracts.get(
    "/contracts/{contract_id}", summary="A contract, its invoices and what ending it today would cost"
)
async def contract(contract_id: RowId, request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        row = await billing.load(session=session, contract_id=contract_id)
        if row is None:
            raise HTTPException(status_code=404, detail=f"contract {contract_id} not found")
        signed = await service.of_contract(session=session, contract_id=contract_id)
        state = (
            await service.verify_document(
                session=session,
                box=request.app.state.secret_box,
                document_id=signed.id,
                at=utcnow(),
            )
            if signed
            else None
        )
    today = tokyo_today(utcnow())
    return {
        "signed_document": {
            "id": signed.id,
            "signed_at": signed.signed_at.isoformat(),
            "sha256": signed.sha256,
            "verified": state.ok,
        }
        if signed and state
        else None,
        **contract_json(row, today),
    }


# --- staff ----------------------------------------------------------------------------------------


@staff.post(
    "/signers", status_code=201, summary="Add a subscriber's signer (usually the first contract authority)"
)
async def add_signer(body: SignerIn, request: Request, principal: Writer) -> dict[str, Any]:
    try:
        async with request.app.state.sessions() as session:
            signer = await service.add_signer(
                session=session,
                box=request.app.state.secret_box,
                actor=principal.actor,
                at=utcnow(),
                **body.model_dump(),
            )
            await session.commit()
    except SigningRefused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return {"id": signer.id, "login": signer.login, "role": signer.role, "cert_serial": signer.cert_serial}


@staff.post("/signers/{signer_id}/revoke", summary="Revoke a signer's certificate (leaked credentials)")
async def revoke(signer_id: RowId, body: RevokeIn, request: Request, principal: Writer) -> dict[str, str]:
    try:
        async with request.app.state.sessions() as session:
            await service.revoke(
                session=session, signer_id=signer_id, reason=body.reason, actor=principal.actor, at=utcnow()
            )
            await session.commit()
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except SigningRefused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return {"status": "revoked"}


@staff.put("/consents/{subscriber_id}", summary="Record (or withdraw) consent to electronic delivery")
async def consent(
    subscriber_id: RowId, body: ConsentIn, request: Request, principal: Writer
) -> dict[str, bool]:
    async with request.app.state.sessions() as session:
        await service.set_consent(
            session=session, subscriber_id=subscriber_id, given=body.given, actor=principal.actor, at=utcnow()
        )
        await session.commit()
        return {
            "consent": await service.consent_in_force(session=session, subscriber_id=subscriber_id)
            is not None
        }


def _jst_day(day: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1 if next_day else 0), dt.time(), TOKYO).astimezone(
        dt.UTC
    )


@staff.get("/documents", summary="Search signed contracts by JST date, counterparty and amount (combinable)")
async def documents(
    request: Request,
    principal: Reader,
    signed_from: dt.date | None = Query(None, alias="from", ge=dt.date(2000, 1, 1), le=dt.date(2100, 1, 1)),
    signed_to: dt.date | None = Query(None, alias="to", ge=dt.date(2000, 1, 1), le=dt.date(2100, 1, 1)),
    counterparty: str | None = Query(None, max_length=100),
    amount_min: int | None = Query(None, ge=0, le=10**12),
    amount_max: int | None = Query(None, ge=0, le=10**12),
) -> list[dict[str, Any]]:
    criteria = Search(
        _jst_day(signed_from),
        _jst_day(signed_to, next_day=True),
        counterparty or None,
        amount_min,
        amount_max,
    )
    async with request.app.state.sessions() as session:
        return [_signed_json(d) for d in await service.search(session=session, criteria=criteria)]


@staff.get("/documents/{document_id}", summary="A signed original's record and its verification now")
async def document(document_id: RowId, request: Request, principal: Reader) -> dict[str, Any]:
    now = utcnow()
    async with request.app.state.sessions() as session:
        try:
            state = await service.verify_document(
                session=session, box=request.app.state.secret_box, document_id=document_id, at=now
            )
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        row = await service.record_of(session=session, document_id=document_id)
        audit.viewed(
            session, principal.actor, f"contract:{row.contract_id}", f"document {document_id}", at=now
        )
        await session.commit()
    v = state.verification
    return _signed_json(row) | {
        "verification": {
            "ok": state.ok,
            "intact": v.intact,
            "signature_valid": v.valid,
            "trusted": v.trusted,
            "timestamp_valid": v.timestamp_valid,
            "timestamp": v.signed_at.isoformat() if v.signed_at else None,
            "signer": v.signer,
            "problem": v.problem,
            "certificate_revoked_later": state.revoked_at.isoformat() if state.revoked_at else None,
        },
    }


@staff.get(
    "/documents/{document_id}/pdf",
    summary="A copy of the signed original (the download is logged)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def download(document_id: RowId, request: Request, principal: Reader) -> Response:
    async with request.app.state.sessions() as session:
        try:
            stored = await service.copy_of(
                session=session, document_id=document_id, actor=principal.actor, at=utcnow()
            )
        except LookupError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
    return Response(
        stored.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="contract-{stored.contract_id}-signed.pdf"'},
    )


@pages.get("/crl.der", include_in_schema=False)
async def crl(request: Request) -> Response:
    """The CA's revocation list, for anyone checking a signed contract with their own reader."""
    async with request.app.state.sessions() as session:
        body = await service.revocation_list(session=session, box=request.app.state.secret_box, at=utcnow())
        await session.commit()
    return Response(body, media_type="application/pkix-crl")


# --- the signers themselves -----------------------------------------------------------------------


@signers_api.post("/code", status_code=202, summary="After the password: a one-time code by e-mail")
async def send_code(body: CodeIn, request: Request) -> dict[str, str]:
    try:
        async with request.app.state.sessions() as session:
            await service.send_code(
                session=session,
                login=body.login,
                password=body.password,
                contract_id=body.contract_id,
                mailer=request.app.state.mailer,
                at=utcnow(),
            )
    except SigningRefused as exc:
        raise _refused(exc) from exc
    return {"status": "sent"}


async def _sign(request: Request, contract_id: int, body: SignIn) -> Any:
    async with request.app.state.sessions() as session:
        return await service.sign_contract(
            session=session,
            box=request.app.state.secret_box,
            contract_id=contract_id,
            login=body.login,
            password=body.password,
            code=body.code,
            pin=body.pin,
            at=utcnow(),
            tsa_url=request.app.state.settings.esign_tsa_url,
        )


@signers_api.post(
    "/contracts/{contract_id}/sign", status_code=201, summary="Sign the contract and explanation"
)
async def sign(contract_id: RowId, body: SignIn, request: Request) -> dict[str, Any]:
    try:
        stored = await _sign(request, contract_id, body)
    except SigningRefused as exc:
        raise _refused(exc) from exc
    return {"document_id": stored.id, "sha256": stored.sha256, "signed_at": stored.signed_at.isoformat()}


@signers_api.post("/users", status_code=201, summary="A contract authority or delegate adds a user")
async def add_user(body: AddUserIn, request: Request) -> dict[str, Any]:
    try:
        async with request.app.state.sessions() as session:
            me = await service.signed_in(
                session=session, login=body.login, password=body.password, at=utcnow()
            )
            new = body.new.model_dump() | {"subscriber_id": me.subscriber_id}
            signer = await service.add_signer(
                session=session,
                box=request.app.state.secret_box,
                actor=me.login,
                at=utcnow(),
                added_by=me,
                **new,
            )
            await session.commit()
    except SigningRefused as exc:
        raise _refused(exc) from exc
    return {"id": signer.id, "login": signer.login, "role": signer.role}


@signers_api.post("/consent", summary="The subscriber gives or withdraws consent to electronic delivery")
async def consent_by_signer(body: ConsentBySignerIn, request: Request) -> dict[str, bool]:
    try:
        async with request.app.state.sessions() as session:
            me = await service.signed_in(
                session=session, login=body.login, password=body.password, at=utcnow()
            )
            await service.set_consent(
                session=session, subscriber_id=me.subscriber_id, given=body.given, actor=me.login, at=utcnow()
            )
            await session.commit()
    except SigningRefused as exc:
        raise _refused(exc) from exc
    return {"consent": body.given}


@signers_api.post(
    "/reissue", summary="A new certificate and PIN after a revocation (password + e-mailed code)"
)
async def reissue(body: ReissueIn, request: Request) -> dict[str, str]:
    try:
        async with request.app.state.sessions() as session:
            signer = await service.reissue(
                session=session,
                box=request.app.state.secret_box,
                login=body.login,
                password=body.password,
                code=body.code,
                new_pin=body.new_pin,
                at=utcnow(),
            )
            await session.commit()
    except SigningRefused as exc:
        raise _refused(exc) from exc
    return {"cert_serial": signer.cert_serial or ""}


# --- the signing page -----------------------------------------------------------------------------


@pages.get("/contracts/{contract_id}")
async def signing_page(contract_id: RowId, request: Request) -> HTMLResponse:
    return render(request, "esign.html", contract_id=contract_id, step="password", error="", login="")


def _code_step(
    request: Request, contract_id: int, login: str, text: Any, ticket: str, consented: bool, error: str = ""
):
    """The second step: the contract and its explanation to read, the consent to electronic delivery when
    none is on record, then the code, the PIN and the signature."""
    return render(
        request,
        "esign.html",
        contract_id=contract_id,
        step="code",
        error=error,
        login=login,
        contract=text,
        sections=sections(text),
        explanation=contract_document.explanation(text),
        ticket=ticket,
        consented=consented,
    )


async def _consented(session: Any, contract_id: int) -> bool:
    contract = await session.get(Contract, contract_id)
    if contract is None:
        return False
    return await service.consent_in_force(session=session, subscriber_id=contract.subscriber_id) is not None


@pages.post("/contracts/{contract_id}/code")
async def signing_code(
    contract_id: RowId,
    request: Request,
    login: str = Form(..., max_length=64),
    password: str = Form(..., max_length=200),
) -> HTMLResponse:
    """After the password: the code is e-mailed, and the signer is shown what they are about to sign."""
    now = utcnow()
    try:
        async with request.app.state.sessions() as session:
            await service.send_code(
                session=session,
                login=login,
                password=password,
                contract_id=contract_id,
                mailer=request.app.state.mailer,
                at=now,
            )
            text = await reading.contract_text(session=session, contract_id=contract_id)
            consented = await _consented(session, contract_id)
    except SigningRefused as exc:
        return render(
            request, "esign.html", contract_id=contract_id, step="password", error=str(exc), login=login
        )
    ticket = reading.ticket(request.app.state.secret_box, login=login, contract_id=contract_id, at=now)
    return _code_step(request, contract_id, login, text, ticket, consented)


@pages.get(
    "/contracts/{contract_id}/document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def document_to_read(
    contract_id: RowId, request: Request, ticket: str = Query(..., max_length=1024)
) -> Response:
    """The contract and the explanation of important matters as the PDF that will be signed, for a signer
    whose password was checked a moment ago (a reading ticket, ``billing/esign/reading.py``)."""
    now = utcnow()
    reader = reading.reader_of(request.app.state.secret_box, ticket, contract_id=contract_id, at=now)
    if reader is None:
        raise HTTPException(
            status_code=403, detail="this link has expired: sign in again to read the contract"
        )
    async with request.app.state.sessions() as session:
        text = await reading.contract_text(session=session, contract_id=contract_id)
        audit.viewed(session, reader, f"contract:{contract_id}", "read before signing")
        await session.commit()
    try:
        pdf = contract_document.render(text)
    except contract_document.FontMissing as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="contract-{contract_id}.pdf"'},
    )


@pages.post("/contracts/{contract_id}/sign")
async def signing_done(
    contract_id: RowId,
    request: Request,
    login: str = Form(..., max_length=64),
    password: str = Form(..., max_length=200),
    code: str = Form(..., max_length=6),
    pin: str = Form(..., max_length=12),
    ticket: str = Form("", max_length=1024),
    read: str = Form("", max_length=10),
    consent: str = Form("", max_length=10),
) -> HTMLResponse:
    """Sign; consent to electronic delivery given here (seed 000 ②: while using the signing service) is
    recorded first, under the signer's checked login and password, and audited."""
    box = request.app.state.secret_box
    error = ""
    if read != "yes":
        error = "Confirm that you have read the contract and the explanation of important matters."
    else:
        try:
            signing = SignIn(login=login, password=password, code=code, pin=pin)
            if consent == "yes":
                async with request.app.state.sessions() as session:
                    me = await service.signed_in(session=session, login=login, password=password, at=utcnow())
                    await service.set_consent(
                        session=session, subscriber_id=me.subscriber_id, given=True, actor=me.login,
                        at=utcnow(),
                    )  # fmt: skip
                    await session.commit()
            stored = await _sign(request, contract_id, signing)
        except (SigningRefused, ValueError) as exc:
            error = str(exc)
    if error:
        if reading.reader_of(box, ticket, contract_id=contract_id, at=utcnow()) != login:
            return render(  # no valid ticket for this signer: back to the password
                request, "esign.html", contract_id=contract_id, step="password", error=error, login=login
            )
        async with request.app.state.sessions() as session:
            text = await reading.contract_text(session=session, contract_id=contract_id)
            consented = await _consented(session, contract_id)
        return _code_step(request, contract_id, login, text, ticket, consented, error)
    return render(
        request, "esign.html", contract_id=contract_id, step="done", error="", login=login, document=stored
    )
