"""Payment dates as residents type them in chat or SMS: "next friday", "Dec 3rd", "in 2 weeks",
"el viernes que viene", "15 de dic", "dentro de 3 días".

`parse_natural_date` accepts everything `domain.dates.parse_payment_date` accepts ("1205",
"12/5", "12/05/2026", "2026-12-05"; delegated to it, with a 31-day recent-past window) plus
relative dates, weekdays, ordinal days, month names and "end of the month", in English or in
Spanish, on their own or inside a short sentence. `today` is the city's date from the
injectable clock. Both languages are always understood (residents mix them); `language`
chooses the language of the refusals and the reading of numeric dates (below).

Whether the date is allowed for a payment (in the future, within the scheduling limit) is not
decided here: the payment rules (domain.services.payments) raise DateNotInFuture and
DateTooFarAhead. So "today" and "11/15" typed on 11/22 parse, and are refused there.

Rules, documented once:
- "friday", "on friday", "this friday", "coming friday", "next friday" ("el viernes", "este
  viernes", "el próximo viernes", "el viernes que viene"): the first Friday strictly after
  today (on a Friday, that is a week away). "friday next week" / "next week friday" ("el
  viernes de la semana que viene", "la próxima semana el viernes"): the Friday of the
  following Monday-to-Sunday week. "Next week" alone is no day, and is not understood.
- "the 15th", "15th", "on the 15" ("el 15", "el día 15", "el quince"): that day of this month
  if it has not passed (today counts), else of next month; "the 15th of next month" ("el 15
  del mes que viene") is always next month. A day that month does not have (the 31st in
  November) is refused, never moved. "El primero" is the 1st.
- A month and day without a year ("Dec 3", "3 December", "the 3rd of december", "15 de
  diciembre", "dic 15") is the next one, except within 31 days in the past, exactly like
  domain/dates.py.
- "in 2 weeks", "two weeks from now", "a week from today", "in 10 days", "in a month" ("en
  dos semanas", "dentro de 3 días", "en un mes"; months keep the day, or the month's last day
  if shorter).
- "end of the month" / "end of month" ("a fin de mes", "al final del mes"): the last day of
  this month.
- "mañana" is tomorrow, "pasado mañana" the day after; "en la mañana" / "por la mañana" is a
  time of day and says nothing about the date ("el viernes por la mañana" is Friday).
- A weekday next to a date ("Friday, December 4", "viernes 4 de diciembre", as describe_date
  writes them) must agree with it.
- Two different dates in one message are refused rather than guessed.
- Numeric dates are month/day, as on the city's bills and keypads ("12/5" is December 5). In
  a Spanish conversation (`language="es"`) residents may write day/month, so a numeric date
  that reads as a valid date both ways and differently ("3/12", "1205", "03-12-2026") is
  refused with a request for the month's name, and one that reads only one way is that date
  ("15/12" and "12/15" are both December 15). ISO dates ("2026-12-15") are never ambiguous.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

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
SPANISH_MONTH_NAMES = ("", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
                       "agosto", "septiembre", "octubre", "noviembre", "diciembre")
SPANISH_WEEKDAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado",
                         "domingo")

# --- the refusals, in both languages ---------------------------------------------------------
_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "not_understood": NOT_UNDERSTOOD, "two_dates": TWO_DATES, "too_long": TOO_LONG,
        "plain_text": PLAIN_TEXT, "bad_year": BAD_YEAR, "too_far": TOO_FAR,
        "format": "Please give the date as month/day, for example 12/05.",
        "no_month": ("There is no month {number}. Please give the date as month/day, for "
                     "example 12/05."),
        "february": ("February has only 28 days (29 in a leap year). Please choose another "
                     "date."),
        "month_days": "{month} has only {days} days. Please choose another date.",
        "february_29": ("February 29 only comes in leap years, so that date does not exist. "
                        "Please choose another date."),
        "not_leap": ("{year} is not a leap year, so there is no February 29. Please choose "
                     "another date."),
        "weekday": ("{month} {day}, {year} is a {actual}, not a {said}. Which date did you "
                    "mean?"),
        "day_range": "Please give a day of the month from 1 to 31, for example the 15th.",
        "no_such_day": ("{month} has only {days} days, so there is no {ordinal} that month. "
                        "Please choose another date."),
        "keypad": "Please give the date as month and day, for example 12/05.",
        "no_date": "That date does not exist.",
        "ambiguous": ("Is that {first} or {second}? Please write the month's name, for "
                      "example Dec 3."),
    },
    "es": {
        "not_understood": ("Disculpe, no entendí la fecha. Escríbala, por ejemplo, así: 3 de "
                           "diciembre, el viernes o en 2 semanas."),
        "two_dates": ("Veo más de una fecha. Envíe solo una, por ejemplo: 3 de diciembre."),
        "too_long": "Envíe solo la fecha, por ejemplo: 3 de diciembre.",
        "plain_text": ("Escriba la fecha con letras y números comunes, por ejemplo: 3 de "
                       "diciembre."),
        "bad_year": ("Ese año no parece correcto. Envíe la fecha así: 3 de diciembre de "
                     "2026."),
        "too_far": "Esa fecha está muy lejos. Elija una fecha de los próximos meses.",
        "format": "Envíe la fecha con el nombre del mes, por ejemplo: 3 de diciembre.",
        "no_month": ("No existe el mes {number}. Envíe la fecha con el nombre del mes, por "
                     "ejemplo: 3 de diciembre."),
        "february": ("Febrero tiene solo 28 días (29 en año bisiesto). Elija otra fecha."),
        "month_days": "{Month} tiene solo {days} días. Elija otra fecha.",
        "february_29": ("El 29 de febrero solo existe en años bisiestos, así que esa fecha no "
                        "existe. Elija otra fecha."),
        "not_leap": ("{year} no es bisiesto, así que no tiene 29 de febrero. Elija otra "
                     "fecha."),
        "weekday": ("El {day} de {month} de {year} es {actual}, no {said}. ¿Qué fecha quiso "
                    "decir?"),
        "day_range": "Indique un día del mes del 1 al 31, por ejemplo: el 15.",
        "no_such_day": ("{Month} tiene solo {days} días, así que ese mes no hay día {day}. "
                        "Elija otra fecha."),
        "keypad": "Envíe la fecha con el nombre del mes, por ejemplo: 3 de diciembre.",
        "no_date": "Esa fecha no existe. Elija otra fecha.",
        "ambiguous": ("¿Es el {first} o el {second}? Escriba el nombre del mes, por ejemplo: "
                      "3 de diciembre."),
    },
}
# domain/dates.py's own refusals, by their English text.
# The fixed refusals in Spanish, by their English text (conversation/wording says them).
SPANISH_MESSAGES: dict[str, str] = {english: _MESSAGES["es"][key]
                                    for key, english in _MESSAGES["en"].items()
                                    if "{" not in english}
_DOMAIN_KEYS = {_MESSAGES["en"]["keypad"]: "keypad", _MESSAGES["en"]["no_date"]: "no_date"}


class _Refusal(InvalidDate):
    """A refusal known by its key, so that it can be said in either language."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params
        super().__init__(_message("en", key, params))


