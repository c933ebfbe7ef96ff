"""Electronic signing on the database: signers and their certificates, the checks before signing
(password, one-time code by e-mail, signing PIN), consent to electronic delivery, the signed originals,
their verification, search, revocation and re-issue.

The signer lock is not the login throttle of the center's staff (``control_center/access/lockout.py``),
on purpose. ``LOCK_AFTER`` wrong secrets in a row (password, one-time code or PIN, counted on the
signer) lock the signer, with no time limit, until the center clears the count (``failed_attempts``;
no page or command does that yet); a one-time code is spent after ``CODE_TRIES`` wrong tries:

- The PIN guards a signing key, as a smart card's does: a lock that lifted itself after a while would
  give whoever has the password a fresh round of PIN guesses every time, without end. A staff login's
  block expires because an operator of a 24-hour center must get back in without waiting for anyone.
- A signature is rare and never urgent: a locked signer can call the center; a locked-out operator
  cannot answer alarms.
- A one-time code is 6 random digits for 10 minutes: five tries bound a guess to five in a million,
  and a new code needs the password again; it needs no blocks that double and expire.
- What the throttle keeps apart (guesses per address, per login, and per login from one address, so
  nobody can lock a user out from elsewhere) the signer lock does not: anyone who knows a signer's
  login can lock it (docs/security.md, known limits).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, undefer

from billing import retention, terms
from billing.esign import ca, document, pades, reading
from billing.esign.models import (
    ContractSigner,
    DeliveryConsent,
    RevokedCertificate,
    SignedDocument,
    SigningAuthority,
    SigningCode,
)
from billing.models import Contract, EndNotice
from control_center.access.hashing import off_loop
from control_center.access.passwords import check as check_password
from control_center.access.passwords import hash_password
from control_center.core import audit
from control_center.core.i18n import N_
from control_center.core.mail import Mailer, Message
from control_center.core.secret_box import SecretBox
from control_center.subscribers.models import Subscriber

ROLES = ("authority", "delegate", "viewer")
MAY_SIGN = {"authority", "delegate"}
# Seed 000 (ユーザー登録の役割): every role is ユーザー登録担当者, who may add general users (一般利用者);
# only the contract authority (契約責任者) may add authorities and delegates.
MAY_ADD = {"authority": {"authority", "delegate", "viewer"}, "delegate": {"viewer"}, "viewer": {"viewer"}}
CODE_LIFETIME = dt.timedelta(minutes=10)
LOCK_AFTER = 5  # wrong passwords, codes or PINs in a row lock the signer (see the module docstring)
CODE_TRIES = 5  # wrong tries spend a one-time code
RETAIN_YEARS_AFTER_EXPIRY = retention.RETAIN_YEARS  # kept 7 years after the contract's actual end
KEY_PURPOSE, CA_PURPOSE, TSA_PURPOSE = "esign-signer-key", "esign-ca-key", "esign-tsa-key"
_pins = PasswordHasher()
# What a signer may be told (the signing page shows them through the catalogs).
REFUSALS = (
    N_("wrong login or password"), N_("this signer is locked: ask the center to unlock it"),
    N_("a general user may view documents but not sign"), N_("no such contract for this signer"),
    N_("this signer's certificate was revoked: it must be re-issued before signing"),
    N_("no consent to electronic delivery is on record"), N_("this contract is already signed"),
    N_("no valid one-time code: request a new one"), N_("wrong one-time code"), N_("wrong signing PIN"),
)  # fmt: skip


class SigningRefused(Exception):
    """Why nothing was signed (or changed); the message is for the person trying."""


# --- the authority ---------------------------------------------------------------------------------------


async def authority(*, session: AsyncSession, box: SecretBox, at: dt.datetime) -> SigningAuthority:
    found = await session.scalar(select(SigningAuthority).order_by(SigningAuthority.id).limit(1))
    if found is not None:
        return found
    root = ca.new_ca(at)
    tsa = ca.issue_tsa(root.cert, root.key_pem, at)
    found = SigningAuthority(
        ca_cert_pem=ca.cert_pem(root.cert),
        ca_key_sealed=box.seal(root.key_pem, purpose=CA_PURPOSE),
        tsa_cert_pem=ca.cert_pem(tsa.cert),
        tsa_key_sealed=box.seal(tsa.key_pem, purpose=TSA_PURPOSE),
        created_at=at,
    )
    session.add(found)
    await session.flush()
    return found


def _open(box: SecretBox, sealed: str, purpose: str) -> bytes:
    plain = box.open(sealed, purpose=purpose)
    if plain is None:
        raise SigningRefused("a signing key cannot be opened with this center's key")
    return plain


async def revocation_list(*, session: AsyncSession, box: SecretBox, at: dt.datetime) -> bytes:
    root = await authority(session=session, box=box, at=at)
    revoked = [(int(r.serial), r.revoked_at) for r in await session.scalars(select(RevokedCertificate))]
    return ca.crl(ca.load_cert(root.ca_cert_pem), _open(box, root.ca_key_sealed, CA_PURPOSE), revoked, at)


def timestamper(root: SigningAuthority, box: SecretBox, tsa_url: str | None):
    if tsa_url:
        return pades.url_tsa(tsa_url)
    return pades.in_process_tsa(
        ca.load_cert(root.tsa_cert_pem),
        _open(box, root.tsa_key_sealed, TSA_PURPOSE),
        ca.load_cert(root.ca_cert_pem),
    )


# --- signers ---------------------------------------------------------------------------------------------


async def _issue(
    session: AsyncSession, box: SecretBox, signer: ContractSigner, pin: str, at: dt.datetime
) -> None:
    if not (pin.isdigit() and 6 <= len(pin) <= 12):
        raise SigningRefused("a signing PIN is 6 to 12 digits")
    root = await authority(session=session, box=box, at=at)
    issued = ca.issue_signer(
        ca.load_cert(root.ca_cert_pem), _open(box, root.ca_key_sealed, CA_PURPOSE), signer.name, pin, at
    )
    signer.pin_hash = await off_loop(_pins.hash, pin)
    signer.key_sealed = box.seal(issued.key_pem, purpose=KEY_PURPOSE)
    signer.cert_pem, signer.cert_serial = ca.cert_pem(issued.cert), str(issued.cert.serial_number)


async def add_signer(
    *,
    session: AsyncSession,
    box: SecretBox,
    subscriber_id: int,
    login: str,
    name: str,
    email: str,
    role: str,
    password: str,
    pin: str | None,
    actor: str,
    at: dt.datetime,
    added_by: ContractSigner | None = None,
) -> ContractSigner:
    """Staff add a subscriber's first contract authority; after that, signers add their own users."""
    if role not in ROLES:
        raise SigningRefused(f"unknown role {role!r}")
    if added_by is not None and (
        added_by.subscriber_id != subscriber_id or role not in MAY_ADD[added_by.role]
    ):
        raise SigningRefused(f"a {added_by.role} may not add a {role}")
    if await session.get(Subscriber, subscriber_id) is None:
        raise LookupError(f"subscriber {subscriber_id} not found")
    login = login.strip().lower()
    if await session.scalar(select(ContractSigner.id).where(ContractSigner.login == login)):
        raise SigningRefused(f"login {login!r} is taken")
    try:
        password_hash = await hash_password(password)
    except ValueError as exc:
        raise SigningRefused(str(exc)) from exc
    signer = ContractSigner(
        subscriber_id=subscriber_id,
        login=login,
        name=name.strip() or login,
        email=email.strip(),
        role=role,
        password_hash=password_hash,
        created_by=actor,
        created_at=at,
    )
    if role in MAY_SIGN:
        if pin is None:
            raise SigningRefused("a signer needs a signing PIN")
        await _issue(session, box, signer, pin, at)
    session.add(signer)
    await session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="create",
        subject=f"signer:{signer.id}",
        at=at,
        detail=f"{login} as {role} for subscriber {subscriber_id}",
    )
    return signer


