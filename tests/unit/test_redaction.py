"""The one card-number redactor (domain/redaction.py): every spelling of a card is found,
what is not a card is left exactly as it was, and long or hostile text stays cheap."""

from __future__ import annotations

import json
import random
import time
from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.cards import luhn_check_digit
from domain.confirmation import new_confirmation_number
from domain.redaction import REDACTION, contains_card_number, redact_card_numbers
from tests.card_spellings import (
    AMEX,
    DIGIT_SYSTEMS,
    MASTERCARD,
    SEPARATORS,
    SPELLINGS,
    VISA,
    Spelling,
    grouped,
    in_digits,
    leaked_cards,
)


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: s.label)
def test_every_spelling_is_found_and_no_digit_of_it_survives(spelling: Spelling) -> None:
    assert spelling.card in leaked_cards(spelling.text)  # the finder sees it, too
    text, found = redact_card_numbers(spelling.text)
    assert found and REDACTION in text
    assert leaked_cards(text) == []
    assert contains_card_number(spelling.text)


@pytest.mark.parametrize("form", [repr, ascii, json.dumps, lambda t: json.dumps([t, {"k": t}]),
                                  lambda t: quote(t, safe="")],
                         ids=["repr", "ascii", "json", "json in a list", "url-encoded"])
@pytest.mark.parametrize("spelling", SPELLINGS[::3], ids=lambda s: s.label)
def test_escaped_spellings_are_found_as_logs_json_and_urls_write_them(spelling: Spelling,
                                                                      form) -> None:  # type: ignore[no-untyped-def]
    written = form(spelling.text)
    assert spelling.card in leaked_cards(written)  # the finder sees through escapes too
    text, found = redact_card_numbers(written)
    assert found and leaked_cards(text) == []


@pytest.mark.parametrize("text", ["C:\\x41 \\u0041 100% 12%34", "50%20off", "%41%42 1%",
                                  "\\u12", "\\U0011ffff 1234"])
def test_what_only_looks_like_an_escape_is_left_alone(text: str) -> None:
    assert redact_card_numbers(text) == (text, False)


@pytest.mark.parametrize(("text", "expected"), [
    (f"my card is {grouped(VISA, chr(0xA0))}, exp 12/27 thanks",
     f"my card is {REDACTION}, exp 12/27 thanks"),
    (f"tarjeta {in_digits(VISA, 'fullwidth')} por favor", f"tarjeta {REDACTION} por favor"),
    (f"\u0628\u0637\u0627\u0642\u0629 {in_digits(VISA, 'arabic-indic')}",
     f"\u0628\u0637\u0627\u0642\u0629 {REDACTION}"),
    (f"call 312 555 0100 {grouped(VISA, ' ')}", f"call 312 555 0100 {REDACTION}"),
    (f"call 312-555-0100 then {VISA}", f"call 312-555-0100 then {REDACTION}"),
    (f"card {grouped(VISA, ' ')}123 ok", f"card {REDACTION} ok"),  # the code goes too
    (f"card 77{grouped(VISA, ' ')} ok", f"card {REDACTION} ok"),
    (f"{VISA}/1227", f"{REDACTION}/1227"),
    (f"{grouped(VISA, ' ')} 12/27 123", f"{REDACTION} 12/27 123"),
    (f"a {VISA} b {MASTERCARD} c", f"a {REDACTION} b {REDACTION} c"),
    (f"{grouped(VISA, chr(0x200B))}\u2060", f"{REDACTION}\u2060"),
])
def test_only_the_card_is_replaced(text: str, expected: str) -> None:
    assert redact_card_numbers(text) == (expected, True)


@pytest.mark.parametrize("text", [
    "call me at 312-555-0100", "(312) 555-0100", "+1 312 555 0100", "+13125550100",
    "312.555.0100", "my account is 0104200731", "account 0104-2007-31 street 1234",
    "I owe $1,234.56", "pay 1.234,56 € please", "$12,345,678.90 total", "due 12/05/2026",
    "due 2026-12-05 at 10:30", "05.12.2026", "confirmation K7MW-3QTX", "conf 3479-7934",
    "routing 021000021 account 000123456789", "bank account 1234567890123"[:-1],
    "zip 62701-1234", "bill 2024-00123", "SSN 4821", "4242424242424241",
    "\uff14\uff12\uff14\uff12 \uff14\uff12\uff14\uff12",  # fullwidth, but only 8 digits
    in_digits("0104200731", "arabic-indic"), "", "no digits at all", "[card number removed]",
])
def test_what_is_not_a_card_is_untouched(text: str) -> None:
    assert redact_card_numbers(text) == (text, False)


