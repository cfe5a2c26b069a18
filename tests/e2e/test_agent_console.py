"""The 311 agent console end to end: signed webhooks from simulated calls create handoffs, and
an agent signs in, finds the account, unlocks it and transfers the live call into
self-service payment, all through the real Flask app over a seeded demo city."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from domain.adapters.clock import FixedClock
from domain.model import Actor
from domain.services.agent_auth import MAX_PASSWORD_LENGTH
from domain.totp import code_at
from ivr.web.twilio_signature import sign
from sandbox.simulators.phone import FlaskTransport, PhoneCall
from tests.e2e.agent_support import (
    AGENT,
    SUPERVISOR,
    AgentDesk,
    assert_huge_ids_are_refused_politely,
    csrf_of,
    secret_on,
    text_of,
)
from tests.e2e.test_voice_calls import identify, pay_now
from tests.e2e.voice_support import APPROVED_CARD, DANA, VICTOR, VoiceCity, voice_city

VICTOR_PHONE = "+13125550105"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


@pytest.fixture
def desk(city: VoiceCity) -> AgentDesk:
    agent = AgentDesk(city.app)
    assert agent.sign_in().status_code == 302
    return agent


def clock_of(city: VoiceCity) -> FixedClock:
    clock = city.container.clock
    assert isinstance(clock, FixedClock)
    return clock


def account_id(city: VoiceCity, number: str) -> int:
    (row,) = city.rows("SELECT id FROM accounts WHERE account_number = :n", n=number)
    return int(row.id)


def agent_audit(city: VoiceCity) -> list[tuple[str, str, str]]:
    return [(r.action, r.actor, r.detail or "") for r in city.rows(
        "SELECT action, actor, detail FROM audit_events WHERE channel = 'agent' "
        "AND actor NOT LIKE 'system:demo-seed%' ORDER BY id")]


# --- signing in ------------------------------------------------------------------------------


def test_the_console_needs_a_signed_in_agent(city: VoiceCity) -> None:
    agent = AgentDesk(city.app)
    for path in ("/agent", "/agent/handoffs/1", f"/agent/accounts/{account_id(city, DANA)}",
                 "/agent/audit"):
        response = agent.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/agent/login")
    response = agent.client.post("/agent/search", data={"by": "phone", "phone": "3125550101"})
    assert response.status_code == 302
    assert agent_audit(city) == []  # nothing was searched


def test_sign_in_sets_a_strict_http_only_cookie_and_lands_on_the_queue(city: VoiceCity) -> None:
    agent = AgentDesk(city.app)
    response = agent.sign_in()
    assert response.headers["Location"] == "/agent"
    cookie = response.headers["Set-Cookie"]
    assert "payline_agent=" in cookie and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "Path=/agent" in cookie
    page = agent.get("/agent")
    assert page.status_code == 200
    assert "Signed in as Rosa Alvarez" in text_of(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"
    assert agent_audit(city)[-1][:2] == ("agent.signed_in", "agent:r.alvarez")


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(city: VoiceCity) -> None:
    agent = AgentDesk(city.app)
    page = agent.get("/agent/login?next=/agent/audit")
    response = agent.client.post("/agent/login", data={
        "csrf_token": csrf_of(page), "username": AGENT[0], "password": AGENT[1],
        "next": "//evil.example/agent"})
    assert response.headers["Location"] == "/agent"


@pytest.mark.parametrize("target", [
    "/agent\r\nSet-Cookie: payline_agent=forged", "/agent/%0d%0aSet-Cookie:%20x=1",
    "/agent/%0D%0ALocation:%20https://evil.example", "/agent\n", "/agent\x00", "/agent\t",
    "/agent\x7f", "/agent/%00", "/agent/%7F", "/agent/\u2028", "/agent/%E2%80%A8",
    "/agent/%C2%A0", "/agent/../pay", "/agent/%2e%2e/pay", "//evil.example/agent",
    "/agent//evil.example", "/\\evil.example", "/agent\\..", "https://evil.example/agent",
    "/agentx", "/agent/" + "a" * 600, "/agent/ünïcode"])
def test_a_hostile_next_is_never_followed_and_never_a_500(city: VoiceCity,
                                                          target: str) -> None:
    agent = AgentDesk(city.app)
    page = agent.get("/agent/login")
    response = agent.client.post("/agent/login", data={
        "csrf_token": csrf_of(page), "username": AGENT[0], "password": AGENT[1],
        "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent"
    assert [v for k, v in response.headers if k == "Set-Cookie" and "forged" in v] == []
    # Signed in already, the login page's own redirect is just as careful.
    again = agent.client.get("/agent/login", query_string={"next": target})
    assert again.status_code == 302 and again.headers["Location"] == "/agent"


def test_a_plain_next_inside_the_console_is_followed(city: VoiceCity) -> None:
    agent = AgentDesk(city.app)
    page = agent.get("/agent/login")
    target = f"/agent/accounts/{account_id(city, DANA)}?handoff=3"
    response = agent.client.post("/agent/login", data={
        "csrf_token": csrf_of(page), "username": AGENT[0], "password": AGENT[1],
        "next": target})
    assert response.headers["Location"] == target


@pytest.mark.parametrize(("username", "password"), [
    ("r.alvarez", "wrong-password-123"), ("nobody", "riverton-agent-demo"), ("", ""),
    ("r.alvarez\x00", "riverton-agent-demo"), ("ŕ.álvarez", "pässwörd" * 40)])
def test_a_failed_sign_in_says_the_same_thing_every_time(city: VoiceCity, username: str,
                                                        password: str) -> None:
    response = AgentDesk(city.app).sign_in(username, password)
    assert response.status_code == 401
    assert "That username and password do not match." in text_of(response)
    assert "payline_agent=" not in response.headers.get("Set-Cookie", "")


def test_the_form_takes_the_longest_password_whole(city: VoiceCity) -> None:
    longest = "riverton-" + "x" * (MAX_PASSWORD_LENGTH - 9)
    city.container.agent_auth_service().set_password(AGENT[0], longest,
                                                     Actor.system("cli:test"))
    page = AgentDesk(city.app).get("/agent/login").get_data(as_text=True)
    assert f'maxlength="{MAX_PASSWORD_LENGTH}"' in page
    assert AgentDesk(city.app).sign_in(AGENT[0], longest).status_code == 302
    # One character more is refused, never cut down to the password that matches.
    assert AgentDesk(city.app).sign_in(AGENT[0], longest + "y").status_code == 401


def test_a_sign_in_without_the_form_token_is_refused(city: VoiceCity) -> None:
    agent = AgentDesk(city.app)
    response = agent.client.post("/agent/login", data={"username": AGENT[0],
                                                       "password": AGENT[1]})
    assert response.status_code == 400
    assert "payline_agent=" not in response.headers.get("Set-Cookie", "")


def test_repeated_failures_pause_sign_in_even_with_the_right_password(city: VoiceCity) -> None:
    agent = AgentDesk(city.app)
    for _ in range(5):
        assert agent.sign_in(AGENT[0], "not-the-password").status_code == 401
    response = agent.sign_in()
    assert response.status_code == 429
    assert "Too many failed sign-ins" in text_of(response)
    clock_of(city).advance(minutes=16)
    assert agent.sign_in().status_code == 302


def test_the_session_ends_after_15_idle_minutes_and_on_sign_out(city: VoiceCity,
                                                              desk: AgentDesk) -> None:
    clock = clock_of(city)
    clock.advance(minutes=14)
    assert desk.get("/agent").status_code == 200  # activity slides the timeout
    clock.advance(minutes=14)
    assert desk.get("/agent").status_code == 200
    clock.advance(minutes=16)
    response = desk.get("/agent")
    assert response.status_code == 302 and "ended=ended" in response.headers["Location"]
    assert "Your session ended" in text_of(desk.follow(response))

    assert desk.sign_in().status_code == 302
    old_cookie = desk.client.get_cookie("payline_agent", path="/agent")
    assert old_cookie is not None
    assert desk.post("/agent/logout").status_code == 302
    # The token is dead on the server, not just forgotten by the browser.
    desk.client.set_cookie("payline_agent", old_cookie.value, path="/agent")
    assert desk.get("/agent").status_code == 302


def test_every_console_form_needs_the_session_csrf_token(city: VoiceCity,
                                                        desk: AgentDesk) -> None:
    victor = account_id(city, VICTOR)
    response = desk.post(f"/agent/accounts/{victor}/unlock",
                         {"reason": "caller verified by street number"}, csrf="forged")
    assert response.status_code == 400
    (row,) = city.rows("SELECT locked_at FROM accounts WHERE id = :i", i=victor)
    assert row.locked_at is not None


# --- the queue and handoffs -------------------------------------------------------------------


def test_a_handoff_from_a_call_shows_its_context_and_is_taken_once(city: VoiceCity,
                                                                   desk: AgentDesk) -> None:
    call = city.call([*pay_now(DANA, "1234"), "0"])
    (handoff,) = city.rows("SELECT * FROM handoffs")
    queue = text_of(desk.get("/agent"))
    assert f"#{handoff.id}" in queue and "asked for an agent" in queue
    assert "******0731" in queue and "0104200731" not in queue

    page = text_of(desk.get(f"/agent/handoffs/{handoff.id}"))
    assert "verified on the account ending 0731, was paying now and asked for an agent" in page
    assert "Phone — call ended" in page  # the simulated call hung up after the transfer
    assert "***-***-0199" in page and "5550199" not in page
    assert call.of_kind("whisper")

    done = desk.post(f"/agent/handoffs/{handoff.id}/take")
    assert "You have handoff" in text_of(desk.follow(done))
    other = AgentDesk(city.app)
    other.sign_in(*SUPERVISOR)
    refused = other.follow(other.post(f"/agent/handoffs/{handoff.id}/take"))
    assert "r.alvarez already has" in text_of(refused)
    closed = desk.follow(desk.post(f"/agent/handoffs/{handoff.id}/close",
                                   {"outcome": "resolved"}))
    assert "is closed" in text_of(closed) and "Nobody is waiting" in text_of(closed)
    assert ("handoff.closed", "agent:r.alvarez", "resolved") in agent_audit(city)


def test_a_texter_s_reference_number_opens_their_handoff(city: VoiceCity,
                                                        desk: AgentDesk) -> None:
    city.call(["1", "0"])
    (handoff,) = city.rows("SELECT id FROM handoffs")
    found = desk.post("/agent/handoffs/find", {"reference": f"#{handoff.id}"})
    assert found.headers["Location"] == f"/agent/handoffs/{handoff.id}"
    for garbage in ("99999", "abc", "", "١٢"):
        missing = desk.follow(desk.post("/agent/handoffs/find", {"reference": garbage}))
        assert "No handoff has that reference" in text_of(missing)
    assert desk.get("/agent/handoffs/99999").status_code == 404


def test_ids_too_large_for_the_database_are_not_found(city: VoiceCity,
                                                      desk: AgentDesk) -> None:
    city.call(["1", "0"])
    (handoff,) = city.rows("SELECT id FROM handoffs")
    assert_huge_ids_are_refused_politely(desk, account_id(city, DANA), handoff.id)
    for odd in ("²", "٣", "0", "-1", " 1"):  # digits int() cannot read, or no id
        assert desk.post("/agent/handoffs/find", {"reference": odd}).status_code == 302
        assert desk.get(f"/agent/accounts/{account_id(city, DANA)}?handoff={odd}"
                        ).status_code == 200
    assert desk.get("/agent/handoffs/0").status_code == 404


# --- finding and viewing accounts -------------------------------------------------------------


@pytest.mark.parametrize("fields", [
    {"by": "account", "account_number": "0104-200-731"},
    {"by": "phone", "phone": "(312) 555-0101"},
    {"by": "name_address", "name": "", "address": "1234"},
])
def test_each_search_finds_dana(city: VoiceCity, desk: AgentDesk, fields: dict[str, str]) -> None:
    if fields["by"] == "name_address":
        (holder,) = city.rows("SELECT c.name FROM customers c JOIN accounts a ON "
                              "a.customer_id = c.id WHERE a.account_number = :n", n=DANA)
        fields = {**fields, "name": holder.name.split()[-1]}
    response = desk.post("/agent/search", fields)
    if response.status_code == 302:
        assert response.headers["Location"].startswith(
            f"/agent/accounts/{account_id(city, DANA)}")
    else:
        assert DANA in text_of(response)
    assert agent_audit(city)[-1][0] == "agent.searched"
    assert "0101" not in agent_audit(city)[-1][2]


def test_a_general_bill_is_found_by_customer_id_and_bill_number(city: VoiceCity,
                                                                desk: AgentDesk) -> None:
    (bill,) = city.rows(
        "SELECT c.customer_number, b.bill_number, a.id FROM bills b JOIN accounts a ON "
        "a.id = b.account_id JOIN customers c ON c.id = a.customer_id WHERE a.kind = 'general' "
        "ORDER BY b.id LIMIT 1")
    response = desk.post("/agent/search", {"by": "customer_bill",
                                           "customer_id": bill.customer_number,
                                           "bill_number": bill.bill_number})
    assert response.headers["Location"].startswith(f"/agent/accounts/{bill.id}")


@pytest.mark.parametrize(("fields", "message"), [
    ({"by": "phone", "phone": "not a phone"}, "not a valid phone number"),
    ({"by": "account", "account_number": ""}, "Enter the account number"),
    ({"by": "account", "account_number": "0104200731" * 50}, "too long"),
    ({"by": "account", "account_number": "01042OO731"}, "only digits"),
    ({"by": "teleport"}, "Choose how to search"),
    ({"by": "name_address", "name": "Zzyzx Qwerty", "address": "1 Nowhere"}, "No account matches"),
])
def test_bad_searches_get_a_clear_answer(city: VoiceCity, desk: AgentDesk,
                                         fields: dict[str, str], message: str) -> None:
    response = desk.post("/agent/search", fields)
    assert response.status_code in (200, 400)
    assert message in text_of(response)


def test_the_account_view_shows_everything_but_never_full_numbers(city: VoiceCity,
                                                                 desk: AgentDesk) -> None:
    city.call([*pay_now(DANA, "1234"), "1", "1", "1", *APPROVED_CARD, "2", "hangup"])
    page = desk.get(f"/agent/accounts/{account_id(city, DANA)}")
    assert page.status_code == 200
    text = text_of(page)
    for part in ("Balance as of", "Bills", "Payments (last 24 months)", "Paperless billing",
                 "Self-service access", "Recent activity", "VISA ending 4242", "voice",
                 "on file, never shown"):
        assert part in text, part
    html = page.get_data(as_text=True)
    assert "4242424242424242" not in html and "4821" not in html  # card, SSN last 4
    assert "tok_" not in html and "sandbox" not in html.lower()
    assert ("account.viewed_by_agent", "agent:r.alvarez", "") in agent_audit(city)
    assert desk.get("/agent/accounts/999999").status_code == 404
    assert desk.get("/agent/accounts/abc").status_code == 404


# --- unlocking --------------------------------------------------------------------------------


def test_unlocking_needs_a_reason_and_is_audited(city: VoiceCity, desk: AgentDesk) -> None:
    victor = account_id(city, VICTOR)
    page = text_of(desk.get(f"/agent/accounts/{victor}"))
    assert "Locked" in page and "Unlock the account first" in page

    refused = desk.follow(desk.post(f"/agent/accounts/{victor}/unlock", {"reason": "  "}))
    assert "give the reason" in text_of(refused)
    assert city.rows("SELECT locked_at FROM accounts WHERE id = :i", i=victor)[0].locked_at

    done = desk.follow(desk.post(f"/agent/accounts/{victor}/unlock",
                                 {"reason": "Verified by street number on the phone"}))
    assert "The account is unlocked" in text_of(done)
    assert city.rows("SELECT locked_at FROM accounts WHERE id = :i", i=victor)[0].locked_at \
        is None
    (event,) = city.rows("SELECT * FROM audit_events WHERE action = 'account.unlocked'")
    assert (event.actor, event.channel, event.account_id) == ("agent:r.alvarez", "agent", victor)
    assert event.detail == "Verified by street number on the phone"
    again = desk.follow(desk.post(f"/agent/accounts/{victor}/unlock", {"reason": "again ok"}))
    assert "not locked" in text_of(again)
    # The resident can use self-service again.
    call = city.call(["1", "1", *identify(VICTOR, "45"), "hangup"], caller=VICTOR_PHONE)
    assert "locked for self-service" not in call.said


# --- transferring a live call into self-service -----------------------------------------------


def test_an_agent_unlocks_and_transfers_a_locked_out_caller_who_then_pays(
        city: VoiceCity, desk: AgentDesk) -> None:
    """The whole story: locked out → 311 with context → unlock → transfer → pay by card,
    with the agent off the line before the card is entered."""
    victor = account_id(city, VICTOR)
    seen: dict[str, str] = {}

    def agent_answers(call_sid: str) -> None:
        (handoff,) = city.rows("SELECT * FROM handoffs")
        seen["queue"] = text_of(desk.get("/agent"))
        desk.post(f"/agent/handoffs/{handoff.id}/take")
        found = desk.post("/agent/search", {"by": "account", "account_number": VICTOR,
                                            "handoff": str(handoff.id)})
        assert found.headers["Location"] == f"/agent/accounts/{victor}?handoff={handoff.id}"
        desk.post(f"/agent/accounts/{victor}/unlock",
                  {"reason": "Verified by street number", "handoff": str(handoff.id)})
        page = desk.get(found.headers["Location"])
        assert f'value="{call_sid}"' in page.get_data(as_text=True)  # from the handoff
        done = desk.follow(desk.post(f"/agent/accounts/{victor}/transfer", {
            "call_sid": call_sid, "verified_by": "account_and_street", "language": "en",
            "confirmed": "yes", "handoff": str(handoff.id)}))
        seen["after"] = text_of(done)

    call = PhoneCall(FlaskTransport(city.app), caller=VICTOR_PHONE, agent_wait=5,
                     on_agent=agent_answers)
    transcript = call.run(["1", "1", *identify(VICTOR, "45"),
                           "1", "1", "1", "1", *APPROVED_CARD, "2", "hangup"])
    assert "locked out" in seen["queue"]
    assert "The caller is in self-service payment now" in seen["after"]
    said = transcript.said
    before, after = said.split("secure payment line", 1)
    assert "locked for self-service" in before
    assert "account number" not in after  # identification was not asked again
    (payment,) = city.payments(VICTOR)
    assert (payment.status, payment.channel) == ("approved", "voice")
    (handoff,) = city.rows("SELECT * FROM handoffs")
    assert (handoff.status, handoff.outcome) == ("closed", "transferred_to_self_service")
    actions = [a for a, actor, _ in agent_audit(city) if actor == "agent:r.alvarez"]
    assert actions.index("account.unlocked") < actions.index("call.transferred_to_self_service")


def test_a_transfer_needs_a_verified_caller_and_a_live_call(city: VoiceCity,
                                                           desk: AgentDesk) -> None:
    dana = account_id(city, DANA)
    page = f"/agent/accounts/{dana}/transfer"
    form = {"call_sid": "CA" + "0" * 32, "verified_by": "account_and_street",
            "confirmed": "yes"}
    unconfirmed = desk.follow(desk.post(page, {**form, "confirmed": ""}))
    assert "Confirm that you verified the caller" in text_of(unconfirmed)
    bad_sid = desk.follow(desk.post(page, {**form, "call_sid": "CA-nope'; drop table"}))
    assert "Call SID" in text_of(bad_sid) or "call" in text_of(bad_sid).lower()
    no_method = desk.follow(desk.post(page, {**form, "verified_by": "vibes"}))
    assert "verified" in text_of(no_method)
    not_live = desk.follow(desk.post(page, form))
    assert "has ended or is not connected" in text_of(not_live)
    assert city.rows("SELECT * FROM audit_events WHERE action = "
                     "'call.transferred_to_self_service'") == []


def test_another_agents_handoff_cannot_be_transferred_or_closed_but_its_account_unlocked(
        city: VoiceCity, desk: AgentDesk) -> None:
    """Rosa has Victor's handoff: Marcus cannot move the call or close it; unlocking is an
    action on the account (any agent may, with a reason, audited under their own name), and
    the handoff in the form changes nothing about that."""
    call = city.call(["1", "1", *identify(VICTOR, "45"), "0"], caller=VICTOR_PHONE)
    (handoff,) = city.rows("SELECT * FROM handoffs")
    victor = account_id(city, VICTOR)
    assert desk.post(f"/agent/handoffs/{handoff.id}/take").status_code == 302
    marcus = AgentDesk(city.app)
    marcus.sign_in(*SUPERVISOR)
    marcus.post(f"/agent/accounts/{victor}/unlock",
                {"reason": "Verified by street number", "handoff": str(handoff.id)})
    (event,) = city.rows("SELECT actor FROM audit_events WHERE action = 'account.unlocked'")
    assert event.actor == "agent:m.chen"
    moved = marcus.follow(marcus.post(f"/agent/accounts/{victor}/transfer", {
        "call_sid": call.call_sid, "verified_by": "account_and_street", "language": "en",
        "confirmed": "yes", "handoff": str(handoff.id)}))
    assert "r.alvarez has handoff" in text_of(moved)
    assert city.rows("SELECT * FROM sandbox_call_redirects") == []
    closed = marcus.follow(marcus.post(f"/agent/handoffs/{handoff.id}/close",
                                       {"outcome": "resolved"}))
    assert "r.alvarez has handoff" in text_of(closed)
    (still,) = city.rows("SELECT status, taken_by FROM handoffs")
    assert (still.status, still.taken_by) == ("taken", "r.alvarez")
    assert [a for a, actor, _ in agent_audit(city) if actor == "agent:m.chen"
            and a.startswith(("call.", "handoff."))] == []


def test_a_huge_form_is_refused_politely(city: VoiceCity, desk: AgentDesk) -> None:
    response = desk.post("/agent/search", {"by": "name_address", "name": "x" * 40_000,
                                           "address": "y"})
    assert response.status_code == 413
    assert "too large" in text_of(response)


# --- supervisors ------------------------------------------------------------------------------


def test_only_supervisors_see_agent_activity(city: VoiceCity, desk: AgentDesk) -> None:
    desk.get(f"/agent/accounts/{account_id(city, DANA)}")
    assert desk.get("/agent/audit").status_code == 403
    boss = AgentDesk(city.app)
    boss.sign_in(*SUPERVISOR)
    page = boss.get("/agent/audit")
    assert page.status_code == 200
    text = text_of(page)
    assert "agent:r.alvarez" in text and "account.viewed_by_agent" in text
    assert "Agent activity" in text_of(boss.get("/agent"))



# --- behind a reverse proxy ---------------------------------------------------------------------

PROXY = "10.0.0.2"  # the city's load balancer, as the app sees it
ATTACKER = "198.51.100.66"
PUBLIC = "https://pay.riverton.example.gov"


def login_attempt_addresses(city: VoiceCity) -> set[str]:
    return {r.remote_addr for r in city.rows("SELECT remote_addr FROM agent_login_attempts")}


def test_behind_a_trusted_proxy_an_attacker_locks_only_their_own_address(
        tmp_path: Path) -> None:
    for city in voice_city(tmp_path, PAYLINE_TRUSTED_PROXIES="1", PAYLINE_PUBLIC_URL=PUBLIC):
        attacker = AgentDesk(city.app)
        for i in range(20):
            # The attacker forges an address of their own; the proxy appends the real one.
            forged = {"X-Forwarded-For": f"10.9.9.{i}, {ATTACKER}",
                      "X-Forwarded-Proto": "https"}
            assert attacker.sign_in(f"made.up.{i}", "not-a-password-at-all", PROXY,
                                    forged).status_code == 401
        refused = attacker.sign_in(*AGENT, PROXY, {"X-Forwarded-For": ATTACKER})
        assert refused.status_code == 429
        assert login_attempt_addresses(city) == {ATTACKER}
        # Every other agent comes through the same proxy, from their own desk.
        rosa = AgentDesk(city.app)
        done = rosa.sign_in(*AGENT, PROXY, {"X-Forwarded-For": "203.0.113.20",
                                            "X-Forwarded-Proto": "https"})
        assert done.status_code == 302
        cookie = done.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        (session,) = city.rows("SELECT remote_addr FROM agent_sessions")
        assert session.remote_addr == "203.0.113.20"


def test_without_a_trusted_proxy_a_forged_forwarded_for_is_ignored(city: VoiceCity) -> None:
    attacker = AgentDesk(city.app)
    for i in range(20):
        assert attacker.sign_in(f"made.up.{i}", "not-a-password-at-all", ATTACKER,
                                {"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 401
    # A new forged address is no fresh budget: the throttle keys on the real peer.
    refused = attacker.sign_in(*AGENT, ATTACKER, {"X-Forwarded-For": "203.0.113.200"})
    assert refused.status_code == 429
    assert login_attempt_addresses(city) == {ATTACKER}
    # Nor can a forged header put an agent's own address into the throttle.
    assert AgentDesk(city.app).sign_in(*AGENT, "10.0.0.7").status_code == 302


def test_twilio_signatures_still_check_behind_the_trusted_proxy(tmp_path: Path) -> None:
    for city in voice_city(tmp_path, PAYLINE_TRUSTED_PROXIES="1", PAYLINE_PUBLIC_URL=PUBLIC):
        channels = city.app.extensions["payline.channels"]
        params = {"CallSid": "CA" + "ab" * 16, "From": "+13125550199"}
        proxied = {"X-Forwarded-For": "54.172.60.1", "X-Forwarded-Proto": "https",
                   "X-Forwarded-Host": "evil.example", "Host": "payline-web:5000"}
        client = city.app.test_client()
        signed = sign(PUBLIC + "/voice/incoming", params, channels.twilio_auth_token)
        ok = client.post("/voice/incoming", data=params,
                         headers={**proxied, "X-Twilio-Signature": signed})
        assert ok.status_code == 200
        # Signed for the host an attacker forwarded: refused (the public URL is the truth).
        forged = sign("https://evil.example/voice/incoming", params,
                      channels.twilio_auth_token)
        assert client.post("/voice/incoming", data=params,
                           headers={**proxied, "X-Twilio-Signature": forged}).status_code == 403


# --- one-time codes (MFA) -------------------------------------------------------------------


@pytest.fixture
def production_city(tmp_path: Path) -> Iterator[VoiceCity]:
    """Production mode (codes required), with a real key for the codes' secrets."""
    yield from voice_city(tmp_path, settings_env={
        "PAYLINE_ENV": "production", "PAYLINE_AGENT_MFA_KEY": Fernet.generate_key().decode()})


