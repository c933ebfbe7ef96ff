"""Words on console pages come from the center, escaped, never from a crafted link (issue 15)."""

from __future__ import annotations

import re

import httpx
import pytest

from control_center.app import create_app
from control_center.core.hub import Hub
from control_center.core.settings import Settings
from control_center.web.flash import Flash
from control_center.web.rendering import environment
from tests.control_center.factories import premises
from tests.control_center.supervisor_desk.test_supervisor import alarms
from tests.helpers import add_user

INJECTED = "<b>x</b>"
REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'


@pytest.fixture
async def app(database_url: str, sessions):
    await premises(sessions, account="7001")
    await alarms(sessions, (130, "7001"))
    return create_app(Settings(_env_file=None, database_url=database_url), sessions, Hub())


async def client_as(app, sessions, role: str) -> httpx.AsyncClient:
    _, headers = await add_user(sessions, role)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers)


@pytest.mark.parametrize(
    ("role", "page"),
    [("operator", "/console/incidents/1"), ("administrator", "/console/admin"), ("responder", "/responder")],
)
async def test_a_crafted_link_puts_no_markup_on_the_page(app, sessions, role: str, page: str) -> None:
    async with await client_as(app, sessions, role) as client:
        for param in ("msg", "error", "token"):
            for value in (INJECTED, REFRESH):
                shown = await client.get(page, params={param: value})
                assert shown.status_code == 200
                assert "<b>" not in shown.text and "http-equiv" not in shown.text
                assert "evil.example" not in shown.text


async def test_a_message_after_a_real_action_is_shown_once(app, sessions) -> None:
    async with await client_as(app, sessions, "operator") as operator:
        await operator.post("/console/incidents/1/claim")
        done = await operator.post("/console/incidents/1/verify", data={"name": "山田", "digits": "999"})
        assert done.status_code == 303 and done.headers["location"] == "/console/incidents/1"
        first = await operator.get(done.headers["location"])
        second = await operator.get(done.headers["location"])
    flash = re.compile(r'<p class="flash" role="status" data-flash>不一致</p>')
    assert flash.search(first.text) and not flash.search(second.text)


async def test_user_input_in_an_error_is_shown_as_text(app, sessions) -> None:
    async with await client_as(app, sessions, "supervisor") as supervisor:
        refused = await supervisor.post(
            "/console/supervisor/reassign", data={"incident_id": "1", "to": "<script>alert(1)</script>"}
        )
        page = (await supervisor.get(refused.headers["location"])).text
    assert refused.headers["location"] == "/console/supervisor"
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and 'role="alert"' in page


async def test_a_new_api_token_is_shown_once_on_the_page_never_in_a_url_or_a_cookie(app, sessions) -> None:
    """The answer to the POST shows it (issue 17: it was put in the redirect's URL, so in the history)."""
    async with await client_as(app, sessions, "administrator") as admin:
        issued = await admin.post("/console/admin/users/1/tokens", data={"label": "monitoring"})
        later = await admin.get("/console/admin")
    token = re.search(r"<code data-token>(cct_[\w-]+)</code>", issued.text).group(1)
    assert issued.status_code == 200 and "location" not in issued.headers
    assert issued.headers["cache-control"] == "no-store"
    assert "set-cookie" not in issued.headers  # not even sealed in a cookie
    assert "トークンを発行しました" in issued.text
    assert "data-token" not in later.text and token not in later.text  # shown once


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_translated_string_escapes_its_arguments_and_its_text(locale: str) -> None:
    template = environment(locale).from_string(
        '{{ _("Key set %(n)d", n=2) }}|{{ _("%(who)s is not here", who=who) }}|{{ _(who) }}|{{ _("100%") }}'
    )
    shown = template.render(who="<script>alert(1)</script>")
    assert "<script>" not in shown
    assert shown.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert shown.endswith("|100%")  # a bare percent sign no longer breaks the page


@pytest.mark.parametrize(
    ("locale", "agency", "shown"),
    [
        ("ja", "police", "先に警察への通報を記録してください"),  # the agency's msgid in the page's language
        ("en", "police", "record the notification to police first"),
        ("ja", "<b>x</b>", "先に&lt;b&gt;x&lt;/b&gt;への通報を記録してください"),  # as given, escaped
    ],
)
def test_a_refusal_names_what_is_open_in_the_pages_language(locale: str, agency: str, shown: str) -> None:
    said = Flash("record the notification to %(agency)s first", error=True, params={"agency": agency})
    html = environment(locale).get_template("_flash.html").render(flash=said)
    assert shown in html and 'role="alert"' in html