def test_a_block_of_hundreds_of_digits_is_removed_whole() -> None:
    assert redact_card_numbers("x" + "1" * 300 + "x") == (f"x{REDACTION}x", True)


def test_a_longer_block_hiding_a_card_is_removed() -> None:
    text, found = redact_card_numbers(f"ref 8{VISA}7 ok")
    assert found and text == f"ref {REDACTION} ok"


def test_not_text_is_returned_as_is() -> None:
    assert redact_card_numbers(None) == (None, False)  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------------------

_SEPARATOR_STRINGS = sorted(SEPARATORS.values())
_SYSTEMS = sorted(DIGIT_SYSTEMS)
_BEFORE = ["", "my card is ", "card: ", "número de tarjeta ", "pay with card", "(", "x"]
_AFTER = ["", " thanks", ". exp 12/27", "!", "please", ")", " y gracias"]


@st.composite
def card_spellings(draw: st.DrawFn) -> tuple[str, str]:
    """(the text, the card's ASCII digits): a Luhn-valid 13-19 digit number cut into groups
    anywhere, with any separators between them, in any (mixed) digit systems."""
    partial = draw(st.text(alphabet="0123456789", min_size=12, max_size=18))
    card = partial + luhn_check_digit(partial)
    systems = draw(st.one_of(
        st.sampled_from(_SYSTEMS).map(lambda s: [s] * len(card)),
        st.lists(st.sampled_from(_SYSTEMS), min_size=len(card), max_size=len(card))))
    cuts = draw(st.sets(st.integers(min_value=1, max_value=len(card) - 1), max_size=8))
    pieces, start = [], 0
    for cut in [*sorted(cuts), len(card)]:
        pieces.append("".join(in_digits(d, systems[start + i])
                              for i, d in enumerate(card[start:cut])))
        if cut < len(card):
            pieces.append(draw(st.sampled_from(_SEPARATOR_STRINGS)))
        start = cut
    return "".join(pieces), card


@settings(max_examples=400, deadline=None)
@given(spelled=card_spellings(), before=st.sampled_from(_BEFORE),
       after=st.sampled_from(_AFTER))
def test_any_spelling_of_a_luhn_valid_card_is_found(spelled: tuple[str, str], before: str,
                                                    after: str) -> None:
    typed, card = spelled
    text, found = redact_card_numbers(before + typed + after)
    assert found
    assert text == before + REDACTION + after
    assert leaked_cards(text, [card]) == []


@settings(max_examples=300, deadline=None)
@given(partial=st.text(alphabet="0123456789", min_size=12, max_size=18),
       front=st.text(alphabet="0123456789", max_size=4),
       back=st.text(alphabet="0123456789", max_size=4),
       separator=st.sampled_from(["", " ", "-", "\u00a0"]))
def test_a_card_glued_to_other_digits_is_found(partial: str, front: str, back: str,
                                               separator: str) -> None:
    """Glued into one block longer than 16 digits, or glued onto the ends of a card typed in
    groups of 4. (A block of 16 digits or fewer counts only as a whole: a mistyped 16-digit
    card number is left alone, so a 13-digit card with one digit glued on is too.)"""
    card = partial + luhn_check_digit(partial)
    assume(len(front + card + back) > 16 if not separator else len(card) == 16)
    typed = front + separator.join(card[i:i + 4] for i in range(0, len(card), 4)) + back
    text, found = redact_card_numbers(f"number {typed} ok")
    assert found and leaked_cards(text, [card]) == []


_WORDS = ["call", "me", "at", "my", "account", "is", "I", "owe", "on", "bill", "due", "and",
          "pay", "street", "por", "favor", "cuenta", "número", "fecha", "or", "the", "zip"]