async def signed_in(*, session: AsyncSession, login: str, password: str, at: dt.datetime) -> ContractSigner:
    """The signer behind a login and password; failures count toward the lock."""
    signer = await session.scalar(select(ContractSigner).where(ContractSigner.login == login.strip().lower()))
    if signer is None:
        await check_password(password, None)
        raise SigningRefused("wrong login or password")
    if not signer.active or signer.failed_attempts >= LOCK_AFTER:
        raise SigningRefused("this signer is locked: ask the center to unlock it")
    if not await check_password(password, signer.password_hash):
        await _failed(session, signer, at, "password")
        raise SigningRefused("wrong login or password")
    return signer


async def _failed(session: AsyncSession, signer: ContractSigner, at: dt.datetime, what: str) -> None:
    signer.failed_attempts += 1
    audit.record(
        session=session,
        actor=signer.login,
        action="signing_refused",
        subject=f"signer:{signer.id}",
        at=at,
        detail=what,
    )
    await session.commit()


async def revoke(*, session: AsyncSession, signer_id: int, reason: str, actor: str, at: dt.datetime) -> None:
    """Credentials leaked: the certificate goes on the CRL and the key is destroyed; signing stops."""
    signer = await session.get(ContractSigner, signer_id)
    if signer is None:
        raise LookupError(f"signer {signer_id} not found")
    if signer.cert_serial is None:
        raise SigningRefused("this signer has no certificate to revoke")
    session.add(
        RevokedCertificate(serial=signer.cert_serial, signer_id=signer.id, revoked_at=at, reason=reason[:200])
    )
    signer.cert_serial, signer.cert_pem, signer.key_sealed, signer.pin_hash = None, None, None, None
    audit.record(
        session=session,
        actor=actor,
        action="certificate_revoked",
        subject=f"signer:{signer.id}",
        at=at,
        detail=reason[:200],
    )


