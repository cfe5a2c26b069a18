"""311 agent sign-in on a real database: AgentAuthService over SqlAgentStore and the audit
trail, with a clock the tests move. The service runs on SQLite; the store (and one whole
sign-in) also on PostgreSQL.

Scrypt is slow on purpose (about 60 ms a hash), so the agents most tests start with are
stored with hashes computed once per run, and throttle tests use small limits."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.agent_store import SqlAgentStore, agent_login_attempts, agent_sessions
from domain.adapters.agent_store import agents as agents_table
from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.adapters.orm import audit_events_table
from domain.config import AgentPolicy, Settings
from domain.errors import (
    AgentActionError,
    CodeAlreadyUsed,
    CodeRejected,
    InvalidAgentDetails,
    LoginFailed,
    LoginThrottled,
    SignInExpired,
)
from domain.model import Actor, Agent, AgentRole, Channel
from domain.passwords import hash_password, verify_password
from domain.services import agent_auth
from domain.services.agent_auth import (
    MAX_PASSWORD_LENGTH,
    AgentAuthService,
    SecondFactorNeeded,
)
from domain.services.links import hash_token
from domain.totp import SecretBox, code_at
from ivr.bootstrap import Container, build_container
from sandbox.demo_agents import DEMO_AGENTS, count_agents, seed_demo_agents
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city

CITY_TZ = ZoneInfo("America/Chicago")
START = datetime(2026, 11, 23, 8, 0, tzinfo=CITY_TZ)
ROSA_PASSWORD = "rosa-correct-horse"
MARCUS_PASSWORD = "marcus-battery-staple"
WRONG = "rosa-wrong-guess-1"
ADDRESS = "10.1.2.3"
OPERATOR = Actor.system("cli:test")
GENERIC = "That username and password do not match."


@cache
def _hash(password: str) -> str:
    return hash_password(password)


@dataclass
class Console:
    service: AgentAuthService
    store: SqlAgentStore
    clock: FixedClock
    engine: Engine
    container: Container

    def with_policy(self, policy: AgentPolicy) -> AgentAuthService:
        return AgentAuthService(self.store, self.container.uow, self.clock, policy)

    def audit(self, action: str | None = None) -> list[sa.Row]:
        query = sa.select(audit_events_table).order_by(audit_events_table.c.id)
        if action is not None:
            query = query.where(audit_events_table.c.action == action)
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def rows(self, table: sa.Table) -> list[sa.Row]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(table).order_by(table.c.id)))


def _console(url: str, *, migrate: bool = True) -> Iterator[Console]:
    if migrate:
        upgrade(url)
    clock = FixedClock(START)
    container = build_container(Settings.from_env({"PAYLINE_DATABASE_URL": url}), clock=clock)
    store = SqlAgentStore(container.engine)
    for username, name, role, password in (
            ("r.alvarez", "Rosa Alvarez", AgentRole.AGENT, ROSA_PASSWORD),
            ("m.chen", "Marcus Chen", AgentRole.SUPERVISOR, MARCUS_PASSWORD)):
        assert store.add(Agent(username=username, display_name=name, role=role,
                               password_hash=_hash(password), created_at=START,
                               password_changed_at=START))
    service = AgentAuthService(store, container.uow, clock, AgentPolicy())
    yield Console(service, store, clock, container.engine, container)
    container.dispose()


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating takes longer than a test)."""
    path = tmp_path_factory.mktemp("agents") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def console(tmp_path: Path, sqlite_template: Path) -> Iterator[Console]:
    path = tmp_path / "payline.db"
    shutil.copyfile(sqlite_template, path)
    yield from _console(f"sqlite:///{path}", migrate=False)


@pytest.fixture
def pg_console(postgres_url: str) -> Iterator[Console]:
    yield from _console(postgres_url)


# --- signing in ----------------------------------------------------------------------------


def test_sign_in_gives_a_token_and_a_live_session(console: Console) -> None:
    token, session = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    assert isinstance(token, str) and len(token) >= 43
    assert session.agent.username == "r.alvarez" and session.agent.last_login_at == START
    assert session.created_at == session.last_seen_at == START
    again = console.service.session(token)
    assert again is not None and again.id == session.id and again.agent.display_name == \
        "Rosa Alvarez"
    # Only the token's hash is stored, with the address it came from.
    (row,) = console.rows(agent_sessions)
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert row.remote_addr == ADDRESS and row.ended_at is None
    rosa = console.store.by_username("r.alvarez")
    assert rosa is not None and rosa.last_login_at == START
    (signed_in,) = console.audit("agent.signed_in")
    assert (signed_in.actor, signed_in.channel, signed_in.subject) == (
        "agent:r.alvarez", Channel.AGENT, "r.alvarez")
    assert ADDRESS in signed_in.detail and signed_in.account_id is None


def test_each_sign_in_is_its_own_session(console: Console) -> None:
    first, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    second, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, "10.9.9.9")
    assert first != second
    console.service.log_out(first)
    assert console.service.session(first) is None and console.service.session(second)


def test_usernames_are_case_insensitive_and_stripped(console: Console) -> None:
    _, session = console.service.log_in("  R.Alvarez \t", ROSA_PASSWORD, ADDRESS)
    assert session.agent.username == "r.alvarez"
    with pytest.raises(LoginFailed):  # the password is not
        console.service.log_in("r.alvarez", ROSA_PASSWORD.upper(), ADDRESS)


