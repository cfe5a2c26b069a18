"""TwiML builders and spoken values, parsed as XML: elements and attributes, not strings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from domain.money import Money
from ivr.voice import twiml
from ivr.voice.flow import PaySpec, ask, entry
from ivr.voice.speech import Amount, Characters, Day, Line, Telephone, method_phrase
from ivr.voice.steps.payment_common import (
    CANCELLED,
    DECLINED,
    FAILED,
    HUNG_UP,
    PROCESSOR_DOWN,
    SUCCESS,
    UNREADABLE,
    masked_card_label,
    pay_result,
)
from ivr.voice.steps.schedule import date_from_keys


def xml(response: object) -> ET.Element:
    return ET.fromstring(str(response))  # noqa: S314 - documents built by our own builders


def spoken(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_a_menu_question_gathers_keys_and_speech_then_comes_back_on_silence() -> None:
    root = xml(twiml.question([Line.of("no_input")], ask(Line.of("main_menu")),
                              "/voice/menu?t=3", "en"))
    say, gather, redirect = list(root)
    assert say.tag == "Say" and say.get("language") == "en-US"
    assert say.get("voice", "").startswith("Polly.")
    assert gather.tag == "Gather"
    assert gather.get("action") == "/voice/menu?t=3" and gather.get("method") == "POST"
    assert gather.get("input") == "dtmf speech" and gather.get("numDigits") == "1"
    assert gather.get("language") == "en-US"
    assert "balance" in spoken(gather.find("Say"))
    assert redirect.tag == "Redirect" and redirect.text == "/voice/menu?t=3"


def test_an_entry_takes_digits_until_pound_without_speech() -> None:
    root = xml(twiml.question([], entry(Line.of("id_account")), "/voice/id_account?t=4", "es"))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("input") == "dtmf" and gather.get("finishOnKey") == "#"
    assert gather.get("numDigits") is None
    say = gather.find("Say")
    assert say is not None and say.get("language") == "es-US"
    assert "numeral" in spoken(say)


def test_amounts_are_words_and_dates_and_numbers_are_ssml() -> None:
    root = xml(twiml.question([
        Line.of("balance_total", today=Day(date(2026, 11, 23)),
                amount=Amount(Money.parse("1250.50"))),
        Line.of("confirmation", conf=Characters("K7MW-3QTX")),
        Line.of("transfer_unavailable", phone=Telephone("+13125550111")),
    ], ask(Line.of("main_menu")), "/voice/menu?t=1", "en"))
    say = root.find("Say")
    assert say is not None
    text = spoken(say)
    assert "one thousand two hundred fifty dollars and fifty cents" in text
    kinds = [(e.get("interpret-as"), e.text) for e in say.iter("say-as")]
    assert ("date", "11/23") in kinds
    assert kinds.count(("characters", "K7MW3QTX")) == 2  # said twice, character by character
    assert ("telephone", "+13125550111") in kinds


def test_spanish_amounts_are_spoken_in_spanish() -> None:
    root = xml(twiml.goodbye([Line.of("pay_approved", amount=Amount(Money.parse("45.50")))],
                             "es"))
    assert "dólares" in spoken(root.find("Say"))  # type: ignore[arg-type]
    assert root[-1].tag == "Hangup"


def test_a_card_charge_pays_through_the_connector_with_the_total() -> None:
    spec = PaySpec("credit-card", "147.82", "City of Riverton payment K7MW-3QTX",
                   "pay_card_result")
    root = xml(twiml.pay([Line.of("pay_card_intro")], spec, "/voice/pay_card_result?t=9", "en",
                         "payline_sandbox"))
    pay = root.find("Pay")
    assert pay is not None
    assert pay.get("chargeAmount") == "147.82"
    assert pay.get("paymentConnector") == "payline_sandbox"
    assert pay.get("paymentMethod") == "credit-card"
    assert pay.get("action") == "/voice/pay_card_result?t=9"
    assert pay.get("securityCode") == "true" and pay.get("postalCode") == "true"
    assert pay.get("tokenType") is None
    assert pay.findall("Parameter") == []  # no reference given, none sent


def test_a_card_charge_carries_paylines_reference_as_a_pay_parameter() -> None:
    spec = PaySpec("credit-card", "147.82", "City of Riverton payment K7MW-3QTX",
                   "pay_card_result", reference="payline-K7MW-3QTX")
    pay = xml(twiml.pay([], spec, "/voice/pay_card_result?t=9", "en", "c")).find("Pay")
    assert pay is not None
    (parameter,) = pay.findall("Parameter")
    assert parameter.attrib == {"name": "payline_reference", "value": "payline-K7MW-3QTX"}


def test_a_bank_account_is_tokenized_for_ach() -> None:
    spec = PaySpec("ach-debit", "0", "City of Riverton payment", "pay_bank_result")
    pay = xml(twiml.pay([], spec, "/voice/pay_bank_result?t=9", "es", "c")).find("Pay")
    assert pay is not None
    assert pay.get("paymentMethod") == "ach-debit" and pay.get("chargeAmount") == "0"
    assert pay.get("tokenType") == "reusable"
    assert pay.get("bankAccountType") == "consumer-checking"
    assert pay.get("language") == "es-US"


def test_a_transfer_dials_311_with_a_whisper_for_the_agent() -> None:
    root = xml(twiml.transfer([Line.of("transfer")], "en", "+13125550111",
                              whisper_url="/voice/whisper?handoff=7",
                              action="/voice/after_dial?t=5"))
    dial = root.find("Dial")
    assert dial is not None and dial.get("action") == "/voice/after_dial?t=5"
    number = dial.find("Number")
    assert number is not None and number.text == "+13125550111"
    assert number.get("url") == "/voice/whisper?handoff=7"
    whisper = xml(twiml.whisper("Caller, verified on the account ending 0731."))
    assert "0731" in spoken(whisper.find("Say"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("params", "expected"), [
    ({"Result": "success"}, SUCCESS),
    ({"Result": "caller-interrupted-with-star"}, CANCELLED),
    ({"Result": "caller-hung-up"}, HUNG_UP),
    ({"Result": "payment-connector-error", "PaymentError": "card_declined"}, DECLINED),
    ({"Result": "payment-connector-error"}, PROCESSOR_DOWN),
    ({"Result": "too-many-failed-attempts"}, UNREADABLE),
    ({"Result": "validation-error"}, UNREADABLE),
    ({"Result": "internal-error"}, FAILED),
    ({}, FAILED),
])
def test_every_pay_result_has_a_next_step(params: dict[str, str], expected: str) -> None:
    assert pay_result(params) == expected


def test_the_card_label_comes_from_the_masked_number_only() -> None:
    assert masked_card_label({"PaymentCardNumber": "xxxx-xxxx-xxxx-4242",
                              "PaymentCardType": "visa"}) == "VISA ending 4242"
    assert masked_card_label({"PaymentCardNumber": "xxxx"}) is None


@pytest.mark.parametrize(("keys", "expected"), [
    ("1215", date(2026, 12, 15)),
    ("0105", date(2027, 1, 5)),  # January typed in November: next year
    ("1120", date(2026, 11, 20)),  # three days ago: the past, not next year (rejected later)
    ("1123", date(2026, 11, 23)),  # today
    ("1345", None),
    ("0230", None),
    ("12", None),
    ("ab12", None),
])
def test_keypad_dates(keys: str, expected: date | None) -> None:
    assert date_from_keys(keys, date(2026, 11, 23)) == expected


def test_method_labels_in_each_language() -> None:
    assert method_phrase("VISA ending 4242", "en") == "VISA ending in 4 2 4 2"
    assert method_phrase("checking account ending 6789", "es") == (
        "cuenta de cheques terminada en 6 7 8 9")
    assert method_phrase("card entered by phone", "es") == "card entered by phone"
