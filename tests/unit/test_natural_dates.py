from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding import dates as natural_dates
from conversation.understanding.dates import describe_date, parse_natural_date
from domain.errors import InvalidDate

TODAY = date(2026, 11, 23)  # a Monday
YEAR_END = date(2026, 12, 28)  # a Monday
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize("text, expected", [
    # what parse_payment_date accepts, with its 31-day recent-past window
    ("1205", date(2026, 12, 5)),
    ("12/5", date(2026, 12, 5)),
    ("12/05/2026", date(2026, 12, 5)),
    ("12/5/26", date(2026, 12, 5)),
    ("2026-12-05", date(2026, 12, 5)),
    ("12052026", date(2026, 12, 5)),
    ("11/15", date(2026, 11, 15)),  # last week: refused later as past, not next November
    ("10/20", date(2027, 10, 20)),  # 34 days ago: outside the window, so next year
    ("0105", date(2027, 1, 5)),
    ("12/5.", date(2026, 12, 5)),
    ("pay on 12/5 please", date(2026, 12, 5)),
    ("12-05-2026", date(2026, 12, 5)),
    # relative words
    ("today", TODAY),
    ("Today.", TODAY),
    ("tomorrow", date(2026, 11, 24)),
    ("TOMORROW!", date(2026, 11, 24)),
    ("tmrw", date(2026, 11, 24)),
    ("tommorow", date(2026, 11, 24)),
    ("day after tomorrow", date(2026, 11, 25)),
    ("the day after tomorrow", date(2026, 11, 25)),
    ("day-after-tomorrow", date(2026, 11, 25)),
    # weekdays: the first one strictly after today
    ("friday", FRIDAY),
    ("Friday", FRIDAY),
    ("on friday", FRIDAY),
    ("this friday", FRIDAY),
    ("this coming friday", FRIDAY),
    ("next friday", FRIDAY),
    ("fri", FRIDAY),
    ("Fri.", FRIDAY),
    ("monday", date(2026, 11, 30)),  # today is Monday: next week's
    ("next monday", date(2026, 11, 30)),
    ("tuesday", date(2026, 11, 24)),
    ("sunday", date(2026, 11, 29)),
    ("sat", date(2026, 11, 28)),
    ("on sat", date(2026, 11, 28)),
    ("wensday", date(2026, 11, 25)),
    ("friday next week", date(2026, 12, 4)),
    ("next week on friday", date(2026, 12, 4)),
    ("next week friday", date(2026, 12, 4)),
    # ordinal days: this month unless passed, else next month
    ("the 15th", date(2026, 12, 15)),
    ("15th", date(2026, 12, 15)),
    ("on the 3rd", date(2026, 12, 3)),
    ("on the 3", date(2026, 12, 3)),
    ("the 23rd", TODAY),  # today has not passed
    ("the 22nd", date(2026, 12, 22)),
    ("the 30th", date(2026, 11, 30)),
    ("the fifteenth", date(2026, 12, 15)),
    ("the twenty-fifth", date(2026, 11, 25)),
    ("the 15th of next month", date(2026, 12, 15)),
    ("the 25th of next month", date(2026, 12, 25)),
    ("the 1st of the month", date(2026, 12, 1)),
    ("friday the 4th", date(2026, 12, 4)),
    # month names, both orders
    ("Dec 3", date(2026, 12, 3)),
    ("dec 3", date(2026, 12, 3)),
    ("December 3rd", date(2026, 12, 3)),
    ("december 3", date(2026, 12, 3)),
    ("3 December", date(2026, 12, 3)),
    ("3rd dec", date(2026, 12, 3)),
    ("the 3rd of december", date(2026, 12, 3)),
    ("3rd of Dec", date(2026, 12, 3)),
    ("dec 3, 2026", date(2026, 12, 3)),
    ("Dec 3 2026", date(2026, 12, 3)),
    ("December 3rd, 2026", date(2026, 12, 3)),
    ("3 December 2026", date(2026, 12, 3)),
    ("the 3rd of december, 2026", date(2026, 12, 3)),
    ("Dec. 3", date(2026, 12, 3)),
    ("Dec. 3rd.", date(2026, 12, 3)),
    ("december the 3rd", date(2026, 12, 3)),
    ("december third", date(2026, 12, 3)),
    ("the third of december", date(2026, 12, 3)),
    ("december twenty-first", date(2026, 12, 21)),
    ("dec 3 '27", date(2027, 12, 3)),
    ("sept 9", date(2027, 9, 9)),
    ("jan 5", date(2027, 1, 5)),  # passed this year: next year
    ("nov 15", date(2026, 11, 15)),  # within the recent-past window: the past date
    ("oct 1", date(2027, 10, 1)),  # outside the window: next year
    ("Nov 23", TODAY),
    ("feb 29 2028", date(2028, 2, 29)),
    ("Friday, December 4", date(2026, 12, 4)),  # as describe_date writes it
    ("Friday, November 27", FRIDAY),
    ("Thursday, December 3, 2026", date(2026, 12, 3)),
    # periods
    ("in 2 weeks", date(2026, 12, 7)),
    ("in two weeks", date(2026, 12, 7)),
    ("in 10 days", date(2026, 12, 3)),
    ("in ten days", date(2026, 12, 3)),
    ("in twenty one days", date(2026, 12, 14)),
    ("a week from today", date(2026, 11, 30)),
    ("a week from tomorrow", date(2026, 12, 1)),
    ("two weeks from now", date(2026, 12, 7)),
    ("2 weeks from today", date(2026, 12, 7)),
    ("in a week", date(2026, 11, 30)),
    ("in a couple of weeks", date(2026, 12, 7)),
    ("in 1 day", date(2026, 11, 24)),
    ("3 days later", date(2026, 11, 26)),
    ("in a month", date(2026, 12, 23)),
    ("in 2 weeks time", date(2026, 12, 7)),
    ("end of the month", date(2026, 11, 30)),
    ("end of month", date(2026, 11, 30)),
    ("the end of this month", date(2026, 11, 30)),
    ("last day of the month", date(2026, 11, 30)),
    ("end of next month", date(2026, 12, 31)),
    # inside a short sentence, with noise
    ("schedule it for next friday please", FRIDAY),
    ("on dec 3rd", date(2026, 12, 3)),
    ("Can you schedule it on Dec 3rd?", date(2026, 12, 3)),
    ("  please   pay it   tomorrow  ", date(2026, 11, 24)),
    ("I’d like to pay on friday", FRIDAY),
    ("pay $40 on friday", FRIDAY),
    ("pay $20 on the 3rd", date(2026, 12, 3)),
    ("pay the 15 dollars friday", FRIDAY),
    ("may i pay on the 3rd", date(2026, 12, 3)),
    ("friday, nov 27", FRIDAY),  # the same date twice is one date
    ("tomorrow (tuesday)", date(2026, 11, 24)),
])
def test_parses_dates_as_residents_type_them(text, expected):
    assert parse_natural_date(text, TODAY) == expected