@st.composite
def ordinary_numbers(draw: st.DrawFn) -> str:
    digits = lambda n: draw(st.text(alphabet="0123456789", min_size=n, max_size=n))  # noqa: E731
    kind = draw(st.sampled_from(["phone", "account", "amount", "date", "confirmation", "bank",
                                 "routing", "street", "zip", "customer"]))
    if kind == "phone":
        area, exchange, line = digits(3), digits(3), digits(4)
        return draw(st.sampled_from([f"{area}-{exchange}-{line}", f"({area}) {exchange}-{line}",
                                     f"+1 {area} {exchange} {line}", f"+1{area}{exchange}{line}",
                                     f"{area}.{exchange}.{line}", f"{area} {exchange} {line}"]))
    if kind == "account":
        number = digits(10)
        return draw(st.sampled_from([number, f"{number[:4]}-{number[4:8]}-{number[8:]}"]))
    if kind == "amount":
        cents = draw(st.integers(min_value=1, max_value=99_999_999))
        return f"${cents // 100:,}.{cents % 100:02d}"
    if kind == "date":
        month, day, year = draw(st.integers(1, 12)), draw(st.integers(1, 28)), draw(
            st.integers(2020, 2030))
        return draw(st.sampled_from([f"{month}/{day}/{year}", f"{year}-{month:02d}-{day:02d}",
                                     f"{day:02d}.{month:02d}.{year}", f"{month}/{day}"]))
    if kind == "confirmation":
        return new_confirmation_number(random.Random(draw(st.integers(0, 2**32))))
    if kind == "bank":
        return digits(draw(st.integers(4, 12)))
    if kind == "routing":
        return digits(9)
    if kind == "street":
        return digits(draw(st.integers(1, 6)))
    if kind == "zip":
        return draw(st.sampled_from([digits(5), f"{digits(5)}-{digits(4)}"]))
    return digits(draw(st.integers(5, 8)))


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.tuples(st.sampled_from(_WORDS), ordinary_numbers()), min_size=1,
                      max_size=8),
       punctuation=st.sampled_from(["", ",", ".", "!", "?", ";"]))
def test_text_without_a_card_is_unchanged(parts: list[tuple[str, str]], punctuation: str) -> None:
    """Phone numbers, account numbers, amounts, dates, confirmation numbers and bank numbers
    under 13 digits, each set apart by a word, are never touched."""
    text = " ".join(f"{word} {number}{punctuation}" for word, number in parts)
    assert redact_card_numbers(text) == (text, False)


# --- cost -----------------------------------------------------------------------------------


def _cost(text: str) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        redact_card_numbers(text)
        best = min(best, time.perf_counter() - started)
    return best


_HOSTILE = {
    "digits and spaces": lambda n: "4 " * (n // 2),
    "4-digit groups": lambda n: "4242 " * (n // 5),
    "card-shaped groups and long blocks": lambda n: ("4242 424242 " + "1" * 20 + " ") * (n // 32),
    "a block of digits": lambda n: "1234567890" * (n // 10),
    "separators everywhere": lambda n: "4\u200b-\u00a0." * (n // 5),
    "random digits and separators": lambda n: "".join(
        random.Random(n).choice("0123456789 -./\u200b") for _ in range(n)),
    "a long ordinary message": lambda n: (
        "account 0104200731, phone 312-555-0100, $1,234.56 on 12/05/2026. " * (n // 64)),
}


@pytest.mark.parametrize("make", _HOSTILE.values(), ids=list(_HOSTILE))
def test_long_and_hostile_text_costs_linear_time(make) -> None:  # type: ignore[no-untyped-def]
    small, large = _cost(make(2_000)), _cost(make(32_000))
    # 16x the text: linear is ~16x the time, quadratic ~256x. Generous for a shared machine
    # (measured here: 1-3 ms for 2,000 characters, 15-60 ms for 32,000).
    assert large < 1.0, f"{large:.3f} s for 32,000 characters"
    assert large / max(small, 1e-4) < 64, f"{small:.4f} s -> {large:.4f} s"
    assert _cost(make(1_000)) < 0.05


def test_measured_cost_of_a_chat_sized_message() -> None:
    message = ("my card is 4242 4242 4242 4242 and my account 0104200731 " * 20)[:1_000]
    assert _cost(message) < 0.01  # well under a millisecond here; 10 ms on a busy CI box
    assert leaked_cards(redact_card_numbers(message)[0]) == []


def test_amex_and_mastercard_spacings() -> None:
    assert redact_card_numbers(grouped(AMEX, " ", (4, 6, 5)))[0] == REDACTION
    assert redact_card_numbers(grouped(MASTERCARD, "\u2013"))[0] == REDACTION
