"""The 311 agent console in headless Chromium: an agent signs in, sees the handoff a live
simulated call just made, unlocks the caller's account and transfers the call into
self-service payment; the caller (the phone simulator over HTTP, in a thread) then pays."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from domain.totp import code_at
from sandbox.simulators.phone import HttpTransport, PhoneCall, Transcript
from tests.browser_support import LiveApp, errors_of
from tests.e2e.agent_support import AGENT
from tests.e2e.test_voice_calls import identify
from tests.e2e.voice_support import APPROVED_CARD, VICTOR, VoiceCity, voice_city
from tests.http_support import closed_port_url

pytestmark = pytest.mark.browser


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path / "city")


@pytest.fixture
def site(live_app: Any, city: VoiceCity) -> LiveApp:
    return live_app(rasa_url=closed_port_url(), container=city.container)  # type: ignore[no-any-return]


def sign_in(page: Any, site: LiveApp) -> None:
    page.goto(site.url + "/agent")
    expect(page.get_by_role("heading", name="Sign in to the 311 payment console")).to_be_visible()
    page.get_by_label("Username").fill(AGENT[0])
    page.get_by_label("Password").fill(AGENT[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Handoff queue")).to_be_visible()


def unlabelled_fields(page: Any) -> list[str]:
    """Visible form fields without an accessible label (WCAG 1.3.1, 4.1.2)."""
    return list(page.evaluate("""() => [...document.querySelectorAll(
        'input:not([type=hidden]), select, textarea')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
        .map(el => el.name)"""))


def test_an_agent_unlocks_and_transfers_a_live_caller_who_pays(page: Any, site: LiveApp,
                                                             city: VoiceCity) -> None:
    errors = errors_of(page)
    page.on("response", lambda r: r.status >= 500 and errors.append(f"{r.status} {r.url}"))
    result: dict[str, Transcript] = {}
    call = PhoneCall(HttpTransport(site.url), caller="+13125550105", agent_wait=60)

    def caller() -> None:
        result["call"] = call.run(["1", "1", *identify(VICTOR, "45"),
                                   "1", "1", "1", "1", *APPROVED_CARD, "2", "hangup"])

    phone = threading.Thread(target=caller, daemon=True)
    phone.start()

    sign_in(page, site)
    assert unlabelled_fields(page) == []
    # The locked-out caller is being put through to 311: their handoff reaches the queue.
    for _ in range(50):
        if page.get_by_role("link", name="#1").count():
            break
        page.wait_for_timeout(200)
        page.reload()
    row = page.get_by_role("row").filter(has_text="locked out")
    expect(row).to_contain_text("******3384")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Handoff #1")).to_be_visible()
    expect(page.get_by_text("call still connected")).to_be_visible()
    page.get_by_role("button", name="Take this handoff").click()
    expect(page.get_by_role("status")).to_contain_text("You have handoff 1")

    # Self-service never verified him, so the agent looks the account up.
    page.get_by_label("Account number").fill(VICTOR)
    page.get_by_role("button", name="Search by account number").click()
    expect(page.get_by_role("heading", name=f"Account {VICTOR}")).to_be_visible()
    assert unlabelled_fields(page) == []
    expect(page.get_by_text("Unlock the account first")).to_be_visible()

    page.get_by_label("Reason for unlocking").fill("Verified by account and street number")
    page.get_by_role("button", name="Unlock account").click()
    expect(page.get_by_role("status")).to_contain_text("The account is unlocked")

    expect(page.get_by_label("Caller's call (Call SID)")).to_have_value(call.call_sid)
    page.get_by_label("Account number and service street number").check()
    page.get_by_label("I verified this caller by the city's rules").check()
    page.get_by_role("button", name="Transfer to self-service payment").click()
    expect(page.get_by_role("status")).to_contain_text("The caller is in self-service payment")

    phone.join(timeout=60)
    assert not phone.is_alive(), "the simulated caller never finished"
    said = result["call"].said
    assert "secure payment line" in said and "account ending in 3 3 8 4 is verified" in said
    (payment,) = city.payments(VICTOR)
    assert payment.status == "approved"

    # The handoff left the queue, closed as transferred.
    page.get_by_role("link", name="Queue and search").click()
    expect(page.get_by_text("Nobody is waiting")).to_be_visible()
    assert errors == []


def test_the_console_works_from_the_keyboard(page: Any, site: LiveApp) -> None:
    page.goto(site.url + "/agent/login")
    expect(page.get_by_label("Username")).to_be_focused()  # ready to type
    page.keyboard.type(AGENT[0])
    page.keyboard.press("Tab")
    page.keyboard.type(AGENT[1])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Handoff queue")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_label("Phone number on the account").focus()
    page.keyboard.type("312 555 0101")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Account 0104200731")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")


def test_an_agent_sets_up_one_time_codes_and_signs_in_with_one(page: Any, site: LiveApp,
                                                              city: VoiceCity) -> None:
    errors = errors_of(page)  # a CSP violation (e.g. a blocked QR image) shows up here
    clock = city.container.clock
    sign_in(page, site)
    page.get_by_role("link", name="One-time codes").click()
    page.get_by_role("button", name="Set up one-time codes").click()
    qr = page.locator("figure.qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and box["width"] >= 150 and box["height"] >= 150
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    page.get_by_label("6-digit code from your app").fill(code_at(secret, clock.now()))
    page.get_by_role("button", name="Turn on one-time codes").click()
    expect(page.get_by_role("status")).to_contain_text("One-time codes are on")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").fill(AGENT[0])
    page.get_by_label("Password").fill(AGENT[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Type your one-time code")).to_be_visible()
    expect(page.get_by_label("6-digit code from your app")).to_be_focused()
    city.container.clock.advance(seconds=30)  # type: ignore[attr-defined]
    page.keyboard.type(code_at(secret, clock.now()))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Handoff queue")).to_be_visible()
    assert errors == []