def _message(language: str, key: str, params: dict[str, Any]) -> str:
    values = dict(params)
    if "month_number" in params:
        number = params["month_number"]
        values["month"] = (MONTH_NAMES if language == "en" else SPANISH_MONTH_NAMES)[number]
        values["Month"] = values["month"].capitalize()
    if "actual_weekday" in params:
        names = WEEKDAY_NAMES if language == "en" else SPANISH_WEEKDAY_NAMES
        values["actual"], values["said"] = (names[params["actual_weekday"]],
                                            names[params["said_weekday"]])
    if "dates" in params:
        first, second = params["dates"]
        values["first"] = _month_day_text(first, language)
        values["second"] = _month_day_text(second, language)
    return _MESSAGES[language][key].format(**values)


def _month_day_text(value: tuple[int, int], language: str) -> str:
    month, day = value
    if language == "es":
        return f"{day} de {SPANISH_MONTH_NAMES[month]}"
    return f"{MONTH_NAMES[month]} {day}"


# --- vocabulary ------------------------------------------------------------------------------
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "febuary": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
    # Spanish, without accents, with the usual misspellings ("set" is not September here:
    # "set the 5th" is English).
    "enero": 1, "ene": 1, "febrero": 2, "febero": 2, "marzo": 3, "abril": 4, "abr": 4,
    "mayo": 5, "junio": 6, "julio": 7, "agosto": 8, "ago": 8, "septiembre": 9,
    "setiembre": 9, "septiembra": 9, "octubre": 10, "noviembre": 11, "novienbre": 11,
    "diciembre": 12, "dic": 12, "disiembre": 12, "dicienbre": 12,
}
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wensday": 2,
    "wendsday": 2, "weds": 2, "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
    "lunes": 0, "lun": 0, "martes": 1, "miercoles": 2, "mircoles": 2, "miecoles": 2,
    "mier": 2, "mie": 2, "jueves": 3, "jue": 3, "viernes": 4, "viernez": 4, "biernes": 4,
    "vie": 4, "sabado": 5, "savado": 5, "sab": 5, "domingo": 6, "dom": 6,
}
# Abbreviations that are also everyday words: only taken as a day after "on", "next", ...
_AMBIGUOUS_WEEKDAYS = {"mon", "wed", "sat", "sun", "lun", "mie", "jue", "vie", "sab", "dom"}
_DAY_LEAD_INS = {"on", "by", "for", "until", "till", "til", "before", "next", "this", "coming",
                 "el", "este", "proximo", "siguiente", "para", "hasta", "antes"}

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