async def reissue(
    *,
    session: AsyncSession,
    box: SecretBox,
    login: str,
    password: str,
    code: str,
    new_pin: str,
    at: dt.datetime,
) -> ContractSigner:
    """A new key and certificate after a revocation, with a new PIN; needs the password and a mailed code."""
    signer = await signed_in(session=session, login=login, password=password, at=at)
    if signer.role not in MAY_SIGN:
        raise SigningRefused("a general user has no signing certificate")
    if signer.cert_serial is not None:
        raise SigningRefused("the current certificate is valid; revoke it first")
    await _use_code(session, signer, None, code, at)
    await _issue(session, box, signer, new_pin, at)
    signer.failed_attempts = 0
    audit.record(
        session=session, actor=signer.login, action="certificate_issued", subject=f"signer:{signer.id}", at=at
    )
    return signer


# --- consent to electronic delivery ----------------------------------------------------------------------


async def consent_in_force(*, session: AsyncSession, subscriber_id: int) -> DeliveryConsent | None:
    return await session.scalar(
        select(DeliveryConsent)
        .where(DeliveryConsent.subscriber_id == subscriber_id, DeliveryConsent.withdrawn_at.is_(None))
        .order_by(DeliveryConsent.id.desc())
        .limit(1)
    )


async def set_consent(
    *, session: AsyncSession, subscriber_id: int, given: bool, actor: str, at: dt.datetime
) -> None:
    current = await consent_in_force(session=session, subscriber_id=subscriber_id)
    if given and current is None:
        session.add(DeliveryConsent(subscriber_id=subscriber_id, given_at=at, given_by=actor))
    elif not given and current is not None:
        current.withdrawn_at, current.withdrawn_by = at, actor
    audit.record(
        session=session,
        actor=actor,
        action="consent_given" if given else "consent_withdrawn",
        subject=f"subscriber:{subscriber_id}",
        at=at,
    )


# --- one-time codes and signing --------------------------------------------------------------------------


async def send_code(
    *,
    session: AsyncSession,
    login: str,
    password: str,
    contract_id: int | None,
    mailer: Mailer,
    at: dt.datetime,
) -> None:
    """After the password: a 6-digit code by e-mail, valid 10 minutes, for one signing (or a re-issue)."""
    signer = await signed_in(session=session, login=login, password=password, at=at)
    if signer.role not in MAY_SIGN:
        raise SigningRefused("a general user may view documents but not sign")
    if contract_id is not None:
        await _contract_of(session, signer, contract_id)
    code = f"{secrets.randbelow(1_000_000):06d}"
    await session.execute(  # a new code replaces any earlier one still open
        update(SigningCode)
        .where(SigningCode.signer_id == signer.id, SigningCode.used_at.is_(None))
        .values(used_at=at)
    )
    session.add(
        SigningCode(
            signer_id=signer.id,
            contract_id=contract_id,
            code_hash=await off_loop(_pins.hash, code),
            expires_at=at + CODE_LIFETIME,
        )
    )
    await session.commit()
    await mailer.send(
        Message(
            to=signer.email,
            subject="【電子契約】ワンタイムコードのお知らせ",
            body=f"{signer.name} 様\n\nワンタイムコード: {code}\n有効期限: 10分\n"
            "お心当たりのない場合は、このメールを破棄し、コントロールセンターへご連絡ください。\n",
        )
    )


