"""Electronic signing: one PAdES signature with a timestamp; the checks before signing; search."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from billing import scheduler
from billing.esign import pades, service
from billing.esign.models import ContractSigner
from billing.esign.service import Search, SigningRefused
from billing.models import Contract
from control_center.core.audit import AuditEntry
from control_center.core.mail import Outbox
from control_center.core.secret_box import SecretBox
from control_center.subscribers.models import Premises, Subscriber

AT = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
BOX_KEY_HEX = bytes(range(32)).hex()
BOX = SecretBox(bytes.fromhex(BOX_KEY_HEX))
PASSWORD, PIN = "correct-horse-battery", "246810"


async def customer(sessions, name: str = "山田 太郎", monthly: int = 5_500) -> tuple[int, int]:
    """A subscriber with premises and a contract; returns (subscriber id, contract id)."""
    async with sessions() as session:
        subscriber = Subscriber(name=name, phone="090-1111-2222", email="yamada@example.jp")
        place = Premises(
            subscriber=subscriber,
            address="愛知県名古屋市中区栄1-1-1",
            lat=35.17,
            lon=136.9,
            phone="052-111-2222",
            house_code_hash="x",
        )
        contract = Contract(
            subscriber=subscriber,
            premises=place,
            plan="rental",
            service_start=dt.date(2026, 12, 1),
            monthly_fee=monthly,
            deposit=20_000,
        )
        session.add(contract)
        await session.commit()
        return subscriber.id, contract.id


async def authority_for(sessions, subscriber_id: int, login: str = "yamada", consent: bool = True) -> None:
    async with sessions() as session:
        await service.add_signer(
            session=session,
            box=BOX,
            subscriber_id=subscriber_id,
            login=login,
            name="山田 太郎",
            email="yamada@example.jp",
            role="authority",
            password=PASSWORD,
            pin=PIN,
            actor="clerk",
            at=AT,
        )
        if consent:
            await service.set_consent(
                session=session, subscriber_id=subscriber_id, given=True, actor="clerk", at=AT
            )
        await session.commit()


async def code_for(sessions, login: str, contract_id: int | None, outbox: Outbox) -> str:
    async with sessions() as session:
        await service.send_code(
            session=session, login=login, password=PASSWORD, contract_id=contract_id, mailer=outbox, at=AT
        )
    return re.search(r"ワンタイムコード: (\d{6})", outbox.sent[-1].body).group(1)


async def sign(
    sessions, contract_id: int, login: str = "yamada", code: str = "", pin: str = PIN, at: dt.datetime = AT
):
    async with sessions() as session:
        return await service.sign_contract(
            session=session,
            box=BOX,
            contract_id=contract_id,
            login=login,
            password=PASSWORD,
            code=code,
            pin=pin,
            at=at,
        )


async def test_sign_verify_then_one_changed_byte_fails(sessions) -> None:
    subscriber_id, contract_id = await customer(sessions)
    await authority_for(sessions, subscriber_id)
    outbox = Outbox()
    stored = await sign(sessions, contract_id, code=await code_for(sessions, "yamada", contract_id, outbox))
    async with sessions() as session:
        state = await service.verify_document(session=session, box=BOX, document_id=stored.id, at=AT)
        root = await service.authority(session=session, box=BOX, at=AT)
    v = state.verification
    assert (v.intact, v.valid, v.trusted, v.timestamp_valid) == (True, True, True, True) and state.ok
    assert (
        v.signer == "山田 太郎"
        and v.signed_at is not None
        and abs(v.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(stored.pdf)).pages)
    assert (
        "重要事項" in text and "5,500円" in text and "山田 太郎" in text
    )  # one document, both parts, Japanese

    changed = bytearray(stored.pdf)
    changed[stored.pdf.index(b"/Title") + 10] ^= 0x01  # one byte inside the signed range
    broken = await asyncio.to_thread(pades.verify, bytes(changed), service.ca.load_cert(root.ca_cert_pem))
    assert not broken.ok and not broken.intact


async def test_wrong_code_or_pin_signs_nothing(sessions) -> None:
    subscriber_id, contract_id = await customer(sessions)
    await authority_for(sessions, subscriber_id)
    outbox = Outbox()
    code = await code_for(sessions, "yamada", contract_id, outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(SigningRefused, match="one-time code"):
        await sign(sessions, contract_id, code=wrong)
    code = await code_for(sessions, "yamada", contract_id, outbox)
    with pytest.raises(SigningRefused, match="PIN"):
        await sign(sessions, contract_id, code=code, pin="999999")
    with pytest.raises(
        SigningRefused, match="one-time code"
    ):  # a code serves once, even if the PIN was wrong
        await sign(sessions, contract_id, code=code)
    async with sessions() as session:
        assert await service.of_contract(session=session, contract_id=contract_id) is None
        signer = await session.scalar(select(ContractSigner))
        refusals = list(
            await session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "signing_refused"))
        )
    assert signer.failed_attempts == 2 and refusals == ["one-time code", "PIN"]
    assert (
        PIN not in signer.pin_hash
        and PASSWORD not in signer.password_hash
        and "$argon2id$" in signer.pin_hash
    )


async def test_five_wrong_secrets_lock_the_signer_with_no_time_limit(sessions) -> None:
    """Unlike a staff login's block (access/lockout.py), the signer lock does not lift by itself."""
    subscriber_id, _ = await customer(sessions)
    await authority_for(sessions, subscriber_id)
    outbox = Outbox()
    for _ in range(service.LOCK_AFTER):
        async with sessions() as session:
            with pytest.raises(SigningRefused, match="wrong login or password"):
                await service.send_code(
                    session=session, login="yamada", password="guess", contract_id=None, mailer=outbox, at=AT
                )
    for later in (dt.timedelta(0), dt.timedelta(days=30)):
        async with sessions() as session:
            with pytest.raises(SigningRefused, match="locked"):
                await service.send_code(
                    session=session,
                    login="yamada",
                    password=PASSWORD,
                    contract_id=None,
                    mailer=outbox,
                    at=AT + later,
                )
    assert outbox.sent == []


