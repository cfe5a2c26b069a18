"""Payment dates as residents type them in chat or SMS: "next friday", "Dec 3rd", "in 2 weeks".

`parse_natural_date` accepts everything `domain.dates.parse_payment_date` accepts ("1205",
"12/5", "12/05/2026", "2026-12-05"; delegated to it, with a 31-day recent-past window) plus
relative dates, weekdays, ordinal days, month names and "end of the month", on their own or inside
a short sentence. `today` is the city's date from the injectable clock.

Whether the date is allowed for a payment (in the future, within the scheduling limit) is not
decided here: the payment rules (domain.services.payments) raise DateNotInFuture and
DateTooFarAhead. So "today" and "11/15" typed on 11/22 parse, and are refused there.

Rules, documented once:
- "friday", "on friday", "this friday", "coming friday", "next friday": the first Friday strictly
  after today (on a Friday, that is a week away). "friday next week" / "next week friday": the
  Friday of the following Monday-to-Sunday week.
- "the 15th", "15th", "on the 15": that day of this month if it has not passed (today counts),
  else of next month; "the 15th of next month" is always next month. A day that month does not
  have (the 31st in November) is refused, never moved.
- A month and day without a year ("Dec 3", "3 December", "the 3rd of december") is the next
  one, except within 31 days in the past, exactly like dates.py.
- "in 2 weeks", "two weeks from now", "a week from today", "in 10 days", "in a month" (months
  keep the day, or the month's last day if shorter).
- "end of the month" / "end of month": the last day of this month.
- A weekday next to a date ("Friday, December 4", as describe_date writes it) must agree with it.
- Two different dates in one message are refused rather than guessed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from domain.dates import parse_payment_date
from domain.errors import InvalidDate

RECENT_PAST = timedelta(days=31)
MAX_TEXT = 160

NOT_UNDERSTOOD = ("Sorry, I didn't catch a date. Please try something like Dec 3, 12/03, "
                  "next Friday or in 2 weeks.")
TWO_DATES = "I see more than one date there. Please send just one date, for example Dec 3."
TOO_LONG = "Please send just the date, for example Dec 3 or 12/03."
PLAIN_TEXT = "Please type the date with plain letters and digits, for example Dec 3 or 12/03."
BAD_YEAR = "That year doesn't look right. Please send the date like Dec 3, 2026 or 12/03/2026."
TOO_FAR = "That date is too far away. Please choose a date in the next few months."

MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "febuary": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wensday": 2,
    "wendsday": 2, "weds": 2, "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
# Abbreviations that are also everyday words: only taken as a day after "on", "next", ...
_AMBIGUOUS_WEEKDAYS = {"mon", "wed", "sat", "sun"}
_DAY_LEAD_INS = {"on", "by", "for", "until", "till", "til", "before", "next", "this", "coming"}

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
for _tens_word, _tens in (("twenty", 20), ("thirty", 30)):
    for _unit_word, _unit in list(_ORDINAL_WORDS.items())[:9]:
        if _tens + _unit <= 31:
            _ORDINAL_WORDS[f"{_tens_word} {_unit_word}"] = _tens + _unit

_CARDINALS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_COUNT_WORDS = {"a": 1, "an": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((w.replace(" ", r"\s+") for w in words), key=len, reverse=True))


_B = r"(?<![a-z0-9/$])"  # start of a word
_E = r"(?![a-z0-9/])"  # end of a word
_MONTH = rf"(?P<month>{_alternation(_MONTHS)})(?![a-z])\.?"
_WEEKDAY = rf"(?:{_alternation(_WEEKDAYS)})(?![a-z])\.?"
_QUALIFIER = rf"(?:(?P<qualifier>{_WEEKDAY}),?\s+(?:the\s+)?)?"
_DAY = (rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?P<dayword>{_alternation(_ORDINAL_WORDS)}))")
# Days 1-31 only, and not an amount ("the 20 dollars"), where no month name vouches for them.
_DAY_OF_MONTH = (rf"(?:(?P<day>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
                 rf"(?!\s*(?:dollars?|bucks?|usd|cents?|%))|"
                 rf"(?P<dayword>{_alternation(_ORDINAL_WORDS)}))")
_YEAR = r"(?:\s*,?\s*(?P<year>\d{4}|'\d{2}))?"
_COUNT = (rf"(?P<count>\d{{1,4}}|{_alternation(_COUNT_WORDS)}|"
          rf"(?:{_alternation(_TENS)})(?:\s+(?:{_alternation(_CARDINALS)}))?|"
          rf"{_alternation(_CARDINALS)})")
_PERIOD = r"(?P<unit>days?|weeks?|months?)"

_PATTERNS: dict[str, re.Pattern[str]] = {
    "iso": re.compile(rf"{_B}(?P<text>\d{{4}}-\d{{1,2}}-\d{{1,2}}){_E}(?!-)"),
    "dashed": re.compile(rf"{_B}(?<!-)(?P<text>\d{{1,2}}-\d{{1,2}}-(?:\d{{4}}|\d{{2}})){_E}(?!-)"),
    "slashed": re.compile(rf"{_B}(?P<text>\d+(?:/\d+)+){_E}"),
    "month_day": re.compile(rf"{_B}{_QUALIFIER}{_MONTH}\s*(?:the\s+)?{_DAY}{_YEAR}{_E}"),
    "day_month": re.compile(
        rf"{_B}{_QUALIFIER}(?:the\s+)?{_DAY}\s*(?:of\s+)?{_MONTH}{_YEAR}{_E}"),
    "day": re.compile(
        rf"{_B}{_QUALIFIER}(?:(?:on\s+)?the\s+{_DAY_OF_MONTH}|(?P<bareday>\d{{1,2}})(?:st|nd|rd|th))"
        rf"(?:\s+of\s+(?P<which>the|this|next)\s+month)?{_E}"),
    "weekday_next_week": re.compile(
        rf"{_B}(?:(?P<a>{_WEEKDAY})\s+(?:of\s+)?next\s+week|"
        rf"next\s+week(?:\s+on)?\s+(?P<b>{_WEEKDAY})){_E}"),
    "weekday": re.compile(
        rf"{_B}(?:(?P<modifier>next|this\s+coming|this|coming)\s+)?(?P<weekday>{_WEEKDAY})"
        rf"(?![a-z0-9/])"),
    "relative_word": re.compile(
        rf"{_B}(?P<word>(?:the\s+)?day\s+after\s+(?:tomorrow|tomorow|tommorow|tommorrow)|"
        r"tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|2morrow|2moro|today|tonight|yesterday|"
        rf"this\s+evening){_E}"),
    "relative_in": re.compile(
        rf"{_B}(?:in|after)\s+{_COUNT}\s+{_PERIOD}"
        rf"(?:\s+(?:from\s+(?P<base>now|today|tomorrow)|time))?{_E}"),
    "relative_from": re.compile(
        rf"{_B}{_COUNT}\s+{_PERIOD}\s+(?:from\s+(?P<base>now|today|tomorrow)|later|out){_E}"),
    "end_of_month": re.compile(
        rf"{_B}(?:(?:the\s+)?(?:end|last\s+day)\s+of\s+(?:the\s+|this\s+)?(?P<next>next\s+)?"
        rf"month|(?:this\s+)?month\s+end|eom){_E}"),
}


# --- public API ----------------------------------------------------------------------------
def parse_natural_date(text: str, today: date) -> date:
    """The one date in `text`; InvalidDate (with a message to show) otherwise."""
    cleaned = _clean(text)
    bare = cleaned.strip().rstrip(".!?,;:").strip()
    try:
        return parse_payment_date(bare, today, recent_past=RECENT_PAST)
    except InvalidDate:
        pass
    try:
        return _scan(_normalize(bare), today)
    except (OverflowError, ValueError) as exc:  # date arithmetic beyond year 9999
        raise InvalidDate(TOO_FAR) from exc


def describe_date(value: date, today: date) -> str:
    """"Friday, December 4"; the year is added only when it is not `today`'s year."""
    text = f"{WEEKDAY_NAMES[value.weekday()]}, {MONTH_NAMES[value.month]} {value.day}"
    return text if value.year == today.year else f"{text}, {value.year}"


