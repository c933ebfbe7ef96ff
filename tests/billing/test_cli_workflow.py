"""The clerk's work from the command line, on both databases: a cancellation for a truly unavoidable
reason shows "pending" until the company's decision is recorded (`billing decide`), then is confirmed;
payments, extra cards and the invoice PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys

from pypdf import PdfReader

from billing import service
from billing.models import Contract
from simulators.demo.subscribers import seed

D = dt.date


def cli(database_url: str, *args: str, ok: bool = True) -> dict | str:
    env = {**os.environ, "CC_DATABASE_URL": database_url, "CC_INVOICE_REGISTRATION_NUMBER": "T1234567890123"}
    run = subprocess.run(
        [sys.executable, "-m", "control_center.cli", "billing", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    if not ok:
        assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
        return run.stderr
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


async def test_decision_then_cancellation_payment_and_invoice_pdf(database_url, sessions, tmp_path) -> None:
    async with sessions() as session:
        await seed(session=session, count=1)
        row = Contract(subscriber_id=1, premises_id=1, plan="rental", service_start=D(2021, 1, 21),
                       monthly_fee=10_000, deposit=20_000)  # fmt: skip
        session.add(row)
        await session.commit()
        cid = row.id
    c = str(cid)
    assert (
        cli(database_url, "cards", "--contract", c, "--count", "5", "--on", "2025-03-01")["charged"] == 4_000
    )
    async with sessions() as session:
        (invoice,) = [
            i for i in await service.run(session=session, on=D(2025, 2, 25)) if i.contract_id == cid
        ]
    assert invoice.total == 15_400  # 10,000 + 5 extra cards × 800 (4 handed over already), + 10 %

    cancel = ("cancel", "--contract", c, "--on", "2025-04-30", "--reason", "unavoidable")
    pending = cli(database_url, *cancel)
    assert (pending["status"], pending["total"], pending["total_before_decision"]) == (
        "pending_decision", None, 37_200 + 15_400)  # fmt: skip
    assert "decision" in cli(database_url, *cancel, "--confirm", "--by", "clerk", ok=False)
    cli(
        database_url,
        "decide",
        "--contract",
        c,
        "--reduced-to",
        "0",
        "--reason",
        "もらい火",
        "--by",
        "manager",
    )
    early = cli(database_url, "cancel", "--contract", c, "--on", "2023-04-30", "--reason", "expiry")
    assert (early["reason"], early["deposit_kept"], early["deposit_returned"]) == ("subscriber", 20_000, 0)

    paid = cli(database_url, "pay", "--contract", c, "--amount", "15400", "--on", "2025-03-10",
               "--method", "convenience_store", "--by", "clerk")  # fmt: skip
    assert paid["invoices_now_paid"] == [invoice.id]
    assert "method" in cli(database_url, "pay", "--contract", c, "--amount", "100", "--on", "2025-03-10",
                           "--method", "cash", "--by", "clerk", ok=False)  # fmt: skip
    done = cli(database_url, *cancel, "--confirm", "--by", "clerk")
    assert (done["status"], done["fee"], done["total"], done["confirmed"]) == ("final", 0, 20_000, True)
    assert "already ended" in cli(database_url, *cancel, ok=False)

    out = tmp_path / "invoice.pdf"
    written = cli(database_url, "invoice-pdf", "--invoice", str(invoice.id), "--out", str(out))
    assert written["total"] == 15_400
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "T1234567890123" in text and "15,400円" in text