async def test_roles_consent_and_revocation(sessions) -> None:
    subscriber_id, contract_id = await customer(sessions)
    await authority_for(sessions, subscriber_id, consent=False)
    outbox = Outbox()
    async with sessions() as session:
        boss = await session.scalar(select(ContractSigner).where(ContractSigner.login == "yamada"))
        await service.add_signer(
            session=session,
            box=BOX,
            subscriber_id=subscriber_id,
            login="clerk1",
            name="経理",
            email="k@example.jp",
            role="viewer",
            password=PASSWORD,
            pin=None,
            actor="yamada",
            at=AT,
            added_by=boss,
        )
        viewer = await session.scalar(select(ContractSigner).where(ContractSigner.login == "clerk1"))
        with pytest.raises(SigningRefused, match="may not add"):
            await service.add_signer(
                session=session,
                box=BOX,
                subscriber_id=subscriber_id,
                login="x",
                name="x",
                email="x@example.jp",
                role="delegate",
                password=PASSWORD,
                pin=PIN,
                actor="clerk1",
                at=AT,
                added_by=viewer,
            )
        await session.commit()
    with pytest.raises(SigningRefused, match="general user"):  # a general user cannot sign
        await code_for(sessions, "clerk1", contract_id, outbox)
    code = await code_for(sessions, "yamada", contract_id, outbox)
    with pytest.raises(SigningRefused, match="consent"):  # no prior consent to electronic delivery
        await sign(sessions, contract_id, code=code)

    async with sessions() as session:
        await service.set_consent(
            session=session, subscriber_id=subscriber_id, given=True, actor="yamada", at=AT
        )
        await service.revoke(
            session=session, signer_id=boss.id, reason="password leaked", actor="clerk", at=AT
        )
        await session.commit()
    with pytest.raises(SigningRefused, match="revoked"):  # a revoked signer cannot sign
        await sign(sessions, contract_id, code=await code_for(sessions, "yamada", contract_id, outbox))
    async with sessions() as session:
        crl = await service.revocation_list(session=session, box=BOX, at=AT)
        await service.reissue(
            session=session,
            box=BOX,
            login="yamada",
            password=PASSWORD,
            code=await code_for(sessions, "yamada", None, outbox),
            new_pin="135790",
            at=AT,
        )
        await session.commit()
    stored = await sign(
        sessions, contract_id, code=await code_for(sessions, "yamada", contract_id, outbox), pin="135790"
    )
    async with sessions() as session:
        assert (await service.verify_document(session=session, box=BOX, document_id=stored.id, at=AT)).ok
    from cryptography import x509

    assert len(list(x509.load_der_x509_crl(crl))) == 1