def test_wrong_password_and_unknown_user_get_one_message(console: Console) -> None:
    with pytest.raises(LoginFailed) as wrong:
        console.service.log_in("r.alvarez", WRONG, ADDRESS)
    with pytest.raises(LoginFailed) as unknown:
        console.service.log_in("nobody.here", WRONG, ADDRESS)
    assert wrong.value.detail == unknown.value.detail == str(unknown.value) == GENERIC
    failed = console.audit("agent.sign_in_failed")
    assert [(e.actor, e.subject) for e in failed] == [("agent:r.alvarez", "r.alvarez"),
                                                       ("system:console", None)]
    assert "wrong password" in failed[0].detail and "unknown username" in failed[1].detail
    assert "nobody.here" not in failed[1].detail
    attempts = console.rows(agent_login_attempts)
    assert [(a.username, a.remote_addr, a.succeeded) for a in attempts] == [
        ("r.alvarez", ADDRESS, False), ("nobody.here", ADDRESS, False)]


def test_deactivated_agent_cannot_sign_in_and_loses_sessions(console: Console) -> None:
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    console.service.deactivate("r.alvarez", OPERATOR)
    assert console.service.session(token) is None
    with pytest.raises(LoginFailed) as failed:
        console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    assert failed.value.detail == GENERIC
    assert "deactivated" in console.audit("agent.sign_in_failed")[-1].detail
    (event,) = console.audit("agent.deactivated")
    assert (event.actor, event.subject) == ("system:cli:test", "r.alvarez")
    rosa = console.store.by_username("r.alvarez")
    assert rosa is not None and not rosa.active
    console.service.deactivate("r.alvarez", OPERATOR)  # again: nothing new to record
    assert len(console.audit("agent.deactivated")) == 1


# Loops rather than parametrize: each case is one scrypt, a fresh database is ten of them.
ABSURD = ["", " ", "x" * 10_000, "\x00", "\ud800", "contraseña-🔑", "../../etc/passwd",
          "' OR 1=1 --"]


def test_absurd_usernames_fail_politely(console: Console) -> None:
    service = console.with_policy(AgentPolicy(max_failures_per_address=100))
    for username in [*ABSURD, "r.alvarez\x00", "rosa alvarez", "ŕ.alvarez", "\u212a.alvarez",
                     "r.alvarez; DROP TABLE agents"]:
        with pytest.raises(LoginFailed) as failed:
            service.log_in(username, ROSA_PASSWORD, ADDRESS)
        assert failed.value.detail == GENERIC, repr(username)


def test_absurd_passwords_fail_politely(console: Console) -> None:
    service = console.with_policy(AgentPolicy(max_failures_per_username=100))
    for password in [*ABSURD, ROSA_PASSWORD + "\x00", ROSA_PASSWORD + "\x00\x00",
                     ROSA_PASSWORD + "x" * 300, ROSA_PASSWORD.upper(), f" {ROSA_PASSWORD}"]:
        with pytest.raises(LoginFailed) as failed:
            service.log_in("r.alvarez", password, ADDRESS)
        assert failed.value.detail == GENERIC, repr(password)


def test_wrong_types_and_addresses_fail_politely(console: Console) -> None:
    for username, password, address in ((None, ROSA_PASSWORD, ADDRESS),
                                        ("r.alvarez", None, ADDRESS),
                                        (12, b"bytes", None),
                                        ("nobody", WRONG, "\x00" * 500),
                                        ("nobody", WRONG, "x" * 500)):
        with pytest.raises(LoginFailed):
            console.service.log_in(username, password, address)  # type: ignore[arg-type]
    # A garbage address is recorded as something harmless; a real one is normalized.
    console.service.log_in("r.alvarez", ROSA_PASSWORD, " 2001:DB8::0001 ")
    assert console.rows(agent_sessions)[-1].remote_addr == "2001:db8::1"
    addresses = {a.remote_addr for a in console.rows(agent_login_attempts)}
    assert addresses == {ADDRESS, "unknown", "x" * 45, "2001:db8::1"}


# --- the throttle ----------------------------------------------------------------------------


def test_throttle_per_username_blocks_even_the_right_password(console: Console) -> None:
    for _ in range(5):
        with pytest.raises(LoginFailed):
            console.service.log_in("r.alvarez", WRONG, ADDRESS)
        console.clock.advance(minutes=1)
    # Failures at 8:00..8:04, now 8:05: the oldest leaves the 15-minute window at 8:15.
    with pytest.raises(LoginThrottled) as throttled:
        console.service.log_in("R.ALVAREZ", ROSA_PASSWORD, "10.9.9.9")
    assert throttled.value.retry_after_minutes == 10
    assert throttled.value.detail == "Too many failed sign-ins. Try again in 10 minutes."
    assert "throttled (username)" in console.audit("agent.sign_in_failed")[-1].detail
    # Another agent is not affected.
    console.service.log_in("m.chen", MARCUS_PASSWORD, ADDRESS)
    console.clock.advance(minutes=9, seconds=59)
    with pytest.raises(LoginThrottled) as still:
        console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    assert still.value.retry_after_minutes == 1
    console.clock.advance(seconds=1)
    _, session = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    assert session.agent.username == "r.alvarez"