def stored_text(city: VoiceCity) -> str:
    return " ".join(str(tuple(r)) for table in ("agents", "agent_sign_in_steps",
                                                 "agent_sessions", "audit_events")
                    for r in city.rows(f"SELECT * FROM {table}"))


def enrol_at_sign_in(city: VoiceCity, desk: AgentDesk) -> str:
    """Rosa's first sign-in in production: returns the key she set up."""
    assert desk.sign_in().headers["Location"] == "/agent/login/code"
    secret = secret_on(desk.get("/agent/login/code"))
    assert desk.send_code(code_at(secret, clock_of(city).now())).status_code == 302
    return secret


def test_production_requires_codes_and_an_agent_sets_them_up_at_first_sign_in(
        production_city: VoiceCity) -> None:
    city = production_city
    assert city.container.settings.agents.require_mfa
    desk = AgentDesk(city.app)
    response = desk.sign_in()
    # The right password alone opens nothing.
    assert response.status_code == 302 and response.headers["Location"] == "/agent/login/code"
    assert "payline_agent=" not in " ".join(response.headers.getlist("Set-Cookie")).replace(
        "payline_agent_step=", "")
    assert desk.get("/agent").headers["Location"].startswith("/agent/login")
    page = desk.get("/agent/login/code")
    html = page.get_data(as_text=True)
    assert "Set up one-time codes to sign in" in text_of(page)
    assert '<svg' in html and 'class="qr"' in html  # the QR code, inline
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "img-src" not in csp
    assert page.headers["Cache-Control"] == "no-store"
    secret = secret_on(page)
    assert secret not in stored_text(city)  # sealed at rest

    wrong = desk.send_code("000000")
    assert wrong.status_code == 401 and "That code does not match" in text_of(wrong)
    done = desk.send_code(code_at(secret, clock_of(city).now()))
    assert done.status_code == 302 and done.headers["Location"] == "/agent"
    cookies = " ".join(done.headers.getlist("Set-Cookie"))
    assert "payline_agent=" in cookies and "payline_agent_step=;" in cookies  # step cleared
    home = desk.get("/agent")
    assert home.status_code == 200 and "no one-time codes yet" not in text_of(home)
    assert ("agent.mfa_enabled", "agent:r.alvarez") in [a[:2] for a in agent_audit(city)]

    # Next time: a code, not the QR code; the same code does not work twice.
    desk.post("/agent/logout")
    assert desk.sign_in().headers["Location"] == "/agent/login/code"
    page = desk.get("/agent/login/code")
    assert "Type your one-time code" in text_of(page) and "<svg" not in page.get_data(
        as_text=True)
    reused = desk.send_code(code_at(secret, clock_of(city).now()))
    assert reused.status_code == 401 and "already used" in text_of(reused)
    clock_of(city).advance(seconds=30)
    assert desk.send_code(code_at(secret, clock_of(city).now())).status_code == 302
    assert secret not in stored_text(city)


