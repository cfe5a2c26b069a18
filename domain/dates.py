"""Payment dates as residents enter them: "1205" on a keypad, "12/5", "12/05/2026", "2026-12-05".

One strict parser shared by every channel, so "0230" is refused the same way everywhere.
Without a year, the date is the next one on or after today in the city (in November, "0105"
means January 5 of next year). Whether the date is allowed for a payment (future, within the
scheduling limit) is a payment rule: see domain.services.payments.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from domain.errors import InvalidDate

_FORMATS = (
    re.compile(r"^(?P<month>[0-9]{2})(?P<day>[0-9]{2})$"),  # keypad MMDD
    re.compile(r"^(?P<month>[0-9]{2})(?P<day>[0-9]{2})(?P<year>[0-9]{4})$"),  # keypad MMDDYYYY
    re.compile(r"^(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})(?:/(?P<year>[0-9]{2}|[0-9]{4}))?$"),
    re.compile(r"^(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})$"),
)


def parse_payment_date(text: str, today: date, recent_past: timedelta | None = None) -> date:
    """Raise InvalidDate for garbage or impossible dates (Feb 30, month 13, day 0).

    A date without a year that has passed this year means next year's, unless it lies within
    `recent_past`: then it is taken as the past date it most likely is ("11/15" typed on
    11/22 is last week, to be refused as past, not a date eleven months away)."""
    cleaned = (text or "").strip()
    if not cleaned or len(cleaned) > 10 or not cleaned.isascii():
        raise InvalidDate("Please give the date as month and day, for example 12/05.")
    for pattern in _FORMATS:
        match = pattern.match(cleaned)
        if match:
            break
    else:
        raise InvalidDate("Please give the date as month and day, for example 12/05.")
    month, day = int(match["month"]), int(match["day"])
    year_text = match.groupdict().get("year")
    if year_text:
        candidate = _date_or_none(int(year_text) + (2000 if len(year_text) == 2 else 0),
                                  month, day)
    else:
        candidate = _date_or_none(today.year, month, day)
        recent = (candidate is not None and recent_past is not None
                  and today - candidate <= recent_past)
        if candidate is None or (candidate < today and not recent):
            # Passed already this year (or Feb 29 of a common year): the next one.
            candidate = _date_or_none(today.year + 1, month, day)
    if candidate is None:
        raise InvalidDate("That date does not exist.")
    return candidate


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