async def test_search_by_date_counterparty_and_amount(sessions) -> None:
    docs = {}
    for name, monthly, day in [
        ("山田 太郎", 4_800, 1),
        ("山田 花子", 6_800, 5),
        ("佐藤 一郎", 6_800, 9),
        ("鈴木 次郎", 9_800, 12),
    ]:
        subscriber_id, contract_id = await customer(sessions, name, monthly)
        login = f"u{subscriber_id}"
        await authority_for(sessions, subscriber_id, login=login)
        at = dt.datetime(2026, 11, day, 3, tzinfo=dt.UTC)
        docs[name] = (
            await sign(
                sessions, contract_id, login, await code_for(sessions, login, contract_id, Outbox()), at=at
            )
        ).id

    async def found(**criteria) -> set[str]:
        async with sessions() as session:
            rows = await service.search(session=session, criteria=Search(**criteria))
        return {r.counterparty for r in rows}

    nov = dict(
        signed_from=dt.datetime(2026, 11, 4, tzinfo=dt.UTC),
        signed_to=dt.datetime(2026, 11, 10, tzinfo=dt.UTC),
    )
    assert await found(counterparty="山田") == {"山田 太郎", "山田 花子"}
    assert await found(amount_min=6_000, amount_max=7_000) == {"山田 花子", "佐藤 一郎"}
    assert await found(**nov) == {"山田 花子", "佐藤 一郎"}
    assert await found(counterparty="山田", amount_min=6_000, **nov) == {"山田 花子"}
    assert await found(amount_min=10_000) == set()
    assert await found() == set(docs)


async def test_the_staff_api_and_the_signing_page(database_url, sessions, tmp_path) -> None:
    import httpx

    from control_center.app import create_app
    from control_center.core.hub import Hub
    from control_center.core.settings import Settings
    from tests.helpers import add_user

    subscriber_id, contract_id = await customer(sessions)
    _, clerk = await add_user(sessions, "billing_clerk", "tanaka")
    _, operator = await add_user(sessions, "operator", "sato")
    settings = Settings(
        _env_file=None, database_url=database_url, mail_outbox_dir=str(tmp_path), secret_key=BOX_KEY_HEX
    )
    app = create_app(settings, sessions, Hub())
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t", headers=clerk) as staff,
        httpx.AsyncClient(transport=transport, base_url="http://t") as browser,
    ):
        made = await staff.post(
            "/api/esign/signers",
            json={
                "subscriber_id": subscriber_id,
                "login": "yamada",
                "name": "山田 太郎",
                "email": "yamada@example.jp",
                "role": "authority",
                "password": PASSWORD,
                "pin": PIN,
            },
        )
        assert made.status_code == 201 and made.json()["cert_serial"]
        assert (await staff.put(f"/api/esign/consents/{subscriber_id}", json={"given": True})).json() == {
            "consent": True
        }

        page = await browser.get(f"/esign/contracts/{contract_id}")
        asked = await browser.post(
            f"/esign/contracts/{contract_id}/code", data={"login": "yamada", "password": PASSWORD}
        )
        assert page.status_code == 200 and "ワンタイムコード" in asked.text
        code = re.search(r"ワンタイムコード: (\d{6})", app.state.mailer.sent[-1].body).group(1)
        bad_pin = await browser.post(
            f"/esign/contracts/{contract_id}/sign",
            data={"login": "yamada", "password": PASSWORD, "code": code, "pin": "000000", "read": "yes"},
        )
        assert "署名用PINが違います" in bad_pin.text
        await browser.post(
            f"/esign/contracts/{contract_id}/code", data={"login": "yamada", "password": PASSWORD}
        )
        code = re.search(r"ワンタイムコード: (\d{6})", app.state.mailer.sent[-1].body).group(1)
        done = await browser.post(
            f"/esign/contracts/{contract_id}/sign",
            data={"login": "yamada", "password": PASSWORD, "code": code, "pin": PIN, "read": "yes"},
        )
        document_id = int(re.search(r'data-signed="(\d+)"', done.text).group(1))

        found = (
            await staff.get("/api/esign/documents", params={"counterparty": "山田", "amount_min": 5000})
        ).json()
        detail = (await staff.get(f"/api/esign/documents/{document_id}")).json()
        copy = await staff.get(f"/api/esign/documents/{document_id}/pdf")
        contract = (await staff.get(f"/api/billing/contracts/{contract_id}")).json()
        refused = await staff.get("/api/esign/documents", headers=operator)
    assert [d["id"] for d in found] == [document_id]
    assert detail["verification"]["ok"] and detail["verification"]["timestamp_valid"]
    assert copy.content.startswith(b"%PDF") and copy.headers["content-type"] == "application/pdf"
    assert contract["signed_document"]["id"] == document_id and contract["signed_document"]["verified"]
    assert refused.status_code == 403
    async with sessions() as session:
        logged = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.subject == f"contract:{contract_id}")
            )
        )
    assert logged == ["signed", "view", "download"]


