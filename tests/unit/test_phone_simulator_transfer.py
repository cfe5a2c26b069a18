"""The phone simulator with a 311 agent on the line: it waits for a redirect of its live call
(the agent's transfer into self-service) and follows it as Twilio would, against the small fake
voice app of test_phone_simulator.py (every webhook signature checked)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from ivr.cli.main import main
from sandbox.cli import call as cli_call
from sandbox.simulators.phone import (
    CALLER_HANGUP,
    WAITING_FOR_AGENT,
    FlaskTransport,
    HttpTransport,
    PhoneCall,
    RedirectsUnavailable,
    Transcript,
    hide_ticket,
)
from tests.http_support import served
from tests.unit.test_phone_simulator import PUBLIC, TODAY, TOKEN, fake_of, make_app, twiml

TICKET = "Tk3yS3cretTicketValue0123456789abcdefghijklm"
REDIRECT_URL = f"{PUBLIC}/voice/transferred?ticket={TICKET}"
NO_SANDBOX = "[the app does not use the sandbox call control; nothing to wait for]"


def transfer_app(*, sandbox: bool = True) -> Flask:
    """The fake voice app, plus the IVR's transfer entry and (optionally) the sandbox call
    control's redirect endpoint, fed from `app.extensions["redirects"]`."""
    app = make_app()
    redirects: deque[dict[str, str]] = deque()
    polls: list[dict[str, str]] = []
    app.extensions["redirects"] = redirects
    app.extensions["polls"] = polls

    @app.post("/voice/transferred")
    def transferred() -> Response:
        return twiml("<Say>Welcome back to self-service.</Say><Hangup/>")

    if sandbox:
        @app.post("/sandbox/calls/redirect")
        def redirect() -> Any:
            url = PUBLIC + request.path
            if not RequestValidator(TOKEN).validate(
                    url, request.form.to_dict(), request.headers.get("X-Twilio-Signature", "")):
                abort(403)
            polls.append(request.form.to_dict())
            if not redirects:
                return "", 204
            return redirects.popleft()

    return app


def place(app: Flask, script: list[str], **options: Any) -> tuple[Transcript, list[str]]:
    lines: list[str] = []
    options.setdefault("poll_interval", 0.02)
    transcript = PhoneCall(FlaskTransport(app), echo=lines.append, today=TODAY,
                           **options).run(script)
    assert fake_of(app).forbidden == [], "every webhook must be validly signed"
    return transcript, lines


class Agent:
    """An on_agent hook that queues a redirect of the call, as the console's transfer does."""

    def __init__(self, app: Flask, url: str = REDIRECT_URL) -> None:
        self.app = app
        self.url = url
        self.calls: list[str] = []

    def __call__(self, call_sid: str) -> None:
        self.calls.append(call_sid)
        self.app.extensions["redirects"].append({"url": self.url, "method": "POST"})


# --- following a redirect -------------------------------------------------------------------


def test_the_agents_redirect_is_followed_and_the_dial_action_is_not_requested() -> None:
    app = transfer_app()
    agent = Agent(app)
    transcript, lines = place(app, ["6"], agent_wait=5, on_agent=agent)
    assert agent.calls == [transcript.call_sid]
    assert WAITING_FOR_AGENT in lines
    assert ("[the agent transferred the call: redirect to /voice/transferred?ticket=Tk3y…]"
            in lines)
    assert not any(TICKET in line for line in lines)
    (event,) = transcript.of_kind("redirect")
    assert event.attrs == {"method": "POST", "by": "agent"} and TICKET not in event.text
    (arrived,) = fake_of(app).forms("/voice/transferred")
    assert arrived["CallSid"] == transcript.call_sid
    assert arrived["CallStatus"] == "in-progress"
    assert (REDIRECT_URL, arrived) in transcript.requests  # signed for the full URL
    assert fake_of(app).forms("/voice/after-dial") == []
    assert transcript.said.splitlines()[-1] == "Welcome back to self-service."
    (poll,) = app.extensions["polls"]
    assert poll["CallSid"] == transcript.call_sid


def test_the_sandbox_is_polled_until_the_redirect_comes() -> None:
    app = transfer_app()
    polls = app.extensions["polls"]

    def later(call_sid: str) -> None:
        # The agent presses the button a moment after answering.
        def push() -> None:
            time.sleep(0.15)
            app.extensions["redirects"].append({"url": REDIRECT_URL, "method": "POST"})

        threading.Thread(target=push, daemon=True).start()

    place(app, ["6"], agent_wait=5, on_agent=later)
    assert len(polls) >= 3
    assert fake_of(app).forms("/voice/transferred")


def test_a_relative_redirect_is_on_the_app() -> None:
    app = transfer_app()
    place(app, ["6"], agent_wait=5, on_agent=Agent(app, "/voice/transferred"))
    assert fake_of(app).forms("/voice/transferred")