def test_wrong_codes_pause_sign_in_like_wrong_passwords(production_city: VoiceCity) -> None:
    city = production_city
    desk = AgentDesk(city.app)
    secret = enrol_at_sign_in(city, desk)
    desk.post("/agent/logout")
    clock_of(city).advance(minutes=1)
    desk.sign_in()  # the password, counted until its code is right
    for _ in range(4):
        assert desk.send_code("123456").status_code == 401
    throttled = desk.send_code(code_at(secret, clock_of(city).now()))
    assert throttled.status_code == 429 and "Too many failed sign-ins" in text_of(throttled)
    assert desk.get("/agent").headers["Location"].startswith("/agent/login")


def test_the_code_step_keeps_next_and_ends(production_city: VoiceCity) -> None:
    city = production_city
    desk = AgentDesk(city.app)
    secret = enrol_at_sign_in(city, desk)
    desk.post("/agent/logout")
    clock_of(city).advance(seconds=30)
    page = desk.get("/agent/login?next=/agent/audit")
    response = desk.client.post("/agent/login", data={
        "csrf_token": csrf_of(page), "username": AGENT[0], "password": AGENT[1],
        "next": "/agent/audit"})
    assert response.headers["Location"] == "/agent/login/code?next=/agent/audit"
    page = desk.get(response.headers["Location"])
    done = desk.client.post("/agent/login/code", data={
        "csrf_token": csrf_of(page), "code": code_at(secret, clock_of(city).now()),
        "next": "/agent/audit\r\nSet-Cookie: x=1"})
    assert done.headers["Location"] == "/agent"  # the hostile next is dropped
    # A step that waited too long, or none at all, goes back to the password.
    desk.post("/agent/logout")
    desk.sign_in()
    clock_of(city).advance(minutes=11)
    over = desk.get("/agent/login/code")
    assert over.status_code == 302 and "step=over" in over.headers["Location"]
    assert "took too long" in text_of(desk.follow(over))
    assert AgentDesk(city.app).get("/agent/login/code").status_code == 302
    missing = AgentDesk(city.app).client.post("/agent/login/code", data={"code": "123456"})
    assert missing.status_code == 302