def test_throttle_counts_only_failures_since_the_last_sign_in(console: Console) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            console.service.log_in("r.alvarez", WRONG, ADDRESS)
    console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            console.service.log_in("r.alvarez", WRONG, ADDRESS)
    console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)  # 8 in the window, 4 since


def test_unknown_usernames_are_throttled_like_real_ones(console: Console) -> None:
    service = console.with_policy(AgentPolicy(max_failures_per_username=2))
    for username in ("ghost", "r.alvarez"):
        for _ in range(2):
            with pytest.raises(LoginFailed):
                service.log_in(username, WRONG, ADDRESS)
        with pytest.raises(LoginThrottled):  # no hint which of the two exists
            service.log_in(username, WRONG, ADDRESS)


def test_throttle_per_address_across_usernames(console: Console) -> None:
    service = console.with_policy(AgentPolicy(max_failures_per_address=4))
    for username in ("a.one", "b.two", "c.three", "r.alvarez"):
        with pytest.raises(LoginFailed):
            service.log_in(username, WRONG, ADDRESS)
    with pytest.raises(LoginThrottled) as throttled:
        service.log_in("m.chen", MARCUS_PASSWORD, ADDRESS)
    assert throttled.value.retry_after_minutes == 15
    assert "throttled (address)" in console.audit("agent.sign_in_failed")[-1].detail
    # Throttled attempts are not failures of their own: they do not extend the pause.
    assert len(console.rows(agent_login_attempts)) == 4
    _, session = service.log_in("m.chen", MARCUS_PASSWORD, "10.1.2.4")  # another desk
    assert session.agent.username == "m.chen"
    console.clock.advance(minutes=15)
    service.log_in("m.chen", MARCUS_PASSWORD, ADDRESS)


# --- sessions --------------------------------------------------------------------------------


def test_idle_timeout_slides(console: Console) -> None:
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    for _ in range(3):  # 42 minutes signed in, never 15 idle
        console.clock.advance(minutes=14)
        session = console.service.session(token)
        assert session is not None and session.last_seen_at == console.clock.now()
    console.clock.advance(minutes=16)
    assert console.service.session(token) is None
    assert console.service.session(token) is None  # ended, not just late
    (expired,) = console.audit("agent.session_expired")
    assert expired.actor == "agent:r.alvarez" and "idle" in expired.detail
    assert console.rows(agent_sessions)[0].ended_at is not None


def test_exactly_the_idle_limit_is_still_signed_in(console: Console) -> None:
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    console.clock.advance(minutes=15)
    assert console.service.session(token) is not None


def test_a_session_ends_after_a_shift_however_busy(console: Console) -> None:
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    signed_in = console.clock.now()
    while console.clock.now() - signed_in + timedelta(minutes=10) <= timedelta(hours=12):
        console.clock.advance(minutes=10)
        assert console.service.session(token) is not None
    console.clock.advance(minutes=10)
    assert console.service.session(token) is None
    assert "12 hours" in console.audit("agent.session_expired")[-1].detail


def test_log_out_ends_the_session(console: Console) -> None:
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    console.service.log_out(token)
    assert console.service.session(token) is None
    console.service.log_out(token)  # twice, or garbage: nothing happens
    console.service.log_out("garbage")
    (signed_out,) = console.audit("agent.signed_out")
    assert signed_out.actor == "agent:r.alvarez"


def test_garbage_tokens_have_no_session(console: Console) -> None:
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    for garbage in [*ABSURD, "abc", "A" * 43, token + "x", token[:-1], token.upper(), None,
                    42, b"bytes", [token]]:
        assert console.service.session(garbage) is None, repr(garbage)  # type: ignore[arg-type]
        console.service.log_out(garbage)  # type: ignore[arg-type]
    assert console.service.session(token) is not None


def test_a_stored_hash_is_not_a_token(console: Console) -> None:
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    assert console.service.session(hash_token(token)) is None


# --- managing agents -------------------------------------------------------------------------


def test_set_password_ends_every_session(console: Console) -> None:
    first, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    second, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, "10.9.9.9")
    marcus, _ = console.service.log_in("m.chen", MARCUS_PASSWORD, ADDRESS)
    console.clock.advance(minutes=1)
    console.service.set_password("R.Alvarez", "a-brand-new-passphrase", OPERATOR)
    assert console.service.session(first) is None and console.service.session(second) is None
    assert console.service.session(marcus) is not None
    with pytest.raises(LoginFailed):
        console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    console.service.log_in("r.alvarez", "a-brand-new-passphrase", ADDRESS)
    rosa = console.store.by_username("r.alvarez")
    assert rosa is not None and rosa.password_changed_at == console.clock.now()
    (changed,) = console.audit("agent.password_changed")
    assert changed.subject == "r.alvarez" and "2 console session(s)" in changed.detail


def test_add_agent(console: Console) -> None:
    agent = console.service.add_agent("  J.Doe ", "  Jane   Doe ", "jane-long-passphrase",
                                      AgentRole.SUPERVISOR, OPERATOR)
    assert (agent.username, agent.display_name, agent.role, agent.active) == (
        "j.doe", "Jane Doe", AgentRole.SUPERVISOR, True)
    assert agent.id is not None and agent.created_at == START
    assert verify_password("jane-long-passphrase", agent.password_hash)
    assert [a.username for a in console.service.agents()] == ["j.doe", "m.chen", "r.alvarez"]
    _, session = console.service.log_in("j.doe", "jane-long-passphrase", ADDRESS)
    assert session.agent.is_supervisor
    (added,) = console.audit("agent.added")
    assert (added.actor, added.subject, added.detail) == (
        "system:cli:test", "j.doe", "Jane Doe (supervisor)")


