"""Production fails closed (domain/production.py): the one list of secrets, and the check every
process runs at startup. Development keeps its defaults."""

from __future__ import annotations

import pytest

from domain.config import DEV_AGENT_MFA_KEY, DEV_VAULT_KEY, Settings, selected_processor
from domain.production import (
    DEV_ACTIONS_SECRET,
    DEV_RASA_TOKEN,
    ProductionSecretsMissing,
    check_production_secrets,
    production_problems,
    secret_value,
)
from ivr.settings import DEV_AUTH_TOKEN, DEV_CONNECTOR_PASSWORD, ChannelSettings
from tests.production_support import SECRET_NAMES, production_env, production_secrets

ALL = ("TWILIO_AUTH_TOKEN", "PAYLINE_SECRET_KEY", "PAYLINE_PAY_CONNECTOR_PASSWORD",
       "PAYLINE_VAULT_KEY", "PAYLINE_ACTIONS_SECRET", "PAYLINE_RASA_TOKEN",
       "PAYLINE_AGENT_MFA_KEY")  # what production needs with the sandbox processor
STRIPE_ONLY = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")


def test_the_list_names_every_secret_once() -> None:
    assert SECRET_NAMES == ALL + STRIPE_ONLY


def test_production_with_stripe_needs_its_keys() -> None:
    env = {**production_env(), "PAYLINE_PROCESSOR": "stripe"}
    for name in STRIPE_ONLY:
        env.pop(name, None)
    assert production_problems(env) == [f"{name} (missing)" for name in STRIPE_ONLY]
    env.update({"STRIPE_SECRET_KEY": "sk_test_payline_local",
                "STRIPE_WEBHOOK_SECRET": "whsec_payline_local_dev"})
    assert production_problems(env) == [f"{name} (the development default)"
                                        for name in STRIPE_ONLY]
    env.update({"STRIPE_SECRET_KEY": "sk_live_" + "a" * 24, "STRIPE_WEBHOOK_SECRET": "whsec_x"})
    assert production_problems(env) == []


def test_development_needs_no_secret() -> None:
    assert production_problems({}) == []
    check_production_secrets({"PAYLINE_ENV": "development"})  # no error


@pytest.mark.parametrize("mode", [{"PAYLINE_ENV": "production"},
                                  {"PAYLINE_PUBLIC_URL": "https://pay.riverton.example.gov"}])
def test_production_without_secrets_names_every_one_in_one_message(
        mode: dict[str, str]) -> None:
    with pytest.raises(ProductionSecretsMissing) as raised:
        check_production_secrets(mode)
    message = str(raised.value)
    assert "\n" not in message
    for name in ALL:
        assert f"{name} (missing)" in message
    assert message.startswith("Payline will not start in production mode")


def test_production_with_every_secret_set_starts() -> None:
    env = production_env()
    assert production_problems(env) == []
    check_production_secrets(env)


def test_development_defaults_are_refused_and_never_echoed() -> None:
    env = {**production_env(), "TWILIO_AUTH_TOKEN": DEV_AUTH_TOKEN,
           "PAYLINE_SECRET_KEY": "payline-local-dev-secret",
           "PAYLINE_PAY_CONNECTOR_PASSWORD": DEV_CONNECTOR_PASSWORD,
           "PAYLINE_VAULT_KEY": DEV_VAULT_KEY, "PAYLINE_ACTIONS_SECRET": DEV_ACTIONS_SECRET,
           "PAYLINE_RASA_TOKEN": f"  {DEV_RASA_TOKEN} ", "PAYLINE_AGENT_MFA_KEY": DEV_AGENT_MFA_KEY}
    problems = production_problems(env)
    assert problems == [f"{name} (the development default)" for name in ALL]
    with pytest.raises(ProductionSecretsMissing) as raised:
        check_production_secrets(env)
    for value in (DEV_AUTH_TOKEN, DEV_CONNECTOR_PASSWORD, DEV_VAULT_KEY, DEV_ACTIONS_SECRET,
                  DEV_AGENT_MFA_KEY):
        assert value not in str(raised.value)


def test_blank_counts_as_missing() -> None:
    env = {**production_env(), "PAYLINE_SECRET_KEY": "   ", "PAYLINE_RASA_TOKEN": ""}
    assert production_problems(env) == ["PAYLINE_SECRET_KEY (missing)",
                                         "PAYLINE_RASA_TOKEN (missing)"]


def test_weak_secrets_are_refused() -> None:
    env = {**production_env(), "PAYLINE_ACTIONS_SECRET": "hunter2",
           "PAYLINE_SECRET_KEY": "x" * 31, "PAYLINE_VAULT_KEY": "not-a-fernet-key"}
    assert production_problems(env) == [
        "PAYLINE_SECRET_KEY (shorter than 32 characters)",
        "PAYLINE_VAULT_KEY (not a Fernet key)",
        "PAYLINE_ACTIONS_SECRET (shorter than 32 characters)"]
    # Twilio's auth token is Twilio's to choose: any value but the development one.
    assert production_problems({**production_env(), "TWILIO_AUTH_TOKEN": "abc"}) == []


def test_one_missing_secret_is_the_only_one_named() -> None:
    env = production_env()
    del env["PAYLINE_VAULT_KEY"]
    with pytest.raises(ProductionSecretsMissing,
                       match=r"until these secrets are set: PAYLINE_VAULT_KEY \(missing\)\. "):
        check_production_secrets(env)


def test_an_unknown_environment_name_is_a_clear_error_not_development() -> None:
    with pytest.raises(ValueError, match="PAYLINE_ENV must be one of"):
        check_production_secrets({"PAYLINE_ENV": "prod"})


def test_every_process_reads_a_secret_the_same_way() -> None:
    assert secret_value({}, "PAYLINE_ACTIONS_SECRET") == DEV_ACTIONS_SECRET
    assert secret_value({"PAYLINE_ACTIONS_SECRET": " "}, "PAYLINE_ACTIONS_SECRET") == \
        DEV_ACTIONS_SECRET
    assert secret_value({"PAYLINE_RASA_TOKEN": " t "}, "PAYLINE_RASA_TOKEN") == "t"
    values = production_secrets()
    channels = ChannelSettings.from_env(values)
    assert channels.twilio_auth_token == values["TWILIO_AUTH_TOKEN"]
    assert channels.secret_key == values["PAYLINE_SECRET_KEY"]
    assert channels.connector_password == values["PAYLINE_PAY_CONNECTOR_PASSWORD"]
    assert channels.rasa_token == values["PAYLINE_RASA_TOKEN"]
    assert ChannelSettings.from_env({}).rasa_token == DEV_RASA_TOKEN
    assert values["PAYLINE_RASA_TOKEN"] not in repr(channels)


# --- PAYLINE_PROCESSOR ---------------------------------------------------------------------


def test_the_processor_is_the_sandbox_by_default() -> None:
    assert Settings.from_env({}).processor == "sandbox"
    assert Settings.from_env({"PAYLINE_PROCESSOR": " Sandbox "}).processor == "sandbox"


@pytest.mark.parametrize("name", ["paypal", "sand box", "stripe-live"])
def test_an_unknown_processor_is_a_clear_startup_error(name: str) -> None:
    with pytest.raises(ValueError, match=f"PAYLINE_PROCESSOR must be one of sandbox, stripe, "
                                         f"not '{name}'"):
        Settings.from_env({"PAYLINE_PROCESSOR": name})
    with pytest.raises(ValueError, match="PAYLINE_PROCESSOR"):
        selected_processor({"PAYLINE_PROCESSOR": name})
