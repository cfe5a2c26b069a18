"""PAYLINE_CALL_CONTROL: which live-call control an agent's transfer uses, checked at startup,
and what the composition root builds for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.adapters.twilio_calls import TwilioCallControl
from domain.config import CALL_CONTROL_SANDBOX, CALL_CONTROL_TWILIO, Settings
from domain.services.transfers import TransferService
from ivr.bootstrap import build_container
from sandbox.call_redirects import SandboxCallControl

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO = {"PAYLINE_CALL_CONTROL": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
          "TWILIO_AUTH_TOKEN": "f" * 32}


def test_the_sandbox_is_the_default() -> None:
    assert Settings.from_env({}).call_control == CALL_CONTROL_SANDBOX
    assert Settings.from_env({"PAYLINE_CALL_CONTROL": " "}).call_control == CALL_CONTROL_SANDBOX


def test_twilio_with_credentials() -> None:
    settings = Settings.from_env({**TWILIO, "PAYLINE_CALL_CONTROL": " Twilio "})
    assert settings.call_control == CALL_CONTROL_TWILIO


def test_an_unknown_value_stops_the_process() -> None:
    with pytest.raises(ValueError, match="PAYLINE_CALL_CONTROL must be one of sandbox, twilio"):
        Settings.from_env({"PAYLINE_CALL_CONTROL": "plivo"})


@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"])
def test_twilio_needs_its_credentials(missing: str) -> None:
    env = {k: v for k, v in TWILIO.items() if k != missing}
    with pytest.raises(ValueError, match="needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        Settings.from_env(env)


def test_twilio_needs_a_real_account_sid() -> None:
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID must be AC"):
        Settings.from_env({**TWILIO, "TWILIO_ACCOUNT_SID": "AC123"})


def test_the_token_is_not_in_the_settings_repr() -> None:
    assert "f" * 32 not in repr(Settings.from_env(TWILIO))


@pytest.mark.parametrize(("env", "kind"), [({}, SandboxCallControl),
                                           (TWILIO, TwilioCallControl)])
def test_the_container_builds_the_configured_call_control(tmp_path: Path, env: dict[str, str],
                                                          kind: type) -> None:
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
                                  "PAYLINE_VAR_DIR": str(tmp_path), **env})
    container = build_container(settings)
    try:
        assert isinstance(container.call_control(), kind)
        assert isinstance(container.transfer_service(lambda token: token), TransferService)
    finally:
        container.dispose()