async def test_signing_a_contract_whose_expiry_is_29_february(sessions) -> None:
    """Start 2023-03-01 → initial expiry 2028-02-29 (terms, Civil Code art. 143). Signing used to crash on
    ``expiry.replace(year=2035)``; the originals are kept 7 years after the contract's actual end (seed 000:
    電子帳簿保存法で定める期間中は保管), so the date follows the renewals and an early end."""
    subscriber_id, contract_id = await customer(sessions)
    async with sessions() as session:
        contract = await session.get(Contract, contract_id)
        contract.service_start = dt.date(2023, 3, 1)
        await session.commit()
    await authority_for(sessions, subscriber_id)
    stored = await sign(sessions, contract_id, code=await code_for(sessions, "yamada", contract_id, Outbox()))
    assert stored.retain_until == dt.date(2035, 2, 28)  # 2028-02-29 + 7 years; 2035 has no 29 February
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(stored.pdf)).pages)
    assert "2028年02月29日" in text  # the expiry the contract states

    await scheduler.run_once(sessions, dt.date(2028, 6, 1))  # the daily run follows the first renewal
    async with sessions() as session:  # kept 7 years after the renewed term's end
        assert (await service.record_of(session=session, document_id=stored.id)).retain_until == dt.date(
            2036, 2, 28
        )
    async with sessions() as session:  # ended early: 7 years after the actual end, not the expiry
        contract = await session.get(Contract, contract_id)
        contract.terminated_on = dt.date(2025, 6, 30)
        await service.refresh_retention(session=session, on=dt.date(2025, 7, 1))
        await session.commit()
        assert (await service.record_of(session=session, document_id=stored.id)).retain_until == dt.date(
            2032, 6, 30
        )


async def test_a_general_user_may_add_general_users_only(sessions) -> None:
    """Seed 000: every role is ユーザー登録担当者 (may add 一般利用者); only the authority delegates."""
    subscriber_id, _ = await customer(sessions)
    await authority_for(sessions, subscriber_id)

    async def add(login: str, role: str, by: ContractSigner) -> ContractSigner:
        return await service.add_signer(
            session=session, box=BOX, subscriber_id=subscriber_id, login=login, name=login,
            email=f"{login}@example.jp", role=role, password=PASSWORD, pin=PIN if role != "viewer" else None,
            actor=by.login, at=AT, added_by=by,
        )  # fmt: skip

    async with sessions() as session:
        boss = await session.scalar(select(ContractSigner).where(ContractSigner.login == "yamada"))
        viewer = await add("somu1", "viewer", boss)
        second = await add("somu2", "viewer", viewer)  # a general user adds a general user
        assert second.role == "viewer"
        for role in ("delegate", "authority"):
            with pytest.raises(SigningRefused, match="may not add"):
                await add(f"x-{role}", role, viewer)
        await session.commit()
