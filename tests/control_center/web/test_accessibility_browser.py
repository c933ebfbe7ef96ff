"""WCAG 2.1 AA on the pages people work with all night (issue 17), measured in Debian's Chromium: every
visible text against the background it is actually drawn on (1.4.3: 4.5:1, 3:1 for large text), a focus
ring on whatever the keyboard reaches (2.4.7) and a skip link to the main part (2.4.1)."""

from __future__ import annotations

from sqlalchemy import select

from control_center.access.models import User
from control_center.core.db import utcnow
from control_center.core.settings import Settings
from control_center.incidents.models import Incident
from control_center.subscribers.models import Subscriber
from dispatch import service as dispatch_service
from dispatch.models import Responder
from simulators.demo.responders import seed_dispatch
from tests.control_center.conftest import System
from tests.control_center.console.test_console_browser import page, sign_in  # noqa: F401
from tests.helpers import eventually

# Every element with text of its own, its colour composed over the backgrounds beneath it (alpha and
# opacity included) up to the page's canvas; disabled controls are exempt (WCAG 1.4.3).
CONTRAST = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, bottom) => { const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    return [0, 1, 2].map(i => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a).concat([a]); };
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = (el) => { let layers = [];
    for (let e = el; e; e = e.parentElement) { const s = getComputedStyle(e);
      const c = parse(s.backgroundColor); c[3] *= Number(s.opacity); if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break; }
    let bg = [255, 255, 255, 1];
    for (const layer of layers.reverse()) bg = over(layer, bg);
    return bg; };
  const opacity = (el) => { let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o; };
  const failures = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg, script, style, template, [hidden]')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const s = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (s.visibility !== 'visible' || box.width === 0 || box.height === 0 || box.bottom < 0) continue;
    if (el.closest(':disabled')) continue;
    const bg = background(el);
    const fg = parse(s.color); fg[3] *= opacity(el);
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05); };
    const value = ratio(over(fg, bg), bg);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const large = size >= 24 || (size >= 18.66 && bold);
    if (value < (large ? 3 : 4.5)) failures.push(
      `${value.toFixed(2)}:1 ${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ` +
      `«${el.textContent.trim().slice(0, 40)}» ` +
      `${s.color} on rgb(${bg.slice(0, 3).map(Math.round)})`);
  }
  return failures;
}"""

FOCUSED = """() => { const el = document.activeElement; if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), text: (el.textContent || el.value || '').trim().slice(0, 30), ring,
          skip: el.classList.contains('skip-link'), top: el.getBoundingClientRect().top, id: el.id}; }"""


async def contrast_failures(page) -> list[str]:  # noqa: F811
    return await page.evaluate(CONTRAST)


async def focus_rings(page, presses: int = 12) -> list[dict]:  # noqa: F811
    """Tab through the first controls of the page; what was focused, and whether a ring showed."""
    seen = []
    await page.reload()  # focus starts at the top of a fresh page
    await page.wait_for_load_state()
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if (focused := await page.evaluate(FOCUSED)) is not None:
            seen.append(focused)
    return seen


async def check_page(page, where: str) -> list[str]:  # noqa: F811
    problems = [f"{where}: contrast {f}" for f in await contrast_failures(page)]
    seen = await focus_rings(page)
    problems += [f"{where}: no focus ring on {f['tag']} «{f['text']}»" for f in seen if not f["ring"]]
    if not seen or not seen[0]["skip"] or seen[0]["top"] < 0:
        problems.append(f"{where}: the first Tab does not show the skip link ({seen[:1]})")
    # The skip link takes the keyboard to the page's main part.
    await page.reload()
    await page.wait_for_load_state()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    if await page.evaluate("document.activeElement.id") != "main":
        problems.append(f"{where}: the skip link does not move the focus to the main part")
    return problems


async def test_contrast_focus_ring_and_skip_link_on_the_working_pages(
    system: System,
    page,  # noqa: F811
    sessions,
    database_url: str,
) -> None:
    await system.alarm("1001", 130)  # a burglary (orange chip)
    await system.alarm("1003", 110)  # a fire (red chip, P1 row)
    await system.alarm("1002", 302)  # a trouble signal (a low-priority row)
    await sign_in(page, system, sessions, "aoki")
    await page.locator("table.queue[data-count='3']").wait_for(timeout=10_000)
    problems = await check_page(page, "queue")

    async with sessions() as session:
        incident = await session.scalar(select(Incident).where(Incident.account == "1001"))
        subscriber = await session.scalar(select(Subscriber.id).order_by(Subscriber.id))
    await page.goto(f"{system.base_url}/console/incidents/{incident.id}")
    await page.click("button[name=claim]")
    await page.wait_for_selector("[data-claimed-by='aoki']")
    problems += await check_page(page, "incident")
    await page.goto(f"{system.base_url}/console/subscribers/{subscriber}")
    problems += await check_page(page, "subscriber")

    # The supervisor, then the responder on a phone with a job.
    await page.goto(f"{system.base_url}/login")
    await page.context.clear_cookies()
    await sign_in_as(page, system, sessions, "hara", "supervisor", "/console/supervisor")
    problems += await check_page(page, "supervisor")

    await page.context.clear_cookies()
    await sign_in_as(page, system, sessions, "ueda", "responder", "/responder")
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.login == "ueda"))
        settings = Settings(_env_file=None, database_url=database_url)
        await seed_dispatch(session=session, settings=settings, at=utcnow(), responder_user_id=user.id)
        await session.commit()
        responder = await session.scalar(select(Responder).where(Responder.user_id == user.id))
        await dispatch_service.assign(
            session=session, incident_id=incident.id, responder_id=responder.id, actor="aoki",
            at=utcnow(), settings=settings,
        )  # fmt: skip
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{system.base_url}/responder")
    await eventually(lambda: page.locator("[data-assignment]").count())
    problems += await check_page(page, "responder")

    assert not problems, "\n".join(problems)


async def sign_in_as(page, system: System, sessions, login: str, role: str, landing: str) -> None:  # noqa: F811
    from tests.helpers import PASSWORD, add_user

    await add_user(sessions, role, login)
    await page.goto(f"{system.base_url}/login?next={landing}")
    await page.fill("form.login input[name=login]", login)
    await page.fill("form.login input[name=password]", PASSWORD)
    await page.click("form.login button")
    await page.wait_for_url(f"{system.base_url}{landing}")
