"""The 311 console's session and throttle settings (domain/config.py AgentPolicy)."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.config import DEV_AGENT_MFA_KEY, AgentPolicy, Settings
from domain.errors import LoginFailed, LoginThrottled
from domain.model import Agent, AgentRole
from ivr.settings import ChannelSettings
from tests.unit.conftest import CHICAGO


def test_defaults() -> None:
    policy = Settings.from_env({}).agents
    assert policy == AgentPolicy()
    assert (policy.idle_minutes, policy.max_session_hours) == (15, 12)
    assert (policy.max_failures_per_username, policy.max_failures_per_address,
            policy.failure_window_minutes, policy.min_password_length) == (5, 20, 15, 12)


def test_read_from_the_environment() -> None:
    policy = Settings.from_env({"PAYLINE_AGENT_IDLE_MINUTES": " 30 ",
                                "PAYLINE_AGENT_SESSION_HOURS": "8"}).agents
    assert (policy.idle_minutes, policy.max_session_hours) == (30, 8)


@pytest.mark.parametrize(("name", "value"), [
    ("PAYLINE_AGENT_IDLE_MINUTES", "0"), ("PAYLINE_AGENT_IDLE_MINUTES", "-5"),
    ("PAYLINE_AGENT_IDLE_MINUTES", "fifteen"), ("PAYLINE_AGENT_IDLE_MINUTES", "1.5"),
    ("PAYLINE_AGENT_IDLE_MINUTES", "99999"), ("PAYLINE_AGENT_IDLE_MINUTES", "²"),
    ("PAYLINE_AGENT_SESSION_HOURS", "0"), ("PAYLINE_AGENT_SESSION_HOURS", "73"),
    ("PAYLINE_AGENT_SESSION_HOURS", "12h"),
])
def test_bad_values_say_which_setting(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="idle_minutes"):
        AgentPolicy(idle_minutes=0)
    with pytest.raises(ValueError, match="max_failures_per_username"):
        AgentPolicy(max_failures_per_username=True)


@pytest.mark.parametrize("length", [1, 8, 11])
def test_no_policy_allows_passwords_shorter_than_pci_dss_requires(length: int) -> None:
    with pytest.raises(ValueError, match=r"at least 12 \(PCI DSS 8.3.6\)"):
        AgentPolicy(min_password_length=length)
    assert AgentPolicy(min_password_length=16).min_password_length == 16


def test_errors_are_polite_and_generic() -> None:
    assert LoginFailed().detail == "That username and password do not match."
    throttled = LoginThrottled(11)
    assert throttled.retry_after_minutes == 11
    assert throttled.detail == throttled.message == str(throttled) == (
        "Too many failed sign-ins. Try again in 11 minutes.")
    assert LoginThrottled(1).message.endswith("in 1 minute.")
    assert LoginThrottled(0).retry_after_minutes == 1


def test_agent_model() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO)
    agent = Agent(username="m.chen", display_name="Marcus Chen", role=AgentRole.SUPERVISOR,
                  password_hash="scrypt$secret-hash", created_at=now, password_changed_at=now)
    assert agent.is_supervisor and agent.active and agent.last_login_at is None
    assert str(agent.actor) == "agent:m.chen"
    assert "secret-hash" not in repr(agent)


def test_trusted_proxies_default_to_none() -> None:
    assert ChannelSettings.from_env({}).trusted_proxies == 0
    assert ChannelSettings.from_env({"PAYLINE_TRUSTED_PROXIES": " 2 "}).trusted_proxies == 2


@pytest.mark.parametrize("value", ["-1", "one", "1.0", "6", "²", "1 2"])
def test_trusted_proxies_must_be_a_small_whole_number(value: str) -> None:
    with pytest.raises(ValueError, match="PAYLINE_TRUSTED_PROXIES"):
        ChannelSettings.from_env({"PAYLINE_TRUSTED_PROXIES": value})


def test_codes_are_required_in_production_and_optional_in_development() -> None:
    assert Settings.from_env({}).agents.require_mfa is False
    assert Settings.from_env({"PAYLINE_ENV": "production"}).agents.require_mfa is True
    public = Settings.from_env({"PAYLINE_PUBLIC_URL": "https://pay.riverton.example.gov"})
    assert public.agents.require_mfa is True


def test_the_codes_key_comes_from_the_environment_and_is_never_shown() -> None:
    key = "k" * 43 + "="
    policy = Settings.from_env({"PAYLINE_AGENT_MFA_KEY": f" {key} "}).agents
    assert policy.mfa_key == key and key not in repr(policy)
    assert Settings.from_env({}).agents.mfa_key == DEV_AGENT_MFA_KEY


@pytest.mark.parametrize("key", ["short", "x" * 44, "k" * 43 + "=" + "x", "ü" * 44])
def test_a_bad_codes_key_stops_startup(key: str) -> None:
    with pytest.raises(ValueError, match="PAYLINE_AGENT_MFA_KEY must be a Fernet key"):
        Settings.from_env({"PAYLINE_AGENT_MFA_KEY": key})