def test_an_injected_source_replaces_the_sandbox() -> None:
    app = transfer_app(sandbox=False)
    asked: list[str] = []

    def source(call_sid: str) -> tuple[str, str] | None:
        asked.append(call_sid)
        return (REDIRECT_URL, "POST") if len(asked) >= 2 else None

    transcript, _ = place(app, ["6"], agent_wait=5, redirect_source=source)
    assert asked == [transcript.call_sid] * 2
    assert fake_of(app).forms("/voice/transferred")


# --- no redirect ----------------------------------------------------------------------------


def test_without_agent_wait_the_dial_completes_as_before_and_nothing_is_polled() -> None:
    app = transfer_app()
    agent = Agent(app)
    transcript, lines = place(app, ["6"], on_agent=agent)
    assert agent.calls == [transcript.call_sid]  # the hook still runs
    assert WAITING_FOR_AGENT not in lines and app.extensions["polls"] == []
    assert "[the agent answers; the transfer ends after 30 s]" in lines
    assert fake_of(app).forms("/voice/after-dial")[0]["DialCallStatus"] == "completed"
    assert fake_of(app).forms("/voice/transferred") == []


def test_no_redirect_within_agent_wait_completes_the_dial() -> None:
    app = transfer_app()
    started = time.monotonic()
    transcript, lines = place(app, ["6"], agent_wait=0.3)
    assert time.monotonic() - started >= 0.3
    assert len(app.extensions["polls"]) >= 3
    assert "[no transfer back to self-service came]" in lines
    assert transcript.said.splitlines()[-1] == "The transfer ended: completed."


def test_an_app_without_the_sandbox_endpoint_stops_the_wait_at_once() -> None:
    app = transfer_app(sandbox=False)
    started = time.monotonic()
    _, lines = place(app, ["6"], agent_wait=30)
    assert time.monotonic() - started < 5
    assert NO_SANDBOX in lines
    assert fake_of(app).forms("/voice/after-dial")


def test_a_source_can_say_there_is_nothing_to_wait_for() -> None:
    app = transfer_app(sandbox=False)

    def source(call_sid: str) -> tuple[str, str] | None:
        raise RedirectsUnavailable("nobody to ask")

    _, lines = place(app, ["6"], agent_wait=30, redirect_source=source)
    assert "[nobody to ask]" in lines


def test_ctrl_c_while_waiting_hangs_up() -> None:
    app = transfer_app(sandbox=False)

    def source(call_sid: str) -> tuple[str, str] | None:
        raise KeyboardInterrupt

    transcript, _ = place(app, ["6"], agent_wait=30, redirect_source=source)
    assert transcript.ended_by == CALLER_HANGUP
    assert fake_of(app).forms("/voice/after-dial") == []
    assert fake_of(app).forms("/voice/status")[0]["CallStatus"] == "completed"


def test_hide_ticket() -> None:
    assert hide_ticket("/voice/transferred?ticket=abcdefgh&x=1") == (
        "/voice/transferred?ticket=abcd…&x=1")
    assert hide_ticket("/voice/menu?t=3") == "/voice/menu?t=3"


# --- over HTTP and from the CLI ----------------------------------------------------------------


def test_the_sandbox_source_works_over_http() -> None:
    app = transfer_app()
    with served(app) as base:
        phone = PhoneCall(HttpTransport(base), public_url=PUBLIC, auth_token=TOKEN,
                          today=TODAY, agent_wait=5, on_agent=Agent(app), poll_interval=0.02)
        transcript = phone.run(["6"])
    assert fake_of(app).forbidden == []
    assert transcript.said.splitlines()[-1] == "Welcome back to self-service."


@pytest.fixture
def payline(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Flask]]:
    app = transfer_app(sandbox=False)
    monkeypatch.setattr(cli_call, "_build_app", lambda: app)
    monkeypatch.delenv("PAYLINE_PUBLIC_URL", raising=False)
    yield CliRunner(), app


def test_cli_scripted_calls_do_not_wait_unless_asked(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    result = runner.invoke(main, ["call", "--in-process", "--script", "6"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert WAITING_FOR_AGENT not in result.output
    result = runner.invoke(main, ["call", "--in-process", "--script", "6", "--agent-wait", "2"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert WAITING_FOR_AGENT in result.output and NO_SANDBOX in result.output


def test_cli_interactive_calls_wait_by_default(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    result = runner.invoke(main, ["call", "--in-process"], input="6\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert WAITING_FOR_AGENT in result.output and NO_SANDBOX in result.output


def test_cli_refuses_a_negative_wait(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    result = runner.invoke(main, ["call", "--in-process", "--agent-wait", "-1"])
    assert result.exit_code == 2
