"""The demo's digital verification: a burglary alarm, the contacts' SMS printed with their links, and a
simulated family member calling the alarm off on the link page (a wrong house code first)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys

import httpx
import pytest
from sqlalchemy import select

from control_center.core.db import create_engine, session_factory
from control_center.core.settings import Settings
from control_center.incidents.models import Incident
from control_center.subscribers.models import EmergencyContact, PanelAccount
from control_center.telephony.adapters import OutgoingSms, SimulatedTelephony
from control_center.telephony.numbers import to_e164
from control_center.telephony.wiring import nobody_answers
from simulators.demo.phones import LINK_CHOICES, Phones, Text, forms_of, local_url
from simulators.demo.settings import demo_settings
from simulators.demo_center import DemoAccess, print_answer, print_text, run_demo
from simulators.households import Households
from tests.conftest import free_port
from tests.helpers import eventually

ACCOUNT = "1001"


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "control_center.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode()


async def test_a_burglary_is_called_off_on_the_link_page_by_a_simulated_family_member(
    tmp_path, monkeypatch, capsys
) -> None:
    env = {
        "CC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/demo.sqlite3",
        "CC_EMBEDDED_BROKER_PORT": str(free_port()),
        "CC_DC09_PORT": str(free_port()),
        "CC_SECRET_KEY": os.urandom(32).hex(),
        "CC_LOG_LEVEL": "WARNING",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CC_MQTT_URL", raising=False)
    monkeypatch.delenv("CC_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("CC_TELEPHONY", raising=False)
    port = free_port()
    settings = demo_settings(Settings(_env_file=None), port)
    households = Households({}, set(), seed=7)
    ready: asyncio.Future[DemoAccess] = asyncio.get_running_loop().create_future()
    demo = asyncio.create_task(
        run_demo(
            settings, 4, 3600.0, ready.set_result,
            on_text=print_text, on_answer=print_answer, households=households, speedup=50,
        )
    )  # fmt: skip
    engine = create_engine(settings.database_url)
    try:
        access = await asyncio.wait_for(asyncio.shield(ready), 60)
        sessions = session_factory(engine)
        async with sessions() as session:
            contacts = list(
                await session.execute(
                    select(EmergencyContact.phone, EmergencyContact.position)
                    .join(PanelAccount, PanelAccount.premises_id == EmergencyContact.premises_id)
                    .where(PanelAccount.account == ACCOUNT)
                    .order_by(EmergencyContact.position)
                )
            )
        # The first (family) contact mistypes the code, then enters it right; the second is on the way.
        numbers = [to_e164(phone) for phone, _ in contacts]
        households.script_link(numbers[0], "wrong_code_first")
        households.script_link(numbers[1], "going")
        for number in numbers[2:]:
            households.script_link(number, "ignore")

        code, out = await run_cli(
            "simulate", "--alarm", "burglary", "--account", ACCOUNT, env={**os.environ, **env}
        )
        assert code == 0, out
        assert "links: the demo's terminal prints each contact's SMS" in out  # where the links are: one line

        async def called_off() -> Incident | None:
            async with sessions() as session:
                incident = await session.scalar(
                    select(Incident).where(Incident.account == ACCOUNT, Incident.service_type == "A")
                )
            return incident if incident is not None and incident.closed_at is not None else None

        incident = await eventually(called_off, timeout=30, interval=0.1)
        auth = {"Authorization": f"Bearer {access.token}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=auth) as api:
            detail = (await api.get(f"/api/incidents/{incident.id}")).json()
        assert detail["status"] == "false_alarm"
        assert detail["alarm_level"] == 0

        # The household's phone prints its answer once the page has answered it, which may be just after
        # the incident is seen closed: read what is printed until the call-off is there.
        printed = ""

        async def answered() -> bool:
            nonlocal printed
            printed += capsys.readouterr().out
            return "tapped cancel with the house code → cancelled" in printed

        await eventually(answered, timeout=15, interval=0.1)
        sms = re.findall(r"^SMS \(simulated carrier\) to (\*+\d{4}): (http://\S+/v/\S+)$", printed, re.M)
        assert [masked[-4:] for masked, _ in sms] == [n[-4:] for n in numbers]
        assert not any(n in printed or n.lstrip("+") in printed for n in numbers)  # only 4 digits shown
        assert f"contact {sms[0][0]} tapped cancel with a wrong house code → wrong_code" in printed
        assert f"contact {sms[0][0]} tapped cancel with the house code → cancelled" in printed
        assert f"contact {sms[1][0]} tapped I am going there → recorded" in printed or (
            f"contact {sms[1][0]} opened the link: nothing to answer any more" in printed
        )
        # The person trying the demo opens a printed link: the page, now saying the alarm is called off.
        async with httpx.AsyncClient() as phone:
            page = await phone.get(sms[2][1])
        assert page.status_code == 200
        assert forms_of(page.text) == {}  # nothing left to answer
    finally:
        if ready.done():
            ready.result().stop()
        await asyncio.wait_for(demo, 20)
        await engine.dispose()


# --- the households' phones, without a center --------------------------------------------------------------


def test_the_same_seed_gives_the_same_answers() -> None:
    def choices(seed: int) -> list[object]:
        households = Households({}, set(), seed=seed, family={"+819011112222": "123"})
        return [households.link_choice(n) for n in ["+819011112222", "+819033334444"] * 20]

    assert choices(3) == choices(3)
    assert choices(3) != choices(4)
    behaviours = {c.behaviour for c in choices(3)}  # type: ignore[attr-defined]
    assert behaviours <= LINK_CHOICES and "ignore" in behaviours


def test_only_family_members_know_the_code_to_cancel() -> None:
    households = Households({}, set(), seed=1, family={"+819011112222": "123"})
    households.script_link("+819033334444", "cancel")
    households.script_link("+819011112222", "cancel")
    assert households.link_choice("+819033334444").code is None  # a neighbour: goes instead
    assert households.link_choice("+819011112222").code == "123"
    with pytest.raises(ValueError, match="unknown link behaviour"):
        households.script_link("+819011112222", "drop tables")


def test_a_text_shows_four_digits_and_its_link_and_the_phone_answers_only_on_this_center() -> None:
    text = Text("+819012345678", "[ホームセキュリティ] … https://evil.example/v/abc.DEF-_1 (3分)")
    assert text.masked_to == "*********5678"
    assert text.link == "https://evil.example/v/abc.DEF-_1"  # shown whole; the phone uses only its path
    assert Text("12", "no link here").masked_to == "12" and Text("12", "no link").link is None
    assert local_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert local_url("::", 8000) == "http://[::1]:8000"


def test_the_phone_reads_only_the_pages_post_forms_with_a_choice() -> None:
    html = """<form method="post" action="/v/t/answer">
    <input type="hidden" name="choice" value="going"></form>
    <form method="get" action="/x"><input type="hidden" name="choice" value="help"></form>
    <form method="post" action="/y"><input name="choice" value="cancel"></form>
    <form method="post" action="/z"><input type="hidden" name="choice" value="help"><form
    <input type=hidden name=choice value="<script>">"""
    assert forms_of(html) == {"going": ("/v/t/answer", {"choice": "going"})}
    assert forms_of("<<<>>>\x00</form></form>") == {}


async def test_the_phone_answers_only_on_this_centers_page_and_gives_up_on_a_refusal() -> None:
    requests: list[tuple[str, str, bytes]] = []
    page = """<form method="post" action="{path}/answer"><input type="hidden" name="choice" value="going">
    <button>go</button></form><form method="post" action="https://evil.example/steal">
    <input type="hidden" name="choice" value="cancel"><input name="code"></form>{result}"""

    def center(request: httpx.Request) -> httpx.Response:
        requests.append((request.method, str(request.url), request.read()))
        path = request.url.path
        if path == "/v/gone":
            return httpx.Response(410, text="expired")
        if request.method == "POST":
            return httpx.Response(303, headers={"location": path.removesuffix("/answer") + "?r=recorded"})
        marker = '<p data-result="recorded">' if request.url.params.get("r") else ""
        return httpx.Response(200, text=page.format(path=path, result=marker))

    households = Households({}, set(), seed=1, family={"+819022220000": "123"})
    households.script_link("+819011110000", "going")
    households.script_link("+819022220000", "cancel")
    households.script_link("+819033330000", "help")
    carrier = SimulatedTelephony(nobody_answers)
    heard: list[str] = []
    phones = Phones(
        carrier, households, "http://127.0.0.1:9", print_text, heard.append,
        speedup=1000, poll_seconds=0.01, transport=httpx.MockTransport(center),
    )  # fmt: skip
    running = asyncio.create_task(phones.run())
    await asyncio.sleep(0.05)  # the phones are on before the texts come
    for number, path in [("+819011110000", "/v/a"), ("+819022220000", "/v/b"), ("+819033330000", "/v/gone")]:
        await carrier.text(OutgoingSms(1, number, f"[警報] https://evil.example{path} (3分)"))
    try:
        await eventually(lambda: asyncio.sleep(0, len(heard) >= 3 or None), timeout=10, interval=0.02)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert all(url.startswith("http://127.0.0.1:9/v/") for _, url, _ in requests)  # never the link's host
    posts = [(url, body) for method, url, body in requests if method == "POST"]
    assert posts == [("http://127.0.0.1:9/v/a/answer", b"choice=going")]  # not the form posting elsewhere
    assert sorted(heard) == [
        "contact *********0000 opened the link: nothing to answer any more (410)",
        "contact *********0000 tapped I am going there → recorded",
        "contact *********0000 tapped cancel with the house code → refused (the form posts elsewhere)",
    ]
