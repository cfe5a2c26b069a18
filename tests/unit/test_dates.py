from datetime import date

import pytest

from domain.dates import parse_payment_date
from domain.errors import InvalidDate

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("text, expected", [
    ("1205", date(2026, 12, 5)),
    ("12/5", date(2026, 12, 5)),
    ("12/05/2026", date(2026, 12, 5)),
    ("2026-12-05", date(2026, 12, 5)),
    ("12052026", date(2026, 12, 5)),
    ("12/5/26", date(2026, 12, 5)),
    ("1122", date(2026, 11, 22)),  # today stays this year; the payment rule decides
    ("0105", date(2027, 1, 5)),  # January has passed: next January
    ("1121", date(2027, 11, 21)),
    (" 02/28 ", date(2027, 2, 28)),
])
def test_parses_what_residents_enter(text, expected):
    assert parse_payment_date(text, TODAY) == expected


@pytest.mark.parametrize("text", [
    "", " ", "0230", "1301", "0000", "1232", "00/10", "2/30/2027", "2027-02-29", "12-05",
    "tomorrow", "12/5/2026/1", "１２０５", "12٠5", "99999999999", "120", "12/05/202", "💥",
    "1205\x00", "0229",  # no Feb 29 in 2026 or 2027
])
def test_refuses_garbage_and_impossible_dates(text):
    with pytest.raises(InvalidDate):
        parse_payment_date(text, TODAY)


def test_feb_29_in_the_year_before_a_leap_year():
    assert parse_payment_date("0229", date(2027, 11, 22)) == date(2028, 2, 29)
