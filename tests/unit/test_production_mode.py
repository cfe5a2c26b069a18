"""Production mode: explicit (PAYLINE_ENV) or implied by an https public URL."""

from __future__ import annotations

import pytest

from domain.config import Settings, production_mode


@pytest.mark.parametrize(("env", "expected"), [
    ({}, False),
    ({"PAYLINE_ENV": "development"}, False),
    ({"PAYLINE_ENV": " Production "}, True),
    ({"PAYLINE_PUBLIC_URL": "http://localhost:5000"}, False),
    ({"PAYLINE_PUBLIC_URL": "https://pay.riverton.example.gov"}, True),
    ({"PAYLINE_PUBLIC_URL": "HTTPS://pay.riverton.example.gov"}, True),
    # Reachable by residents over TLS: production, whatever PAYLINE_ENV claims.
    ({"PAYLINE_ENV": "development", "PAYLINE_PUBLIC_URL": "https://pay.example.gov"}, True),
])
def test_production_mode(env: dict[str, str], expected: bool) -> None:
    assert production_mode(env) is expected


@pytest.mark.parametrize("name", ["prod", "staging", "PRODUCTION!"])
def test_an_unknown_environment_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="PAYLINE_ENV must be one of development, production"):
        production_mode({"PAYLINE_ENV": name})


def test_settings_carry_the_mode() -> None:
    assert Settings.from_env({}).production is False
    assert Settings.from_env({"PAYLINE_ENV": "production"}).production is True