# Spanish counts and days are cardinals ("en dos semanas", "el quince de diciembre").
_SPANISH_NUMBERS = {
    "uno": 1, "una": 1, "un": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
    "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18,
    "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintiun": 21, "veintidos": 22,
    "veintitres": 23, "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26,
    "veintisiete": 27, "veintiocho": 28, "veintinueve": 29, "treinta": 30,
    "treinta y uno": 31, "treinta y un": 31,
}
_SPANISH_COUNTS = {**_SPANISH_NUMBERS, "un par de": 2, "par de": 2}
# A day alone ("el quince"): not "el uno" / "el dos", which also pick an item from a list.
_SPANISH_DAYS = {word: day for word, day in _SPANISH_NUMBERS.items()
                 if day >= 3 and word not in ("un", "una", "veintiun", "treinta y un")}
_SPANISH_DAYS["primero"] = 1
_SPANISH_DAYS_OF_MONTH = {**{word: day for word, day in _SPANISH_NUMBERS.items()
                             if word not in ("un", "una", "veintiun", "treinta y un")},
                          "primero": 1}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((w.replace(" ", r"\s+") for w in words), key=len, reverse=True))


_B = r"(?<![a-z0-9/$])"  # start of a word
_E = r"(?![a-z0-9/])"  # end of a word
_MONTH = rf"(?P<month>{_alternation(_MONTHS)})(?![a-z])\.?"
_WEEKDAY = rf"(?:{_alternation(_WEEKDAYS)})(?![a-z])\.?"
_QUALIFIER = rf"(?:(?P<qualifier>{_WEEKDAY}),?\s+(?:the\s+|el\s+)?)?"
_SUFFIX = r"(?:st|nd|rd|th|ro|ero|do|to|vo|no|mo|o)"  # 3rd, 1ro, 2do, 15vo, 1o (1º)
_DAY = (rf"(?:(?P<day>\d{{1,2}}){_SUFFIX}?|(?P<dayword>{_alternation(_ORDINAL_WORDS)}))")
_NOT_AMOUNT = (r"(?!\s*(?:dollars?|bucks?|usd|cents?|%|dolares?|dlls?|dls|pesos?|centavos?|"
               r"por\s*ciento|percent))")