def test_duplicate_username_is_refused(console: Console) -> None:
    with pytest.raises(InvalidAgentDetails, match="already taken"):
        console.service.add_agent("R.ALVAREZ", "Another Rosa", "another-long-password",
                                  AgentRole.AGENT, OPERATOR)
    rosa = console.store.by_username("r.alvarez")
    assert rosa is not None and rosa.display_name == "Rosa Alvarez"


def test_bad_usernames_are_refused(console: Console) -> None:
    for username in ["ab", "a" * 41, "rosa alvarez", "rosa@city.gov", "", "ñandu",
                     "\u212aelvin", "x\x00y", None, "r/alvarez", "\ud800abc"]:
        with pytest.raises(InvalidAgentDetails, match="3 to 40 characters"):
            console.service.add_agent(username, "Some One",  # type: ignore[arg-type]
                                      "a-long-enough-password", AgentRole.AGENT, OPERATOR)
    assert [a.username for a in console.service.agents()] == ["m.chen", "r.alvarez"]


def test_weak_passwords_are_refused(console: Console) -> None:
    for password, why in [
            ("short-pw", "at least 12"), ("", "at least 12"), (None, "at least 12"),
            ("x" * 257, "at most 256"), ("tab\there-long-enough", "control"),
            ("nul\x00-long-enough", "control"), ("lone-\ud800-surrogate", "control"),
            ("            ", "only spaces"), ("my-{name}-password", "username"),
            ("{NAME}-SECRET-PW", "username")]:
        for name, action in (
                ("j.doe", lambda pw: console.service.add_agent(
                    "j.doe", "Jane Doe", pw, AgentRole.AGENT, OPERATOR)),
                ("r.alvarez", lambda pw: console.service.set_password(
                    "r.alvarez", pw, OPERATOR))):
            typed = password.format(name=name, NAME=name.upper()) if password else password
            with pytest.raises(InvalidAgentDetails, match=why):
                action(typed)
    assert [a.username for a in console.service.agents()] == ["m.chen", "r.alvarez"]


def test_the_longest_password_is_kept_whole(console: Console) -> None:
    longest = "ü" * MAX_PASSWORD_LENGTH
    console.service.set_password("r.alvarez", longest, OPERATOR)
    console.service.log_in("r.alvarez", longest, ADDRESS)
    for typed in (longest + "x", longest[:-1]):  # never cut down to one that matches
        with pytest.raises(LoginFailed):
            console.service.log_in("r.alvarez", typed, ADDRESS)


def test_the_demo_agents_passwords_meet_the_policy(console: Console) -> None:
    # The demo agents are seeded without the service: their passwords must pass its rules.
    for demo in DEMO_AGENTS:
        assert len(demo.password) >= AgentPolicy().min_password_length
        console.service.set_password("r.alvarez", demo.password, OPERATOR)


def test_bad_names_roles_and_unknown_agents(console: Console) -> None:
    for name in ("", "   ", "x" * 81, "Tab\x07Name", None):
        with pytest.raises(InvalidAgentDetails, match="display name"):
            console.service.add_agent("j.doe", name, "a-long-enough-password",  # type: ignore[arg-type]
                                      AgentRole.AGENT, OPERATOR)
    with pytest.raises(InvalidAgentDetails, match="role"):
        console.service.add_agent("j.doe", "Jane Doe", "a-long-enough-password",
                                  "boss", OPERATOR)  # type: ignore[arg-type]
    for action in (lambda: console.service.set_password("ghost", "a-long-enough-pw", OPERATOR),
                   lambda: console.service.deactivate("ghost", OPERATOR),
                   lambda: console.service.deactivate("x\x00", OPERATOR)):
        with pytest.raises(InvalidAgentDetails, match="No agent"):
            action()
    assert [a.username for a in console.service.agents()] == ["m.chen", "r.alvarez"]


def test_only_supervisors_and_operators_manage_agents(console: Console) -> None:
    rosa, marcus = Actor.agent("r.alvarez"), Actor.agent("m.chen")
    with pytest.raises(AgentActionError):
        console.service.add_agent("j.doe", "Jane Doe", "a-long-enough-password",
                                  AgentRole.AGENT, rosa)
    with pytest.raises(AgentActionError):
        console.service.deactivate("m.chen", rosa)
    with pytest.raises(AgentActionError):
        console.service.set_password("m.chen", "a-long-enough-password", rosa)
    with pytest.raises(AgentActionError):
        console.service.deactivate("r.alvarez", Actor.resident(Channel.WEB))
    console.service.set_password("r.alvarez", "rosas-own-new-password", rosa)  # her own
    console.service.add_agent("j.doe", "Jane Doe", "a-long-enough-password", AgentRole.AGENT,
                              marcus)
    console.service.deactivate("j.doe", marcus)
    console.service.deactivate("m.chen", OPERATOR)
    with pytest.raises(AgentActionError):  # a deactivated supervisor manages nobody
        console.service.deactivate("r.alvarez", marcus)