@pytest.mark.parametrize("text, expected", [
    ("jan 3", date(2027, 1, 3)),
    ("January 3rd", date(2027, 1, 3)),
    ("3 jan", date(2027, 1, 3)),
    ("1/3", date(2027, 1, 3)),
    ("0103", date(2027, 1, 3)),
    ("the 2nd", date(2027, 1, 2)),
    ("the 31st", date(2026, 12, 31)),
    ("the 28th", YEAR_END),
    ("dec 1", date(2026, 12, 1)),  # within the recent-past window
    ("12/1", date(2026, 12, 1)),
    ("end of month", date(2026, 12, 31)),
    ("end of next month", date(2027, 1, 31)),
    ("the 15th of next month", date(2027, 1, 15)),
    ("next friday", date(2027, 1, 1)),
    ("friday next week", date(2027, 1, 8)),
    ("in a week", date(2027, 1, 4)),
    ("in 2 weeks", date(2027, 1, 11)),
    ("in a month", date(2027, 1, 28)),
    ("new year's day, jan 1", date(2027, 1, 1)),
])
def test_year_end(text, expected):
    assert parse_natural_date(text, YEAR_END) == expected


def test_month_lengths_and_leap_years():
    assert parse_natural_date("in a month", date(2027, 1, 31)) == date(2027, 2, 28)
    assert parse_natural_date("end of the month", date(2028, 2, 10)) == date(2028, 2, 29)
    assert parse_natural_date("feb 29", date(2027, 11, 22)) == date(2028, 2, 29)
    assert parse_natural_date("the 29th", date(2028, 2, 10)) == date(2028, 2, 29)
    assert parse_natural_date("this friday", FRIDAY) == date(2026, 12, 4)  # on a Friday
    assert parse_natural_date("friday", FRIDAY) == date(2026, 12, 4)