async def _use_code(
    session: AsyncSession, signer: ContractSigner, contract_id: int | None, code: str, at: dt.datetime
) -> None:
    pending = await session.scalar(
        select(SigningCode)
        .where(
            SigningCode.signer_id == signer.id,
            SigningCode.used_at.is_(None),
            SigningCode.expires_at > at,
            SigningCode.contract_id.is_(None)
            if contract_id is None
            else SigningCode.contract_id == contract_id,
        )
        .order_by(SigningCode.id.desc())
        .limit(1)
    )
    if pending is None or pending.attempts >= CODE_TRIES:
        raise SigningRefused("no valid one-time code: request a new one")
    try:
        await off_loop(_pins.verify, pending.code_hash, code.strip())
    except (VerificationError, InvalidHashError):
        pending.attempts += 1
        await _failed(session, signer, at, "one-time code")
        raise SigningRefused("wrong one-time code") from None
    pending.used_at = at


async def _contract_of(session: AsyncSession, signer: ContractSigner, contract_id: int) -> Contract:
    contract = await session.get(Contract, contract_id)
    if contract is None or contract.subscriber_id != signer.subscriber_id:
        raise SigningRefused("no such contract for this signer")
    return contract


async def sign_contract(
    *,
    session: AsyncSession,
    box: SecretBox,
    contract_id: int,
    login: str,
    password: str,
    code: str,
    pin: str,
    at: dt.datetime,
    tsa_url: str | None = None,
) -> SignedDocument:
    signer = await signed_in(session=session, login=login, password=password, at=at)
    if signer.role not in MAY_SIGN:
        raise SigningRefused("a general user may view documents but not sign")
    if signer.cert_serial is None or signer.key_sealed is None or signer.pin_hash is None:
        raise SigningRefused("this signer's certificate was revoked: it must be re-issued before signing")
    contract = await _contract_of(session, signer, contract_id)
    if await consent_in_force(session=session, subscriber_id=signer.subscriber_id) is None:
        raise SigningRefused("no consent to electronic delivery is on record")
    if await session.scalar(select(SignedDocument.id).where(SignedDocument.contract_id == contract_id)):
        raise SigningRefused("this contract is already signed")
    await _use_code(session, signer, contract_id, code, at)
    try:
        await off_loop(_pins.verify, signer.pin_hash, pin)
    except (VerificationError, InvalidHashError):
        await _failed(session, signer, at, "PIN")
        raise SigningRefused("wrong signing PIN") from None

    # The very text the signer read (reading.contract_text): the same bytes are signed.
    text = await reading.contract_text(session=session, contract_id=contract.id)
    try:
        pdf = document.render(text)
    except document.FontMissing as exc:
        raise SigningRefused(str(exc)) from exc
    root = await authority(session=session, box=box, at=at)
    signed = await asyncio.to_thread(  # pyHanko runs its own event loop; CPU work off ours too
        pades.sign,
        pdf,
        signer_cert=ca.load_cert(signer.cert_pem),
        signer_key_pem=_open(box, signer.key_sealed, KEY_PURPOSE),
        pin=pin,
        ca=ca.load_cert(root.ca_cert_pem),
        timestamper=timestamper(root, box, tsa_url),
        signer_name=signer.name,
    )
    stored = SignedDocument(
        contract_id=contract.id,
        signer_id=signer.id,
        signed_at=at,
        counterparty=text.subscriber,
        amount=contract.monthly_fee,
        sha256=hashlib.sha256(signed).hexdigest(),
        pdf=signed,
        signer_cert_serial=signer.cert_serial,
        retain_until=retention.retain_until(await _end_of(session, contract, at.date())),
    )
    signer.failed_attempts = 0
    session.add(stored)
    await session.flush()
    audit.record(
        session=session,
        actor=signer.login,
        action="signed",
        subject=f"contract:{contract.id}",
        at=at,
        detail=f"document {stored.id} sha256 {stored.sha256[:16]}…",
    )
    await session.commit()
    return stored


# --- the originals ---------------------------------------------------------------------------------------


