"""PAYLINE_PAY_RESULT_TIMEOUT_MINUTES: how long a phone card payment waits for its <Pay> result
before the runner asks the processor."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.config import Settings


def test_the_default_is_ten_minutes() -> None:
    assert Settings.from_env({}).payments.pay_result_timeout == timedelta(minutes=10)


def test_it_can_be_set() -> None:
    settings = Settings.from_env({"PAYLINE_PAY_RESULT_TIMEOUT_MINUTES": "30"})
    assert settings.payments.pay_result_timeout == timedelta(minutes=30)


@pytest.mark.parametrize("value", ["4", "0", "-1", "ten", "1.5", "1441"])
def test_a_value_that_could_cut_a_pay_session_short_is_refused(value: str) -> None:
    # Under 5 minutes the runner could release a payment while its <Pay> is still running.
    with pytest.raises(ValueError, match="PAYLINE_PAY_RESULT_TIMEOUT_MINUTES must be a whole "
                                         "number from 5 to 1440"):
        Settings.from_env({"PAYLINE_PAY_RESULT_TIMEOUT_MINUTES": value})