@pytest.mark.parametrize("text, today, message", [
    ("the 31st", TODAY, "November has only 30 days, so there is no 31st that month. "
                        "Please choose another date."),
    ("the 30th", date(2027, 1, 31), "February has only 28 days, so there is no 30th that month. "
                                    "Please choose another date."),
    ("the 29th", date(2027, 1, 30), "February has only 28 days, so there is no 29th that month. "
                                    "Please choose another date."),
    ("the 31st of next month", date(2026, 10, 5), "November has only 30 days"),
    ("the 31st of this month", TODAY, "November has only 30 days"),
    ("feb 30", TODAY, "February has only 28 days (29 in a leap year)."),
    ("2/30", TODAY, "February has only 28 days (29 in a leap year)."),
    ("2026-02-30", TODAY, "February has only 28 days (29 in a leap year)."),
    ("april 31", TODAY, "April has only 30 days."),
    ("dec 32", TODAY, "December has only 31 days."),
    ("13/45", TODAY, "There is no month 13."),
    ("0/5", TODAY, "There is no month 0."),
    ("feb 29", TODAY, "February 29 only comes in leap years"),
    ("2/29", TODAY, "February 29 only comes in leap years"),
    ("feb 29 2027", TODAY, "2027 is not a leap year"),
    ("the 32nd", TODAY, "from 1 to 31"),
    ("friday, december 3", TODAY, "December 3, 2026 is a Thursday, not a Friday."),
    ("dec 3 or dec 4", TODAY, natural_dates.TWO_DATES),
    ("next friday or saturday", TODAY, natural_dates.TWO_DATES),
    ("12/5 or 12/6", TODAY, natural_dates.TWO_DATES),
    ("tomorrow or the day after tomorrow", TODAY, natural_dates.TWO_DATES),
    ("friday dec 3", TODAY, "is a Thursday, not a Friday"),
    ("4 december 5", TODAY, natural_dates.TWO_DATES),
    ("in 2 weeks on friday", TODAY, natural_dates.TWO_DATES),
    ("", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("   ", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("garbage", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("asap", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("december", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("dec 2026", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("12-05", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("i sat down", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("in 99999 days", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("1205\x00", TODAY, natural_dates.NOT_UNDERSTOOD),
    ("x" * 161, TODAY, natural_dates.TOO_LONG),
    ("１２/０５", TODAY, natural_dates.PLAIN_TEXT),
    ("12٠5", TODAY, natural_dates.PLAIN_TEXT),
    ("décembre 3", TODAY, natural_dates.PLAIN_TEXT),
    ("💥 friday", TODAY, natural_dates.PLAIN_TEXT),
    ("12/5/202", TODAY, natural_dates.BAD_YEAR),
    ("dec 3 1205", TODAY, natural_dates.BAD_YEAR),
    ("12/5/2026/1", TODAY, "month/day"),
])
def test_refuses_with_a_resident_friendly_message(text, today, message):
    with pytest.raises(InvalidDate) as caught:
        parse_natural_date(text, today)
    assert message in caught.value.detail


def test_refuses_non_text():
    with pytest.raises(InvalidDate):
        parse_natural_date(None, TODAY)  # type: ignore[arg-type]


def test_past_and_far_dates_are_left_to_the_payment_rules():
    assert parse_natural_date("dec 3 2025", TODAY) == date(2025, 12, 3)
    assert parse_natural_date("in 9999 months", TODAY) == date(2860, 2, 23)
    with pytest.raises(InvalidDate):
        parse_natural_date("in 9999 months", date(9990, 1, 1))
    with pytest.raises(InvalidDate):
        parse_natural_date("in 9999 weeks", date(9990, 1, 1))


@pytest.mark.parametrize("value, today, expected", [
    (date(2026, 12, 4), TODAY, "Friday, December 4"),
    (TODAY, TODAY, "Monday, November 23"),
    (date(2027, 1, 3), YEAR_END, "Sunday, January 3, 2027"),
    (date(2025, 12, 3), TODAY, "Wednesday, December 3, 2025"),
])
def test_describe_date(value, today, expected):
    assert describe_date(value, today) == expected


# --- properties ----------------------------------------------------------------------------
_PIECES = st.sampled_from(
    [*"0123456789/-.,' ", "dec", "december", "the", "3rd", "of", "next", "friday", "sat",
     "in", "a", "weeks", "days", "from", "now", "today", "tomorrow",
     "end", "month", "on", "twenty", "first", "feb", "29", "31st",
     "or", "week", "2026", "'27", "1205", "12/5", "\x00", "é"])
_CHAT = st.lists(_PIECES, max_size=12).map(" ".join)
_GLUED = st.lists(_PIECES, max_size=12).map("".join)
_DAYS = st.integers(min_value=-400, max_value=400)
_TODAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(st.one_of(st.text(max_size=200), _CHAT, _GLUED), _TODAYS)
def test_never_raises_anything_but_invalid_date(text, today):
    try:
        result = parse_natural_date(text, today)
    except InvalidDate:
        return
    assert isinstance(result, date)


@given(_DAYS)
def test_round_trip_full_dates(offset):
    value = TODAY + timedelta(days=offset)
    assert parse_natural_date(value.strftime("%B %-d %Y"), TODAY) == value
    assert parse_natural_date(value.strftime("%b %-d, %Y"), TODAY) == value
    assert parse_natural_date(value.strftime("%m/%d/%Y"), TODAY) == value


@given(_DAYS, _TODAYS)
def test_round_trip_describe_date(offset, today):
    value = today + timedelta(days=offset)
    if value < today - natural_dates.RECENT_PAST and value.year == today.year:
        return  # "March 2" without a year means the next March 2, by design
    assert parse_natural_date(describe_date(value, today), today) == value


@given(st.integers(min_value=0, max_value=400), _TODAYS)
def test_in_n_days(days, today):
    assert parse_natural_date(f"in {days} days", today) == today + timedelta(days=days)


def test_yesterday_parses_so_the_payment_rules_can_refuse_it_with_a_reason() -> None:
    assert parse_natural_date("yesterday", date(2026, 11, 23)) == date(2026, 11, 22)
