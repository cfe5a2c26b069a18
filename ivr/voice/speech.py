"""Spoken values inside prompts: amounts, dates and numbers read naturally (SSML).

A prompt is a catalog template with placeholders; `render_into(say, ...)` appends its text to a
TwiML <Say> and turns each placeholder value into words or an SSML <say-as> element, so an
amount is "forty-five dollars and fifty cents", a date is read as a date, and a confirmation
number or account ending is read one character at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from twilio.twiml.voice_response import Say

from domain.money import Money
from ivr.voice.prompts import template

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Amount:
    money: Money


@dataclass(frozen=True)
class Day:
    value: date
    with_year: bool = False


@dataclass(frozen=True)
class Characters:
    """Read one character at a time (confirmation numbers, account endings)."""

    text: str


@dataclass(frozen=True)
class Telephone:
    number: str  # E.164


Spoken = Amount | Day | Characters | Telephone | str | int


@dataclass(frozen=True)
class Line:
    """One catalog prompt with its values, rendered in the caller's language later."""

    key: str
    values: tuple[tuple[str, Spoken], ...] = ()

    @classmethod
    def of(cls, key: str, **values: Spoken) -> Line:
        return cls(key, tuple(values.items()))


def render_into(say: Say, line: Line, language: str) -> None:
    values = dict(line.values)
    text = template(language, line.key)
    position = 0
    pending = ""
    for match in _PLACEHOLDER.finditer(text):
        pending += text[position:match.start()]
        position = match.end()
        value = values[match.group(1)]
        if isinstance(value, (str, int)):
            pending += str(value)
        elif isinstance(value, Amount):
            pending += value.money.speech(language)
        else:
            _flush(say, pending)
            pending = ""
            _say_as(say, value)
    pending += text[position:]
    _flush(say, pending + " ")


def _flush(say: Say, text: str) -> None:
    # twilio's TwiML keeps one text tail per child element: merge adjacent text first.
    if not text:
        return
    if say.verbs and isinstance(say.verbs[-1], str):
        say.verbs[-1] += text
    else:
        say.verbs.append(text)


def _say_as(say: Say, value: Day | Characters | Telephone) -> None:
    if isinstance(value, Day):
        if value.with_year:
            say.say_as(value.value.strftime("%m/%d/%Y"), interpret_as="date", format="mdy")
        else:
            say.say_as(value.value.strftime("%m/%d"), interpret_as="date", format="md")
    elif isinstance(value, Characters):
        say.say_as(value.text.replace("-", ""), interpret_as="characters")
    else:
        say.say_as(value.number, interpret_as="telephone")


_METHOD_LABEL = re.compile(r"^(?P<name>.+?) ending (?P<last4>\d{4})$")
_METHOD_WORDS = {
    "es": {"checking account": "cuenta de cheques", "savings account": "cuenta de ahorros",
           "bank account": "cuenta bancaria", "card": "tarjeta"},
}


def method_phrase(label: str, language: str) -> str:
    """'VISA ending 4242' as the caller's language says it ('VISA terminada en 4 2 4 2')."""
    match = _METHOD_LABEL.match(label or "")
    if not match:
        return label
    name, last4 = match.group("name"), " ".join(match.group("last4"))
    if language == "es":
        name = _METHOD_WORDS["es"].get(name, name)
        return f"{name} terminada en {last4}"
    return f"{name} ending in {last4}"