# Days 1-31 only, and not an amount ("the 20 dollars"), where no month name vouches for them.
_DAY_OF_MONTH = (rf"(?:(?P<day>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?{_NOT_AMOUNT}|"
                 rf"(?P<dayword>{_alternation(_ORDINAL_WORDS)}))")
_DIA_DEL_MES = (rf"(?:(?P<day>[12][0-9]|3[01]|0?[1-9]){_SUFFIX}?{_NOT_AMOUNT}|"
                rf"(?P<dayword>{_alternation(_SPANISH_DAYS)}))")
_YEAR = r"(?:\s*,?\s*(?:de\s+|del\s+)?(?P<year>\d{4}|'\d{2}))?"
_COUNT = (rf"(?P<count>\d{{1,4}}|{_alternation(_COUNT_WORDS)}|"
          rf"(?:{_alternation(_TENS)})(?:\s+(?:{_alternation(_CARDINALS)}))?|"
          rf"{_alternation(_CARDINALS)}|{_alternation(_SPANISH_COUNTS)})")
_PERIOD = r"(?P<unit>days?|weeks?|months?|dias?|semanas?|mes(?:es)?)"
# "la semana que viene", "la próxima semana", "la otra semana" (as Mexico says it).
_NEXT_WEEK = (r"(?:la\s+)?(?:semana\s+que\s+viene|proxima\s+semana|semana\s+proxima|"
              r"semana\s+entrante|siguiente\s+semana|otra\s+semana)")
_NEXT_MONTH = r"(?:proximo\s+mes|mes\s+(?:que\s+viene|proximo|entrante|siguiente)|siguiente\s+mes)"