# --- the audit trail -------------------------------------------------------------------------


def test_no_password_or_token_reaches_the_audit_trail(console: Console) -> None:
    typed = ["rosa-wrong-guess-1", "typo-in-password-field", "contraseña-🔑-secreta"]
    for password in typed:
        with pytest.raises(LoginFailed):
            console.service.log_in("r.alvarez", password, ADDRESS)
    with pytest.raises(LoginFailed):
        console.service.log_in("ghost", "ghost-password-typed", ADDRESS)
    token, _ = console.service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    console.service.set_password("r.alvarez", "rosa-next-passphrase", OPERATOR)
    console.service.add_agent("j.doe", "Jane Doe", "jane-long-passphrase", AgentRole.AGENT,
                              OPERATOR)
    console.service.deactivate("j.doe", OPERATOR)
    second, _ = console.service.log_in("m.chen", MARCUS_PASSWORD, ADDRESS)
    console.service.log_out(second)
    secrets = [*typed, "ghost-password-typed", ROSA_PASSWORD, MARCUS_PASSWORD,
               "rosa-next-passphrase", "jane-long-passphrase", token, second,
               hash_token(token), "scrypt$"]
    events = console.audit()
    assert {e.action for e in events} == {
        "agent.sign_in_failed", "agent.signed_in", "agent.password_changed", "agent.added",
        "agent.deactivated", "agent.signed_out"}
    assert all(e.channel == Channel.AGENT for e in events)
    for event in events:
        text = " ".join(str(value) for value in event)
        assert not [s for s in secrets if s in text], event
    for row in console.rows(agent_login_attempts):
        assert not [s for s in secrets if s in " ".join(str(v) for v in row)]


# --- the store on both databases -------------------------------------------------------------


@pytest.mark.postgres
def test_sign_in_flow_on_postgres(pg_console: Console) -> None:
    console = pg_console
    with pytest.raises(LoginFailed):
        console.service.log_in("r.alvarez\x00", "x\x00", "\x00")  # PostgreSQL refuses NULs
    token, _ = console.service.log_in("R.Alvarez", ROSA_PASSWORD, ADDRESS)
    console.clock.advance(minutes=14)
    assert console.service.session(token) is not None
    console.clock.advance(minutes=16)
    assert console.service.session(token) is None
    console.service.add_agent("j.doe", "Jane Doe-Ñúñez", "jane-long-passphrase",
                              AgentRole.AGENT, OPERATOR)
    assert console.store.by_username("j.doe").display_name == "Jane Doe-Ñúñez"  # type: ignore[union-attr]
    with pytest.raises(InvalidAgentDetails):
        console.service.add_agent("j.doe", "Jane Again", "jane-long-passphrase",
                                  AgentRole.AGENT, OPERATOR)
    assert {e.action for e in console.audit()} >= {"agent.signed_in", "agent.session_expired",
                                                   "agent.sign_in_failed", "agent.added"}


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgres",
                                                                 marks=pytest.mark.postgres)],
                         indirect=True)
def test_store_on_each_database(database_url: str) -> None:
    console = next(_console(database_url))
    store, now = console.store, START
    try:
        rosa = store.by_username("r.alvarez")
        assert rosa is not None and rosa.id is not None and rosa.role == AgentRole.AGENT
        assert store.get(rosa.id) is not None and store.get(10_000) is None
        assert store.by_username("nobody") is None
        assert [a.username for a in store.all()] == ["m.chen", "r.alvarez"]
        duplicate = Agent(username="r.alvarez", display_name="Again", role=AgentRole.AGENT,
                          password_hash="x", created_at=now, password_changed_at=now)
        assert store.add(duplicate) is False and duplicate.id is None
        assert store.set_active(rosa.id, False) and not store.set_active(rosa.id, False)
        assert store.set_active(rosa.id, True)
        store.record_login(rosa.id, now)
        store.set_password(rosa.id, "new-hash", now + timedelta(minutes=1))
        again = store.by_username("r.alvarez")
        assert again is not None and again.password_hash == "new-hash"
        assert again.last_login_at == now and again.password_changed_at > now

        # Sessions: touch only moves forward; ending is once.
        first = store.add_session("a" * 64, rosa.id, now, ADDRESS)
        store.add_session("b" * 64, rosa.id, now, None)
        store.touch_session(first, now + timedelta(minutes=5))
        store.touch_session(first, now + timedelta(minutes=2))
        found = store.open_session("a" * 64)
        assert found is not None and found.id == first and found.agent.username == "r.alvarez"
        assert found.last_seen_at == now + timedelta(minutes=5) and found.created_at == now
        assert store.end_session(first, now) and not store.end_session(first, now)
        assert store.open_session("a" * 64) is None
        assert store.end_sessions_for_agent(rosa.id, now) == 1
        assert store.end_sessions_for_agent(rosa.id, now) == 0

        # Attempts: username failures count only after the last success.
        for minute, name, address, ok in ((0, "r.alvarez", "1.1.1.1", False),
                                          (1, "r.alvarez", "1.1.1.1", True),
                                          (2, "r.alvarez", "2.2.2.2", False),
                                          (3, "ghost", "2.2.2.2", False),
                                          (4, "r.alvarez", "2.2.2.2", False)):
            store.add_login_attempt(name, address, now + timedelta(minutes=minute), ok)
        since = now - timedelta(minutes=15)
        assert store.username_failures("r.alvarez", since, 10) == [
            now + timedelta(minutes=4), now + timedelta(minutes=2)]
        assert store.username_failures("r.alvarez", since, 1) == [now + timedelta(minutes=4)]
        assert store.username_failures("r.alvarez", now + timedelta(minutes=3), 10) == [
            now + timedelta(minutes=4)]
        assert len(store.address_failures("2.2.2.2", since, 10)) == 3
        assert store.address_failures("1.1.1.1", since, 10) == [now]
        assert store.address_failures("9.9.9.9", since, 10) == []

        # Recording an attempt: a failure, counted with the ones before it.
        later = now + timedelta(minutes=5)
        recorded = store.record_login_attempt("r.alvarez", "2.2.2.2", later, since=since,
                                              username_limit=10, address_limit=2)
        assert recorded.username_failures == [now + timedelta(minutes=4),
                                              now + timedelta(minutes=2)]
        assert recorded.address_failures == [now + timedelta(minutes=4),
                                             now + timedelta(minutes=3)]
        assert store.username_failures("r.alvarez", since, 10)[0] == later
        store.mark_login_attempts_succeeded([recorded.id])
        assert store.username_failures("r.alvarez", since, 10) == []
        store.remove_login_attempt(recorded.id)  # a success is never removed
        refused = store.record_login_attempt("ghost", "3.3.3.3", later, since=since,
                                             username_limit=5, address_limit=5)
        assert refused.username_failures == [now + timedelta(minutes=3)]
        assert refused.address_failures == []
        store.remove_login_attempt(refused.id)
        assert store.address_failures("3.3.3.3", since, 10) == []
        assert len(store.address_failures("2.2.2.2", since, 10)) == 3
    finally:
        console.container.dispose()