def test_in_development_codes_are_optional_and_set_up_from_the_console(
        city: VoiceCity, desk: AgentDesk) -> None:
    assert not city.container.settings.agents.require_mfa
    home = text_of(desk.get("/agent"))
    assert "Your sign-in has no one-time codes yet" in home
    assert "Set up one-time codes" in text_of(desk.get("/agent/mfa"))
    started = desk.post("/agent/mfa/start")
    assert started.headers["Location"] == "/agent/mfa/setup"
    page = desk.get("/agent/mfa/setup")
    assert '<svg' in page.get_data(as_text=True)
    secret = secret_on(page)
    wrong = desk.follow(desk.post("/agent/mfa/setup", {"code": "000000"}))
    assert "That code does not match" in text_of(wrong)
    done = desk.follow(desk.post("/agent/mfa/setup",
                                 {"code": code_at(secret, clock_of(city).now())}))
    assert "One-time codes are on" in text_of(done)
    again = desk.follow(desk.post("/agent/mfa/start"))
    assert "already on" in text_of(again)
    # From now on Rosa signs in with a code; Marcus (none) still with his password alone.
    desk.post("/agent/logout")
    assert desk.sign_in().headers["Location"] == "/agent/login/code"
    clock_of(city).advance(seconds=30)
    assert desk.send_code(code_at(secret, clock_of(city).now())).status_code == 302
    assert AgentDesk(city.app).sign_in(*SUPERVISOR).headers["Location"] == "/agent"
    # A forged form without the session's CSRF token changes nothing.
    forged = AgentDesk(city.app)
    forged.sign_in(*SUPERVISOR)
    assert forged.post("/agent/mfa/start", csrf="forged").status_code == 400