_PATTERNS: dict[str, re.Pattern[str]] = {
    "iso": re.compile(rf"{_B}(?P<text>\d{{4}}-\d{{1,2}}-\d{{1,2}}){_E}(?!-)"),
    "dashed": re.compile(rf"{_B}(?<!-)(?P<text>\d{{1,2}}-\d{{1,2}}-(?:\d{{4}}|\d{{2}})){_E}(?!-)"),
    "slashed": re.compile(rf"{_B}(?P<text>\d+(?:/\d+)+){_E}"),
    "month_day": re.compile(rf"{_B}{_QUALIFIER}{_MONTH}\s*(?:the\s+)?{_DAY}{_YEAR}{_E}"),
    "day_month": re.compile(
        rf"{_B}{_QUALIFIER}(?:the\s+|el\s+)?(?:dia\s+)?{_DAY}\s*(?:of\s+|del?\s+)?{_MONTH}"
        rf"{_YEAR}{_E}"),
    # "el quince de diciembre", "el primero de enero": a spelled day needs its "de".
    "dia_de_mes": re.compile(
        rf"{_B}{_QUALIFIER}(?:el\s+)?(?:dia\s+)?"
        rf"(?P<dayword>{_alternation(_SPANISH_DAYS_OF_MONTH)})\s+del?\s+{_MONTH}{_YEAR}{_E}"),
    "day": re.compile(
        rf"{_B}{_QUALIFIER}(?:(?:on\s+)?the\s+{_DAY_OF_MONTH}|(?P<bareday>\d{{1,2}})(?:st|nd|rd|th))"
        rf"(?:\s+of\s+(?P<which>the|this|next)\s+month)?{_E}"),
    # "el 15", "el día 15", "para el quince", "el 15 del mes que viene".
    "dia": re.compile(
        rf"{_B}{_QUALIFIER}(?:el\s+dia\s+|el\s+|dia\s+){_DIA_DEL_MES}"
        rf"(?:\s+(?:de\s+(?P<this>este)\s+mes|del?\s+(?:el\s+)?(?P<next>{_NEXT_MONTH})|"
        rf"del\s+mes))?{_E}"),
    "weekday_next_week": re.compile(
        rf"{_B}(?:(?P<a>{_WEEKDAY})\s+(?:of\s+)?next\s+week|"
        rf"next\s+week(?:\s+on)?\s+(?P<b>{_WEEKDAY})){_E}"),
    "semana_que_viene": re.compile(
        rf"{_B}(?:(?P<a>{_WEEKDAY})\s+(?:de\s+)?{_NEXT_WEEK}|"
        rf"{_NEXT_WEEK}(?:\s+el)?\s+(?P<b>{_WEEKDAY})){_E}"),
    "weekday": re.compile(
        rf"{_B}(?:(?P<modifier>next|this\s+coming|this|coming|el\s+proximo|proximo|"
        rf"el\s+siguiente|este)\s+)?(?P<weekday>{_WEEKDAY})"
        rf"(?:\s+(?P<after>que\s+viene|proximo|entrante))?(?![a-z0-9/])"),
    "relative_word": re.compile(
        rf"{_B}(?P<word>(?:the\s+)?day\s+after\s+(?:tomorrow|tomorow|tommorow|tommorrow)|"
        r"tomorrow|tomorow|tommorow|tommorrow|tmrw|tmr|2morrow|2moro|today|tonight|yesterday|"
        r"this\s+evening|pasado\s+manana|esta\s+manana|manana|hoy\s+mismo|hoy|esta\s+tarde|"
        rf"esta\s+noche|ayer){_E}"),
    "relative_in": re.compile(
        rf"{_B}(?:in|after|en|dentro\s+de)\s+{_COUNT}\s+{_PERIOD}"
        rf"(?:\s+(?:from\s+(?P<base>now|today|tomorrow)|time|"
        rf"(?:a\s+partir\s+de|desde)\s+(?P<desde>hoy|manana|ahora)))?{_E}"),
    "relative_from": re.compile(
        rf"{_B}{_COUNT}\s+{_PERIOD}\s+(?:from\s+(?P<base>now|today|tomorrow)|later|out|"
        rf"despues|mas\s+tarde|(?:a\s+partir\s+de|desde)\s+(?P<desde>hoy|manana|ahora)){_E}"),
    "end_of_month": re.compile(
        rf"{_B}(?:(?:the\s+)?(?:end|last\s+day)\s+of\s+(?:the\s+|this\s+)?(?P<next>next\s+)?"
        rf"month|(?:this\s+)?month\s+end|eom){_E}"),
    "fin_de_mes": re.compile(
        rf"{_B}(?:(?:a|al|para|hasta)\s+)?(?:el\s+|los\s+)?(?:fin|final|finales|ultimo\s+dia)\s+"
        rf"(?:de\s+(?:este\s+)?mes|del\s+(?:(?P<next>{_NEXT_MONTH})|mes))(?![a-z0-9/])"),
}
# Times of day are not dates: "el viernes por la mañana" is Friday, "mañana en la tarde"
# tomorrow.
_TIME_OF_DAY = re.compile(r"\b(?:en|por|de|a)\s+la\s+(?:manana|tarde|noche|madrugada)\b")


# --- public API ----------------------------------------------------------------------------
def parse_natural_date(text: str, today: date, language: str = "en") -> date:
    """The one date in `text`; InvalidDate (with a message to show, in `language`)
    otherwise."""
    language = "es" if (language or "").lower().startswith("es") else "en"
    try:
        return _parse(text, today, language)
    except _Refusal as refusal:
        raise InvalidDate(_message(language, refusal.key, refusal.params)) from None
    except InvalidDate as error:  # domain/dates.py's own words
        if language == "en":
            raise
        key = _DOMAIN_KEYS.get(error.detail, "not_understood")
        raise InvalidDate(_message(language, key, {})) from None


