"""Refusals a person meets in the browser are pages in their language with a way back; the API keeps its
JSON ``{"detail": ...}`` (issue 17: a 403 was shown to operators as raw JSON)."""

from __future__ import annotations

import re

import pytest

from tests.control_center.access.test_access import app, browser, login  # noqa: F401
from tests.helpers import add_user

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def page_of(response) -> str:
    assert response.headers["content-type"].startswith("text/html")
    return response.text


@pytest.mark.parametrize(
    ("path", "status", "ja", "en"),
    [
        ("/console/admin", 403, "権限がありません", "Not allowed"),  # an operator on the admin's page
        ("/console/incidents/999", 404, "見つかりません", "Not found"),  # no such incident
        ("/console/nothing-here", 404, "見つかりません", "Not found"),  # no such page
    ],
)
async def test_a_browser_gets_a_page_in_its_language_with_a_way_back(
    app,  # noqa: F811
    sessions,
    path: str,
    status: int,
    ja: str,
    en: str,
) -> None:
    await add_user(sessions, "operator", "mori")
    async with browser(app) as client:
        await login(client, "mori")
        japanese = await client.get(path, headers=HTML | {"referer": "http://t/console"})
        english = await client.get(path, headers=HTML | {"accept-language": "en"}, params={"lang": "en"})
        api = await client.get(path)  # no text/html asked for: JSON as before
    assert (japanese.status_code, english.status_code, api.status_code) == (status, status, status)
    shown = page_of(japanese)
    assert f"<h1>{ja}" in shown and 'lang="ja"' in shown
    assert 'href="/console" data-back="previous"' in shown and 'href="/" data-back="home"' in shown
    assert "{&#34;detail" not in shown and '{"detail"' not in shown
    assert f"<h1>{en}" in page_of(english) and 'lang="en"' in english.text
    assert set(api.json()) == {"detail"}


async def test_the_api_keeps_json_even_for_a_browser_like_client(app, sessions) -> None:  # noqa: F811
    _, operator = await add_user(sessions, "operator", "ito")
    async with browser(app) as client:
        refused = await client.get("/api/audit", headers=operator)
        missing = await client.get("/api/incidents/999", headers=operator)
    assert refused.status_code == 403 and refused.json() == {"detail": "the operator role may not do this"}
    assert missing.status_code == 404 and "detail" in missing.json()


async def test_a_form_without_its_csrf_token_says_so_in_japanese_with_a_way_back(app, sessions) -> None:  # noqa: F811
    await add_user(sessions, "operator", "mori")
    async with browser(app) as client:
        await login(client, "mori")
        refused = await client.post(
            "/console/incidents/1/claim", headers=HTML | {"referer": "http://t/console/incidents/1"}
        )
    shown = page_of(refused)
    assert refused.status_code == 403
    assert "ページを再読み込みしてもう一度お試しください" in shown  # the guard's reason, translated
    assert 'href="/console/incidents/1" data-back="previous"' in shown


async def test_a_form_posted_after_the_session_ended_offers_to_sign_in(app) -> None:  # noqa: F811
    async with browser(app) as client:
        browser_post = await client.post(
            "/console/incidents/1/claim", headers=HTML | {"referer": "http://t/console/incidents/1"}
        )
        api_post = await client.post("/console/incidents/1/claim")
    assert browser_post.status_code == 401 and "サインインしてください" in page_of(browser_post)
    assert re.search(r'href="/login\?next=/console/incidents/1" data-back="login"', browser_post.text)
    assert api_post.status_code == 401 and api_post.json()["detail"].startswith("sign in")


async def test_a_back_link_never_leads_to_another_site(app, sessions) -> None:  # noqa: F811
    await add_user(sessions, "operator", "mori")
    async with browser(app) as client:
        await login(client, "mori")
        shown = await client.get("/console/admin", headers=HTML | {"referer": "https://evil.example/x"})
    assert "evil.example" not in shown.text and 'data-back="previous"' not in shown.text
