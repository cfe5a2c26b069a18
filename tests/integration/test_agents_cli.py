"""`payline agents` (ivr/cli/agents.py) and the demo agents `payline seed` writes, on a real
SQLite database through click's CliRunner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from domain.adapters.agent_store import agents
from domain.adapters.orm import accounts_table, audit_events_table
from domain.config import Settings
from domain.model import AgentSession
from domain.passwords import verify_password
from domain.services.agent_auth import MAX_PASSWORD_LENGTH, AgentAuthService, SecondFactorNeeded
from domain.totp import code_at
from ivr.bootstrap import build_container
from ivr.cli.main import main

Invoke = Callable[..., Result]
PASSWORD = "jane-long-passphrase"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"PAYLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'payline.db'}",
            "PAYLINE_TIMEZONE": "America/Chicago"}


@pytest.fixture
def payline(env: dict[str, str]) -> Invoke:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=env, input=input,
                                  catch_exceptions=False)
    return invoke


@pytest.fixture
def migrated(payline: Invoke) -> Invoke:
    assert payline("db", "upgrade").exit_code == 0
    return payline


def engine_for(env: dict[str, str]) -> sa.Engine:
    return sa.create_engine(Settings.from_env(env).database_url)


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def rows(env: dict[str, str], table: sa.Table) -> list[sa.Row]:
    engine = engine_for(env)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(table).order_by(table.c.id)))
    finally:
        engine.dispose()


def test_add_with_a_hidden_prompt_then_list(migrated: Invoke, env: dict[str, str]) -> None:
    added = migrated("agents", "add", "J.Doe", "--name", "Jane Doe", "--role", "supervisor",
                     input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert "Added supervisor j.doe (Jane Doe)" in added.output
    assert PASSWORD not in added.output  # the prompt hides what is typed
    (row,) = rows(env, agents)
    assert (row.username, row.display_name, row.role, row.active) == (
        "j.doe", "Jane Doe", "supervisor", True)
    assert verify_password(PASSWORD, row.password_hash)
    (event,) = rows(env, audit_events_table)
    assert event.action == "agent.added" and event.actor.startswith("system:cli")

    listed = migrated("agents", "list")
    assert listed.exit_code == 0
    header, line = listed.output.strip().splitlines()
    assert header.split() == ["username", "name", "role", "active", "last", "sign-in"]
    assert line.split() == ["j.doe", "Jane", "Doe", "supervisor", "yes", "never"]
    assert "scrypt" not in listed.output


def test_add_from_stdin_for_scripts(migrated: Invoke, env: dict[str, str]) -> None:
    result = migrated("agents", "add", "r.alvarez", "--name", "Rosa Alvarez",
                      "--password-stdin", input=f"{PASSWORD}\r\nignored\n")
    assert result.exit_code == 0, result.output
    (row,) = rows(env, agents)
    assert row.role == "agent" and verify_password(PASSWORD, row.password_hash)


def test_mismatched_confirmation_is_asked_again(migrated: Invoke, env: dict[str, str]) -> None:
    result = migrated("agents", "add", "j.doe", "--name", "Jane Doe",
                      input=f"{PASSWORD}\nsomething-else-typed\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0 and "do not match" in result.output
    assert rows(env, agents)[0].username == "j.doe"


def test_add_errors_are_one_line(migrated: Invoke, env: dict[str, str]) -> None:
    assert "at least 12 characters" in one_line_error(migrated(
        "agents", "add", "j.doe", "--name", "Jane Doe", "--password-stdin", input="short\n"))
    assert "3 to 40 characters" in one_line_error(migrated(
        "agents", "add", "Jane Doe", "--name", "Jane Doe", "--password-stdin",
        input=f"{PASSWORD}\n"))
    assert "no password" in one_line_error(migrated(
        "agents", "add", "j.doe", "--name", "Jane Doe", "--password-stdin", input=""))
    assert "display name" in one_line_error(migrated(
        "agents", "add", "j.doe", "--name", "  ", "--password-stdin", input=f"{PASSWORD}\n"))
    assert migrated("agents", "add", "j.doe", "--name", "Jane Doe", "--password-stdin",
                    input=f"{PASSWORD}\n").exit_code == 0
    assert "already taken" in one_line_error(migrated(
        "agents", "add", "J.DOE", "--name", "Jane Again", "--password-stdin",
        input=f"{PASSWORD}\n"))
    # Usage errors (click's own): exit status 2, and no way to pass a password as an argument.
    assert migrated("agents", "add", "j.doe2", "--password-stdin").exit_code == 2  # no --name
    assert migrated("agents", "add", "j.doe2", "--name", "J", "--role", "boss").exit_code == 2
    assert migrated("agents", "add", "j.doe2", "--name", "J", "--password", PASSWORD
                    ).exit_code == 2
    assert [r.username for r in rows(env, agents)] == ["j.doe"]
    assert not [e for e in rows(env, audit_events_table) if PASSWORD in str(tuple(e))]


def test_the_cli_holds_passwords_to_the_same_limits_as_the_form(migrated: Invoke,
                                                                env: dict[str, str]) -> None:
    longest = "p" * MAX_PASSWORD_LENGTH
    assert "at most 256 characters" in one_line_error(migrated(
        "agents", "add", "j.doe", "--name", "Jane Doe", "--password-stdin",
        input=longest + "x\n"))
    assert "at least 12 characters" in one_line_error(migrated(
        "agents", "add", "j.doe", "--name", "Jane Doe", "--password-stdin",
        input="eleven-char\n"))
    prompted = migrated("agents", "add", "j.doe", "--name", "Jane Doe",
                        input=f"{longest}\n{longest}\n")
    assert prompted.exit_code == 0 and "(12 to 256 characters)" in prompted.output
    (row,) = rows(env, agents)
    assert verify_password(longest, row.password_hash)  # kept whole, not cut short
    assert not verify_password(longest[:200], row.password_hash)


def test_set_password_and_deactivate(migrated: Invoke, env: dict[str, str]) -> None:
    assert migrated("agents", "add", "j.doe", "--name", "Jane Doe", "--password-stdin",
                    input=f"{PASSWORD}\n").exit_code == 0
    changed = migrated("agents", "set-password", "J.Doe",
                       input="another-long-passphrase\nanother-long-passphrase\n")
    assert changed.exit_code == 0 and "New password set for j.doe" in changed.output
    assert verify_password("another-long-passphrase", rows(env, agents)[0].password_hash)
    assert "at least 12" in one_line_error(migrated(
        "agents", "set-password", "j.doe", "--password-stdin", input="short\n"))
    assert "No agent has the username ghost" in one_line_error(migrated(
        "agents", "set-password", "ghost", "--password-stdin", input=f"{PASSWORD}\n"))

    done = migrated("agents", "deactivate", "j.doe")
    assert done.exit_code == 0 and "j.doe is deactivated" in done.output
    assert rows(env, agents)[0].active is False
    assert migrated("agents", "list").output.strip().splitlines()[1].split()[4] == "no"
    assert "No agent" in one_line_error(migrated("agents", "deactivate", "ghost"))
    assert "3 to 40" in one_line_error(migrated("agents", "deactivate", "x"))
    actions = [e.action for e in rows(env, audit_events_table)]
    assert actions == ["agent.added", "agent.password_changed", "agent.deactivated"]


def test_reset_mfa_is_audited_and_ends_sessions(migrated: Invoke, env: dict[str, str]) -> None:
    assert migrated("agents", "add", "j.doe", "--name", "Jane Doe", "--password-stdin",
                    input=f"{PASSWORD}\n").exit_code == 0
    assert "has no one-time codes" in one_line_error(migrated("agents", "reset-mfa", "j.doe"))
    container = build_container(Settings.from_env(env))
    try:
        service = container.agent_auth_service()
        _, session = service.log_in("j.doe", PASSWORD, "127.0.0.1")
        challenge, enrolment = service.start_enrolment(session.agent.actor)
        service.confirm_enrolment(session.agent.actor, challenge,
                                  code_at(enrolment.secret, container.clock.now()))
        token, _ = _signed_in_with_code(service, enrolment.secret, container.clock.now())
        done = migrated("agents", "reset-mfa", "J.Doe")
        assert done.exit_code == 0 and "One-time codes reset for j.doe" in done.output
        assert service.session(token) is None
        (row,) = rows(env, agents)
        assert (row.mfa_secret, row.mfa_enabled_at, row.mfa_last_step) == (None, None, None)
        _, again = service.log_in("j.doe", PASSWORD, "127.0.0.1")  # development: password only
        assert again.agent.username == "j.doe"
    finally:
        container.dispose()
    (event,) = [e for e in rows(env, audit_events_table) if e.action == "agent.mfa_reset"]
    assert event.actor.startswith("system:cli") and event.subject == "j.doe"
    assert "No agent" in one_line_error(migrated("agents", "reset-mfa", "ghost"))


def _signed_in_with_code(service: AgentAuthService, secret: str,
                         now: datetime) -> tuple[str, AgentSession]:
    with pytest.raises(SecondFactorNeeded) as step:
        service.log_in("j.doe", PASSWORD, "127.0.0.1")
    # The enrolment used this step's code: the next step's code signs in.
    return service.complete_sign_in(step.value.challenge,
                                    code_at(secret, now + timedelta(seconds=30)), "127.0.0.1")


def test_list_when_empty_and_before_migrating(payline: Invoke) -> None:
    assert "payline db upgrade" in one_line_error(payline("agents", "list"))
    assert payline("db", "upgrade").exit_code == 0
    assert "No agents yet" in payline("agents", "list").output


# --- the demo agents ---------------------------------------------------------------------


def test_seed_adds_the_demo_agents(migrated: Invoke, env: dict[str, str]) -> None:
    seeded = migrated("seed", "--accounts", "12")
    assert seeded.exit_code == 0 and "2 demo 311 agents" in seeded.output
    listed = migrated("agents", "list").output
    assert "r.alvarez" in listed and "Rosa Alvarez" in listed and "m.chen" in listed
    assert "riverton-agent-demo" in migrated("demo-identities").output


def test_an_older_demo_database_gets_the_demo_agents(migrated: Invoke,
                                                     env: dict[str, str]) -> None:
    assert migrated("seed", "--accounts", "12").exit_code == 0
    engine = engine_for(env)
    try:
        with engine.begin() as conn:  # as seeded before agents existed
            conn.execute(sa.delete(agents))
        again = migrated("seed", "--if-empty")
        assert again.exit_code == 0 and "nothing to seed" in again.output
        assert "Added the demo 311 agents r.alvarez, m.chen" in again.output
        assert "Added" not in migrated("seed", "--if-empty").output  # once
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(agents)).scalar() == 2
    finally:
        engine.dispose()


def test_a_database_without_the_demo_city_never_gets_demo_agents(
        migrated: Invoke, env: dict[str, str]) -> None:
    assert migrated("seed", "--accounts", "12").exit_code == 0
    engine = engine_for(env)
    try:
        with engine.begin() as conn:  # real accounts, no personas, no agents yet
            conn.execute(sa.delete(agents))
            conn.execute(sa.update(accounts_table)
                         .where(accounts_table.c.account_number == "0104200731")
                         .values(account_number="9999999999"))
        again = migrated("seed", "--if-empty")
        assert again.exit_code == 0 and "Added" not in again.output
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(agents)).scalar() == 0
    finally:
        engine.dispose()