def describe_date(value: date, today: date, language: str = "en", *,
                  relative: bool = False) -> str:
    """"Friday, December 4" ("viernes 4 de diciembre"); the year is added only when it is not
    `today`'s year. With `relative`, today and tomorrow are "today" / "tomorrow" ("hoy" /
    "mañana"), which take no "on" or "el" before them."""
    spanish = (language or "").lower().startswith("es")
    if relative and value in (today, today + timedelta(days=1)):
        if spanish:
            return "hoy" if value == today else "mañana"
        return "today" if value == today else "tomorrow"
    if spanish:
        text = (f"{SPANISH_WEEKDAY_NAMES[value.weekday()]} {value.day} de "
                f"{SPANISH_MONTH_NAMES[value.month]}")
        return text if value.year == today.year else f"{text} de {value.year}"
    text = f"{WEEKDAY_NAMES[value.weekday()]}, {MONTH_NAMES[value.month]} {value.day}"
    return text if value.year == today.year else f"{text}, {value.year}"


# --- scanning ------------------------------------------------------------------------------
def _parse(text: str, today: date, language: str) -> date:
    cleaned, folded = _clean(text)
    bare = cleaned.strip().rstrip(".!?,;:").strip()
    if language == "es":
        bare = _day_first(bare)
    try:
        return parse_payment_date(bare, today, recent_past=RECENT_PAST)
    except InvalidDate:
        pass
    try:
        return _scan(_normalize(bare), today)
    except _Refusal as refusal:
        if folded and refusal.key == "not_understood" and language == "en":
            raise _Refusal("plain_text") from None  # "décembre 3" is no date we know
        raise
    except (OverflowError, ValueError) as exc:  # date arithmetic beyond year 9999
        raise _Refusal("too_far") from exc


# Spanish letters (and the ordinal º/ª) become plain ones; anything else non-ASCII is refused.
_SPANISH_FOLD = str.maketrans({
    "á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ü": "u", "ñ": "n", "Á": "A", "É": "E",
    "Í": "I", "Ó": "O", "Ú": "U", "Ü": "U", "Ñ": "N", "º": "o", "ª": "a", "°": "o", "¿": " ",
    "¡": " ",
})


def _clean(text: str) -> tuple[str, bool]:
    if not isinstance(text, str):
        raise _Refusal("not_understood")
    if len(text) > MAX_TEXT:
        raise _Refusal("too_long")
    text = unicodedata.normalize("NFC", text)  # "n" + combining "~" is "ñ"
    text = (text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
            .replace("\u2013", "-").replace("\u2014", "-"))
    plain = text.translate(_SPANISH_FOLD)
    if not plain.isascii():
        raise _Refusal("plain_text")
    if any(not char.isprintable() and char not in "\t\n\r" for char in plain):
        raise _Refusal("not_understood")
    return plain, plain != text


def _normalize(text: str) -> str:
    text = text.lower()
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)  # day-after-tomorrow, twenty-first
    text = re.sub(r"[^a-z0-9/\-,.'$ ]+", " ", text)
    text = _TIME_OF_DAY.sub(" ", " ".join(text.split()))
    return " ".join(text.split())


# A numeric date as residents who write day/month may mean it: "3/12", "03-12-2026", and as
# the whole message the keypad forms "0312", "03122026".
_NUMERIC = re.compile(
    r"(?<![\w/-])(?P<a>\d{1,2})(?P<sep>[/-])(?P<b>\d{1,2})(?P<rest>(?P=sep)(?:\d{4}|\d{2}))?"
    r"(?![\w/-])")
_KEYPAD = re.compile(r"(?P<a>\d{2})(?P<b>\d{2})(?P<rest>\d{4})?")