async def _end_of(session: AsyncSession, contract: Contract, on: dt.date) -> dt.date:
    """The contract's actual end, or while it runs the expiry of the term in force on ``on``."""
    if contract.terminated_on is not None:
        return contract.terminated_on
    notices = await session.scalars(select(EndNotice.received_on).where(EndNotice.contract_id == contract.id))
    return terms.expiry_on(contract.service_start, on, list(notices))


async def refresh_retention(*, session: AsyncSession, on: dt.date) -> int:
    """Move each original's retention date to 7 years after its contract's actual end (or the current
    term's expiry while it runs): renewals push it later, an early termination brings it forward.
    Returns how many changed; the caller commits."""
    changed = 0
    rows = await session.execute(
        select(SignedDocument, Contract)
        .join(Contract, Contract.id == SignedDocument.contract_id)
        .options(defer(SignedDocument.pdf))
    )
    for stored, contract in rows.all():
        until = retention.retain_until(await _end_of(session, contract, on))
        if stored.retain_until != until:
            stored.retain_until = until
            changed += 1
    return changed


@dataclass(frozen=True)
class DocumentState:
    verification: pades.Verification
    revoked_at: dt.datetime | None  # the signer's certificate was revoked later (the signature stands)

    @property
    def ok(self) -> bool:
        return self.verification.ok


async def verify_document(
    *, session: AsyncSession, box: SecretBox, document_id: int, at: dt.datetime
) -> DocumentState:
    """Integrity, signature, chain to our CA and the timestamp. A certificate revoked after the
    timestamp does not undo the signature (PAdES point-in-time); it is reported beside it."""
    stored = await _with_bytes(session, document_id)
    root = await authority(session=session, box=box, at=at)
    result = await asyncio.to_thread(pades.verify, stored.pdf, ca.load_cert(root.ca_cert_pem))
    revoked = await session.get(RevokedCertificate, stored.signer_cert_serial)
    return DocumentState(result, revoked.revoked_at if revoked else None)


@dataclass(frozen=True)
class Search:
    signed_from: dt.datetime | None = None
    signed_to: dt.datetime | None = None
    counterparty: str | None = None  # part of the name
    amount_min: int | None = None
    amount_max: int | None = None


async def search(*, session: AsyncSession, criteria: Search, limit: int = 500) -> list[SignedDocument]:
    query = (
        select(SignedDocument)
        .options(defer(SignedDocument.pdf))
        .order_by(SignedDocument.signed_at.desc())
        .limit(limit)
    )
    if criteria.signed_from:
        query = query.where(SignedDocument.signed_at >= criteria.signed_from)
    if criteria.signed_to:
        query = query.where(SignedDocument.signed_at < criteria.signed_to)
    if criteria.counterparty:
        query = query.where(SignedDocument.counterparty.contains(criteria.counterparty, autoescape=True))
    if criteria.amount_min is not None:
        query = query.where(SignedDocument.amount >= criteria.amount_min)
    if criteria.amount_max is not None:
        query = query.where(SignedDocument.amount <= criteria.amount_max)
    return list(await session.scalars(query))


async def copy_of(*, session: AsyncSession, document_id: int, actor: str, at: dt.datetime) -> SignedDocument:
    """A download: the master's bytes, and the download on the record."""
    stored = await _with_bytes(session, document_id)
    audit.record(
        session=session,
        actor=actor,
        action="download",
        subject=f"contract:{stored.contract_id}",
        at=at,
        detail=f"document {stored.id}",
    )
    await session.commit()
    return stored


async def of_contract(*, session: AsyncSession, contract_id: int) -> SignedDocument | None:
    return await session.scalar(
        select(SignedDocument)
        .options(defer(SignedDocument.pdf))
        .where(SignedDocument.contract_id == contract_id)
    )


async def record_of(*, session: AsyncSession, document_id: int) -> SignedDocument:
    """The original's record without its bytes."""
    found = await session.scalar(
        select(SignedDocument).options(defer(SignedDocument.pdf)).where(SignedDocument.id == document_id)
    )
    if found is None:
        raise LookupError(f"document {document_id} not found")
    return found


async def _with_bytes(session: AsyncSession, document_id: int) -> SignedDocument:
    found = await session.scalar(
        select(SignedDocument)
        .options(undefer(SignedDocument.pdf))
        .where(SignedDocument.id == document_id)
        .execution_options(populate_existing=True)  # it may be in the session without its bytes
    )
    if found is None:
        raise LookupError(f"document {document_id} not found")
    return found
