"""SandboxCallControl on SQLite and PostgreSQL: a redirect is accepted only for a live voice
call, and each one is claimed exactly once, oldest first, even by concurrent pollers."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.channel_sessions import ChannelSession, SqlChannelSessionStore
from domain.adapters.clock import FixedClock
from domain.errors import CallControlUnavailable, CallNotLive
from sandbox.call_redirects import SandboxCallControl, sandbox_call_redirects
from tests.integration.conftest import Builders

SID = "CA" + "0123456789abcdef" * 2
OTHER_SID = "CA" + "fedcba9876543210" * 2
URL = "https://payline.example.org/voice/transferred?ticket=abc"


def start_call(engine: Engine, clock: FixedClock, key: str = SID,
               channel: str = "voice") -> ChannelSession:
    now = clock.now()
    return SqlChannelSessionStore(engine).start(ChannelSession(
        channel=channel, session_key=key, language="en", step="after_dial", created_at=now,
        updated_at=now, turn=3))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(Builders.now)


@pytest.fixture
def calls(engine: Engine, clock: FixedClock) -> SandboxCallControl:
    return SandboxCallControl(engine, clock)


def test_a_live_calls_redirect_is_claimed_once(engine: Engine, clock: FixedClock,
                                               calls: SandboxCallControl) -> None:
    start_call(engine, clock)
    calls.redirect(SID, URL)
    assert calls.claim(OTHER_SID) is None
    assert calls.claim(SID) == (URL, "POST")
    assert calls.claim(SID) is None
    with engine.connect() as conn:
        (row,) = conn.execute(sa.select(sandbox_call_redirects)).mappings()
    assert row["call_sid"] == SID and row["delivered_at"] is not None
    assert row["requested_at"] == clock.now()


def test_redirects_are_claimed_oldest_first(engine: Engine, clock: FixedClock,
                                            calls: SandboxCallControl) -> None:
    start_call(engine, clock)
    calls.redirect(SID, URL + "1")
    calls.redirect(SID, URL + "2")
    assert [calls.claim(SID), calls.claim(SID), calls.claim(SID)] == [
        (URL + "1", "POST"), (URL + "2", "POST"), None]


def test_unknown_ended_and_non_voice_calls_are_not_live(engine: Engine, clock: FixedClock,
                                                        calls: SandboxCallControl) -> None:
    with pytest.raises(CallNotLive):
        calls.redirect(SID, URL)
    start_call(engine, clock, key=OTHER_SID, channel="sms")
    with pytest.raises(CallNotLive):
        calls.redirect(OTHER_SID, URL)
    session = start_call(engine, clock)
    session.ended_at = clock.now()
    assert SqlChannelSessionStore(engine).save(session)
    with pytest.raises(CallNotLive):
        calls.redirect(SID, URL)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sandbox_call_redirects)).first() is None


def test_a_url_too_long_to_keep_is_refused(engine: Engine, clock: FixedClock,
                                           calls: SandboxCallControl) -> None:
    start_call(engine, clock)
    with pytest.raises(CallControlUnavailable):
        calls.redirect(SID, "https://x.example/" + "a" * 500)
    assert calls.claim(SID) is None


def test_concurrent_pollers_share_the_redirects_exactly_once(
        engine: Engine, clock: FixedClock, calls: SandboxCallControl) -> None:
    start_call(engine, clock)
    for n in range(6):
        calls.redirect(SID, f"{URL}{n}")
    claimed: list[tuple[str, str]] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def poll() -> None:
        try:
            while True:
                got = calls.claim(SID)
                if got is None:
                    return
                with lock:
                    claimed.append(got)
        except Exception as exc:  # e.g. SQLite's "database is locked": a failure here
            errors.append(exc)

    pollers = [threading.Thread(target=poll) for _ in range(3)]
    for poller in pollers:
        poller.start()
    for poller in pollers:
        poller.join(30)
    assert errors == []
    assert sorted(url for url, _ in claimed) == [f"{URL}{n}" for n in range(6)]