# --- the demo agents -------------------------------------------------------------------------


def test_the_demo_city_comes_with_its_agents(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    clock = FixedClock(START)
    container = build_container(Settings.from_env({"PAYLINE_DATABASE_URL": url}), clock=clock)
    try:
        result = seed_demo_city(container.engine, DemoCity(size=1, today=START.date()),
                                container.gateway)
        assert result.agents == 2
        service = container.agent_auth_service()
        roles = {a.username: a.role for a in service.agents()}
        assert roles == {"r.alvarez": AgentRole.AGENT, "m.chen": AgentRole.SUPERVISOR}
        for demo in DEMO_AGENTS:
            _, session = service.log_in(demo.username, demo.password, "127.0.0.1")
            assert session.agent.display_name == demo.display_name
        assert seed_demo_agents(container.engine, clock.now()) == []  # idempotent
        assert count_agents(container.engine) == 2
        with container.engine.connect() as conn:
            seeded = conn.execute(sa.select(audit_events_table.c.actor).where(
                audit_events_table.c.action == "agent.added")).scalars().all()
        assert seeded == ["system:demo-seed", "system:demo-seed"]
    finally:
        container.dispose()


def test_demo_agents_never_overwrite_an_existing_agent(console: Console) -> None:
    assert seed_demo_agents(console.engine, START) == []
    rosa = console.store.by_username("r.alvarez")
    assert rosa is not None and verify_password(ROSA_PASSWORD, rosa.password_hash)


# --- a burst of parallel guesses (PostgreSQL: real concurrency) -------------------------------


class CountingScrypt:
    """Wraps the real verify_password to count how often scrypt runs; `started(n)` is set
    once n verifications have begun. Nothing is faked: every call runs real scrypt."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        self.started = threading.Event()
        self._n = n
        real = agent_auth.verify_password

        def counting(password: str, stored: str) -> bool:
            with self._lock:
                self.calls += 1
                if self.calls >= self._n:
                    self.started.set()
            return real(password, stored)

        monkeypatch.setattr(agent_auth, "verify_password", counting)


def _burst(attempts: list[Callable[[], object]]) -> list[BaseException | None]:
    """Run every attempt in a thread of its own, all released at once; each one's error."""
    barrier = threading.Barrier(len(attempts))
    results: list[BaseException | None] = [None] * len(attempts)

    def run(i: int) -> None:
        barrier.wait()
        try:
            attempts[i]()
        except BaseException as exc:  # collected for the assertions
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def any_console(database_url: str) -> Iterator[Console]:
    """A console on each database (PostgreSQL for real concurrency; SQLite too)."""
    yield from _console(database_url, migrate=False)


def test_parallel_guesses_cannot_get_past_the_username_limit(
        any_console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    console = any_console
    scrypt = CountingScrypt(monkeypatch, n=5)
    service = console.with_policy(AgentPolicy(max_failures_per_username=5))
    right: dict[str, BaseException | None] = {}

    def right_password_inside_the_burst() -> None:
        # Starts once 5 guesses are being checked, while the rest are still arriving.
        assert scrypt.started.wait(timeout=60)
        try:
            service.log_in("r.alvarez", ROSA_PASSWORD, "10.7.7.7")
        except BaseException as exc:
            right["error"] = exc

    inside = threading.Thread(target=right_password_inside_the_burst)
    inside.start()
    results = _burst([lambda: service.log_in("r.alvarez", WRONG, ADDRESS)] * 15)
    inside.join(timeout=60)

    # Attempts take turns to be counted: exactly the first 5 guesses ran scrypt, and the
    # right password was refused before it.
    assert scrypt.calls == 5
    failed = [r for r in results if isinstance(r, LoginFailed)]
    throttled = [r for r in results if isinstance(r, LoginThrottled)]
    assert (len(failed), len(throttled)) == (5, 10)
    assert isinstance(right.get("error"), LoginThrottled)
    with pytest.raises(LoginThrottled):  # right after the burst
        service.log_in("r.alvarez", ROSA_PASSWORD, "10.7.7.8")
    assert console.rows(agent_sessions) == []
    # Throttled attempts left no row: only the guesses that were checked count.
    assert len(console.rows(agent_login_attempts)) == len(failed)


def test_parallel_guesses_cannot_get_past_the_address_limit(
        any_console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    console = any_console
    scrypt = CountingScrypt(monkeypatch, n=5)
    service = console.with_policy(AgentPolicy(max_failures_per_address=5))
    results = _burst([lambda i=i: service.log_in(f"made.up.{i}", WRONG, ADDRESS)
                      for i in range(20)])
    assert scrypt.calls == 5
    assert sum(isinstance(r, LoginFailed) for r in results) == 5
    assert sum(isinstance(r, LoginThrottled) for r in results) == 15
    with pytest.raises(LoginThrottled):
        service.log_in("m.chen", MARCUS_PASSWORD, ADDRESS)
    service.log_in("m.chen", MARCUS_PASSWORD, "10.1.2.99")  # another address is not locked


# --- one-time codes (MFA) -------------------------------------------------------------------

REQUIRED = AgentPolicy(require_mfa=True)


def _second_step(service: AgentAuthService, username: str = "r.alvarez",
                 password: str = ROSA_PASSWORD) -> SecondFactorNeeded:
    with pytest.raises(SecondFactorNeeded) as needed:
        service.log_in(username, password, ADDRESS)
    return needed.value


def _enrol(console: Console, service: AgentAuthService) -> str:
    """Rosa's first sign-in with codes required: returns the secret she set up."""
    step = _second_step(service)
    assert step.enrol
    enrolment = service.pending_sign_in(step.challenge).enrolment
    assert enrolment is not None
    service.complete_sign_in(step.challenge, code_at(enrolment.secret, console.clock.now()),
                             ADDRESS)
    return enrolment.secret


def test_required_codes_are_set_up_at_the_first_sign_in(console: Console) -> None:
    service = console.with_policy(REQUIRED)
    step = _second_step(service)
    assert step.enrol and console.rows(agent_sessions) == []
    pending = service.pending_sign_in(step.challenge)
    assert pending.agent.username == "r.alvarez" and pending.enrolment is not None
    secret = pending.enrolment.secret
    assert "r.alvarez" in pending.enrolment.uri and secret in pending.enrolment.uri
    with pytest.raises(CodeRejected):
        service.complete_sign_in(step.challenge, "000000", ADDRESS)
    assert not console.store.by_username("r.alvarez").mfa_enabled  # type: ignore[union-attr]
    token, session = service.complete_sign_in(step.challenge, code_at(secret, START), ADDRESS)
    assert service.session(token) is not None and session.agent.username == "r.alvarez"
    rosa = console.store.by_username("r.alvarez")
    assert rosa is not None and rosa.mfa_enabled and rosa.mfa_enabled_at == START
    # Stored sealed, never as the secret itself.
    assert rosa.mfa_secret is not None and secret not in rosa.mfa_secret
    assert SecretBox(REQUIRED.mfa_key).open(rosa.mfa_secret) == secret
    assert {e.action for e in console.audit()} >= {"agent.password_accepted",
                                                   "agent.code_rejected", "agent.mfa_enabled",
                                                   "agent.signed_in"}
    # The step is used up; the next sign-in asks for a code, which works once.
    with pytest.raises(SignInExpired):
        service.complete_sign_in(step.challenge, code_at(secret, START), ADDRESS)
    again = _second_step(service)
    assert not again.enrol and service.pending_sign_in(again.challenge).enrolment is None
    with pytest.raises(CodeAlreadyUsed):
        service.complete_sign_in(again.challenge, code_at(secret, START), ADDRESS)
    console.clock.advance(seconds=30)
    service.complete_sign_in(again.challenge, code_at(secret, console.clock.now()), ADDRESS)
    # The password's and the code's attempts succeeded; the wrong and the reused code stay
    # failures of the address (the username's count starts again at a sign-in).
    hour_ago = START - timedelta(hours=1)
    assert console.store.username_failures("r.alvarez", hour_ago, 10) == []
    assert console.store.address_failures(ADDRESS, hour_ago, 10) == [START, START]


def test_each_sign_in_gets_a_fresh_secret_until_one_is_confirmed(console: Console) -> None:
    service = console.with_policy(REQUIRED)
    first = service.pending_sign_in(_second_step(service).challenge).enrolment
    second = service.pending_sign_in(_second_step(service).challenge).enrolment
    assert first is not None and second is not None and first.secret != second.secret
    assert all(first.secret not in str(tuple(row)) for row in console.rows(agents_table))


def test_wrong_codes_count_in_the_sign_in_throttle(console: Console) -> None:
    service = console.with_policy(REQUIRED)
    secret = _enrol(console, service)
    console.clock.advance(minutes=1)
    step = _second_step(service)  # the password: one failure until the code is right
    for _ in range(4):
        with pytest.raises(CodeRejected):
            service.complete_sign_in(step.challenge, "123456", ADDRESS)
    with pytest.raises(LoginThrottled):  # even the right code, now
        service.complete_sign_in(step.challenge, code_at(secret, console.clock.now()),
                                 ADDRESS)
    with pytest.raises(LoginThrottled):
        service.log_in("r.alvarez", ROSA_PASSWORD, "10.9.9.9")
    console.clock.advance(minutes=16)
    with pytest.raises(SignInExpired):  # the step waited too long
        service.complete_sign_in(step.challenge, code_at(secret, console.clock.now()),
                                 ADDRESS)
    step = _second_step(service)
    service.complete_sign_in(step.challenge, code_at(secret, console.clock.now()), ADDRESS)


def test_a_code_step_is_refused_for_garbage_and_deactivated_agents(console: Console) -> None:
    service = console.with_policy(REQUIRED)
    for garbage in ("", "x" * 200, "\x00", None, 42):
        with pytest.raises(SignInExpired):
            service.pending_sign_in(garbage)  # type: ignore[arg-type]
        with pytest.raises(SignInExpired):
            service.complete_sign_in(garbage, "123456", ADDRESS)  # type: ignore[arg-type]
    step = _second_step(service)
    service.deactivate("r.alvarez", OPERATOR)
    with pytest.raises(SignInExpired):
        service.pending_sign_in(step.challenge)
    assert console.rows(agent_sessions) == []


def test_codes_are_optional_in_development_and_always_asked_once_on(
        console: Console) -> None:
    service = console.service  # the development policy
    _, session = service.log_in("r.alvarez", ROSA_PASSWORD, ADDRESS)
    actor = session.agent.actor
    challenge, enrolment = service.start_enrolment(actor)
    assert service.enrolment(actor, challenge) == enrolment
    with pytest.raises(SignInExpired):  # someone else's enrolment
        service.enrolment(Actor.agent("m.chen"), challenge)
    with pytest.raises(SignInExpired):  # an enrolment is no sign-in
        service.complete_sign_in(challenge, code_at(enrolment.secret, START), ADDRESS)
    with pytest.raises(CodeRejected):
        service.confirm_enrolment(actor, challenge, "000000")
    service.confirm_enrolment(actor, challenge, code_at(enrolment.secret, START))
    with pytest.raises(AgentActionError, match="already on"):
        service.start_enrolment(actor)
    console.clock.advance(seconds=30)
    step = _second_step(service)
    assert not step.enrol
    service.complete_sign_in(step.challenge, code_at(enrolment.secret, console.clock.now()),
                             ADDRESS)
    # Marcus has none: password only.
    service.log_in("m.chen", MARCUS_PASSWORD, ADDRESS)


def test_reset_mfa_takes_an_operator_or_another_supervisor(console: Console) -> None:
    service = console.with_policy(REQUIRED)
    _enrol(console, service)
    token, _ = service.complete_sign_in(*_code_for(console, service))
    rosa, marcus = Actor.agent("r.alvarez"), Actor.agent("m.chen")
    for actor in (rosa, Actor.resident(Channel.WEB)):
        with pytest.raises(AgentActionError):
            service.reset_mfa("r.alvarez", actor)
    service.reset_mfa("R.Alvarez", OPERATOR)
    assert service.session(token) is None  # her sessions ended
    assert not console.store.by_username("r.alvarez").mfa_enabled  # type: ignore[union-attr]
    with pytest.raises(InvalidAgentDetails, match="no one-time codes"):
        service.reset_mfa("r.alvarez", marcus)
    (event,) = console.audit("agent.mfa_reset")
    assert (event.actor, event.subject) == ("system:cli:test", "r.alvarez")
    assert _second_step(service).enrol  # she sets codes up again
    with pytest.raises(InvalidAgentDetails, match="No agent"):
        service.reset_mfa("ghost", OPERATOR)


def _code_for(console: Console, service: AgentAuthService) -> tuple[str, str, str]:
    """(challenge, the current code, address) for Rosa's next sign-in, a step later."""
    console.clock.advance(seconds=30)
    rosa = console.store.by_username("r.alvarez")
    assert rosa is not None and rosa.mfa_secret is not None
    secret = SecretBox(REQUIRED.mfa_key).open(rosa.mfa_secret)
    assert secret is not None
    return _second_step(service).challenge, code_at(secret, console.clock.now()), ADDRESS


@pytest.mark.postgres
def test_one_code_sent_twice_at_once_signs_in_once(pg_console: Console) -> None:
    console = pg_console
    service = console.with_policy(REQUIRED)
    _enrol(console, service)
    first, code, _ = _code_for(console, service)
    second = _second_step(service).challenge  # a second tab, the same code
    results = _burst([lambda: service.complete_sign_in(first, code, ADDRESS),
                      lambda: service.complete_sign_in(second, code, ADDRESS)])
    assert sorted(type(r).__name__ for r in results) == ["CodeAlreadyUsed", "NoneType"]
    assert len([s for s in console.rows(agent_sessions) if s.ended_at is None]) == 2  # 1 + enrol