# --- scanning ------------------------------------------------------------------------------
def _clean(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidDate(NOT_UNDERSTOOD)
    if len(text) > MAX_TEXT:
        raise InvalidDate(TOO_LONG)
    text = (text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
            .replace("\u2013", "-").replace("\u2014", "-"))
    if not text.isascii():
        raise InvalidDate(PLAIN_TEXT)
    if any(not char.isprintable() and char not in "\t\n\r" for char in text):
        raise InvalidDate(NOT_UNDERSTOOD)
    return text


def _normalize(text: str) -> str:
    text = text.lower()
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)  # day-after-tomorrow, twenty-first
    text = re.sub(r"[^a-z0-9/\-,.'$ ]+", " ", text)
    return " ".join(text.split())


def _scan(norm: str, today: date) -> date:
    candidates: list[tuple[int, int, str, re.Match[str]]] = []
    for name, pattern in _PATTERNS.items():
        for match in pattern.finditer(norm):
            if name == "weekday" and not _weekday_stands_alone(norm, match):
                continue
            candidates.append((match.start(), match.end(), name, match))
    # Leftmost, then longest: "next friday" over "friday", "the 3rd of dec" over "the 3rd".
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    chosen: list[tuple[int, int, str, re.Match[str]]] = []
    for candidate in candidates:
        start, end = candidate[0], candidate[1]
        overlapping = [c for c in chosen if start < c[1] and c[0] < end]
        if not overlapping:
            chosen.append(candidate)
        elif not any(c[0] <= start and end <= c[1] for c in overlapping):
            raise InvalidDate(TWO_DATES)  # "4 december 5": two readings that overlap
    dates = {_RESOLVERS[name](match, today) for _, _, name, match in chosen}
    if not dates:
        raise InvalidDate(NOT_UNDERSTOOD)
    if len(dates) > 1:
        raise InvalidDate(TWO_DATES)
    return dates.pop()