def _day_first(text: str) -> str:
    """Numeric dates read as a Spanish writer may mean them, rewritten month/day: one that
    reads only day/month ("15/12") is swapped; one that reads validly both ways and
    differently ("3/12") is refused."""
    keypad = _KEYPAD.fullmatch(text)
    if keypad:
        return _reread(keypad, "{b:02d}{a:02d}{rest}")
    return _NUMERIC.sub(lambda match: _reread(match, "{b}{sep}{a}{rest}"), text)


def _reread(match: re.Match[str], swapped: str) -> str:
    groups = match.groupdict()
    if groups.get("sep") == "-" and not match["rest"]:
        return match.group(0)  # "12-05" is no date either way (as in English)
    first, second = int(match["a"]), int(match["b"])
    as_month_day, as_day_month = _valid(first, second), _valid(second, first)
    if as_month_day and as_day_month and first != second:
        raise _Refusal("ambiguous", dates=((first, second), (second, first)))
    # Read only day/month, or impossible both ways but written day first ("30/2"): said as
    # the day/month it is meant to be, so that the refusal names the right month.
    if not as_month_day and (as_day_month or (first > 12 and 1 <= second <= 12)):
        return swapped.format(a=first, b=second, sep=groups.get("sep") or "",
                              rest=match["rest"] or "")
    return match.group(0)


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else
                                             calendar.monthrange(2026, month)[1])


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
            raise _Refusal("two_dates")  # "4 december 5": two readings that overlap
    dates = {_RESOLVERS[name](match, today) for _, _, name, match in chosen}
    if not dates:
        raise _Refusal("not_understood")
    if len(dates) > 1:
        raise _Refusal("two_dates")
    return dates.pop()


def _weekday_stands_alone(norm: str, match: re.Match[str]) -> bool:
    word = match["weekday"].rstrip(".")
    if word not in _AMBIGUOUS_WEEKDAYS or match["modifier"] or match["after"]:
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
            raise _Refusal("format")
        month, day = int(parts[0]), int(parts[1])
        if len(parts) == 3 and len(parts[2]) not in (2, 4):
            raise _Refusal("bad_year")
        _check_month(month)
        _check_day_of_month(month, day)
    return _delegate(text, today)


def _delegate(text: str, today: date) -> date:
    try:
        return parse_payment_date(text, today, recent_past=RECENT_PAST)
    except InvalidDate as exc:
        if re.fullmatch(r"0?2[/-]0?29(?:[/-]\d+)?|\d{4}-0?2-29", text):
            raise _Refusal("february_29") from exc
        raise


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise _Refusal("no_month", number=month)


def _check_day_of_month(month: int, day: int) -> None:
    longest = 29 if month == 2 else calendar.monthrange(2026, month)[1]
    if day < 1 or day > longest:
        if month == 2:
            raise _Refusal("february")
        raise _Refusal("month_days", month_number=month, days=longest)


def _day_number(match: re.Match[str]) -> int:
    if match["dayword"]:
        word = " ".join(match["dayword"].split())
        return _ORDINAL_WORDS.get(word) or _SPANISH_DAYS_OF_MONTH[word]
    return int(match["day"])


def _check_qualifier(match: re.Match[str], result: date) -> date:
    qualifier = match["qualifier"]
    if qualifier:
        weekday = _WEEKDAYS[qualifier.rstrip(".")]
        if result.weekday() != weekday:
            raise _Refusal("weekday", month_number=result.month, day=result.day,
                           year=result.year, actual_weekday=result.weekday(),
                           said_weekday=weekday)
    return result


def _month_day(match: re.Match[str], today: date) -> date:
    month = _MONTHS[match["month"]]
    day = _day_number(match)
    _check_day_of_month(month, day)
    year_text = match["year"]
    if year_text:
        year = 2000 + int(year_text[1:]) if year_text.startswith("'") else int(year_text)
        if year < 1900:
            raise _Refusal("bad_year")
        try:
            result = date(year, month, day)
        except ValueError as exc:  # February 29 in a common year
            raise _Refusal("not_leap", year=year) from exc
    else:
        result = _delegate(f"{month}/{day}", today)
    return _check_qualifier(match, result)