def _weekday_stands_alone(norm: str, match: re.Match[str]) -> bool:
    word = match["weekday"].rstrip(".")
    if word not in _AMBIGUOUS_WEEKDAYS or match["modifier"]:
        return True
    before = norm[:match.start()].split()
    return (not before and match.end() == len(norm)) or bool(before and before[-1] in
                                                             _DAY_LEAD_INS)


# --- resolvers -----------------------------------------------------------------------------
def _numeric(match: re.Match[str], today: date) -> date:
    text = match["text"]
    if "-" in text and len(text.split("-")[0]) <= 2:  # 12-05-2026 -> 12/05/2026
        text = text.replace("-", "/")
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        _, month_text, day_text = text.split("-")
        _check_month(int(month_text))
        _check_day_of_month(int(month_text), int(day_text))
    elif "/" in text:
        parts = text.split("/")
        if len(parts) > 3 or any(not part for part in parts):
            raise InvalidDate("Please give the date as month/day, for example 12/05.")
        month, day = int(parts[0]), int(parts[1])
        if len(parts) == 3 and len(parts[2]) not in (2, 4):
            raise InvalidDate(BAD_YEAR)
        _check_month(month)
        _check_day_of_month(month, day)
    return _delegate(text, today)


def _delegate(text: str, today: date) -> date:
    try:
        return parse_payment_date(text, today, recent_past=RECENT_PAST)
    except InvalidDate as exc:
        if re.fullmatch(r"0?2[/-]0?29(?:[/-]\d+)?|\d{4}-0?2-29", text):
            raise InvalidDate("February 29 only comes in leap years, so that date does not "
                              "exist. Please choose another date.") from exc
        raise


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise InvalidDate(f"There is no month {month}. Please give the date as month/day, "
                          "for example 12/05.")


def _check_day_of_month(month: int, day: int) -> None:
    longest = 29 if month == 2 else calendar.monthrange(2026, month)[1]
    if day < 1 or day > longest:
        if month == 2:
            raise InvalidDate("February has only 28 days (29 in a leap year). "
                              "Please choose another date.")
        raise InvalidDate(f"{MONTH_NAMES[month]} has only {longest} days. "
                          "Please choose another date.")


def _day_number(match: re.Match[str]) -> int:
    if match["dayword"]:
        return _ORDINAL_WORDS[" ".join(match["dayword"].split())]
    return int(match["day"])


def _check_qualifier(match: re.Match[str], result: date) -> date:
    qualifier = match["qualifier"]
    if qualifier:
        weekday = _WEEKDAYS[qualifier.rstrip(".")]
        if result.weekday() != weekday:
            raise InvalidDate(f"{MONTH_NAMES[result.month]} {result.day}, {result.year} is a "
                              f"{WEEKDAY_NAMES[result.weekday()]}, not a "
                              f"{WEEKDAY_NAMES[weekday]}. Which date did you mean?")
    return result


def _month_day(match: re.Match[str], today: date) -> date:
    month = _MONTHS[match["month"]]
    day = _day_number(match)
    _check_day_of_month(month, day)
    year_text = match["year"]
    if year_text:
        year = 2000 + int(year_text[1:]) if year_text.startswith("'") else int(year_text)
        if year < 1900:
            raise InvalidDate(BAD_YEAR)
        try:
            result = date(year, month, day)
        except ValueError as exc:  # February 29 in a common year
            raise InvalidDate(f"{year} is not a leap year, so there is no February 29. "
                              "Please choose another date.") from exc
    else:
        result = _delegate(f"{month}/{day}", today)
    return _check_qualifier(match, result)


def _day_of_month(match: re.Match[str], today: date) -> date:
    day = int(match["bareday"]) if match["bareday"] else _day_number(match)
    which = match["which"]
    year, month = today.year, today.month
    if which == "next" or (which != "this" and day < today.day):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if day < 1 or day > 31:
        raise InvalidDate("Please give a day of the month from 1 to 31, for example the 15th.")
    days_in_month = calendar.monthrange(year, month)[1]
    if day > days_in_month:
        raise InvalidDate(f"{MONTH_NAMES[month]} has only {days_in_month} days, so there is no "
                          f"{_ordinal(day)} that month. Please choose another date.")
    return _check_qualifier(match, date(year, month, day))


def _weekday(match: re.Match[str], today: date) -> date:
    weekday = _WEEKDAYS[match["weekday"].rstrip(".")]
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _weekday_next_week(match: re.Match[str], today: date) -> date:
    weekday = _WEEKDAYS[(match["a"] or match["b"]).rstrip(".")]
    next_monday = today + timedelta(days=7 - today.weekday())
    return next_monday + timedelta(days=weekday)


def _relative_word(match: re.Match[str], today: date) -> date:
    word = match["word"]
    if "after" in word:
        return today + timedelta(days=2)
    if word in ("today", "tonight") or word.startswith("this"):
        return today
    if word == "yesterday":  # parsed so the payment rules can say why it cannot be used
        return today - timedelta(days=1)
    return today + timedelta(days=1)


def _relative(match: re.Match[str], today: date) -> date:
    count = _count(match["count"])
    base = today + timedelta(days=1) if match["base"] == "tomorrow" else today
    unit = match["unit"]
    if unit.startswith("day"):
        return base + timedelta(days=count)
    if unit.startswith("week"):
        return base + timedelta(weeks=count)
    return _add_months(base, count)


def _end_of_month(match: re.Match[str], today: date) -> date:
    year, month = today.year, today.month
    if match["next"]:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


_RESOLVERS: dict[str, Callable[[re.Match[str], date], date]] = {
    "iso": _numeric, "dashed": _numeric, "slashed": _numeric, "month_day": _month_day,
    "day_month": _month_day, "day": _day_of_month, "weekday_next_week": _weekday_next_week,
    "weekday": _weekday, "relative_word": _relative_word, "relative_in": _relative,
    "relative_from": _relative,
    "end_of_month": _end_of_month,
}


# --- helpers -------------------------------------------------------------------------------
def _count(text: str) -> int:
    text = " ".join(text.split())
    if text.isdigit():
        return int(text)
    if text in _COUNT_WORDS:
        return _COUNT_WORDS[text]
    words = text.split()
    if words[0] in _TENS:
        return _TENS[words[0]] + (_CARDINALS[words[1]] if len(words) > 1 else 0)
    return _CARDINALS[text]


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if year > 9999:
        raise InvalidDate(TOO_FAR)
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