def _day_of_month(match: re.Match[str], today: date) -> date:
    day = int(match["bareday"]) if match["bareday"] else _day_number(match)
    return _day_in_month(match, day, match["which"], today)


def _dia(match: re.Match[str], today: date) -> date:
    which = "next" if match["next"] else "this" if match["this"] else None
    return _day_in_month(match, _day_number(match), which, today)


def _day_in_month(match: re.Match[str], day: int, which: str | None, today: date) -> date:
    year, month = today.year, today.month
    if which == "next" or (which != "this" and day < today.day):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if day < 1 or day > 31:
        raise _Refusal("day_range")
    days_in_month = calendar.monthrange(year, month)[1]
    if day > days_in_month:
        raise _Refusal("no_such_day", month_number=month, days=days_in_month, day=day,
                       ordinal=_ordinal(day))
    return _check_qualifier(match, date(year, month, day))


def _weekday(match: re.Match[str], today: date) -> date:
    weekday = _WEEKDAYS[match["weekday"].rstrip(".")]
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _weekday_next_week(match: re.Match[str], today: date) -> date:
    weekday = _WEEKDAYS[(match["a"] or match["b"]).rstrip(".")]
    next_monday = today + timedelta(days=7 - today.weekday())
    return next_monday + timedelta(days=weekday)


_RELATIVE_DAYS = {"today": 0, "tonight": 0, "this evening": 0, "yesterday": -1, "hoy": 0,
                  "hoy mismo": 0, "esta manana": 0, "esta tarde": 0, "esta noche": 0,
                  "ayer": -1, "pasado manana": 2}


def _relative_word(match: re.Match[str], today: date) -> date:
    # "yesterday" parses so that the payment rules can say why it cannot be used.
    word = " ".join(match["word"].split())
    if "after" in word:
        return today + timedelta(days=2)
    return today + timedelta(days=_RELATIVE_DAYS.get(word, 1))


def _relative(match: re.Match[str], today: date) -> date:
    count = _count(match["count"])
    from_tomorrow = match["base"] == "tomorrow" or match["desde"] == "manana"
    base = today + timedelta(days=1) if from_tomorrow else today
    unit = match["unit"]
    if unit.startswith(("day", "dia")):
        return base + timedelta(days=count)
    if unit.startswith(("week", "semana")):
        return base + timedelta(weeks=count)
    return _add_months(base, count)


def _end_of_month(match: re.Match[str], today: date) -> date:
    year, month = today.year, today.month
    if match["next"]:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


_RESOLVERS: dict[str, Callable[[re.Match[str], date], date]] = {
    "iso": _numeric, "dashed": _numeric, "slashed": _numeric, "month_day": _month_day,
    "day_month": _month_day, "dia_de_mes": _month_day, "day": _day_of_month, "dia": _dia,
    "weekday_next_week": _weekday_next_week, "semana_que_viene": _weekday_next_week,
    "weekday": _weekday, "relative_word": _relative_word, "relative_in": _relative,
    "relative_from": _relative, "end_of_month": _end_of_month, "fin_de_mes": _end_of_month,
}


# --- helpers -------------------------------------------------------------------------------
def _count(text: str) -> int:
    text = " ".join(text.split())
    if text.isdigit():
        return int(text)
    if text in _COUNT_WORDS:
        return _COUNT_WORDS[text]
    if text in _SPANISH_COUNTS:
        return _SPANISH_COUNTS[text]
    words = text.split()
    if words[0] in _TENS:
        return _TENS[words[0]] + (_CARDINALS[words[1]] if len(words) > 1 else 0)
    return _CARDINALS[text]


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if year > 9999:
        raise _Refusal("too_far")
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
