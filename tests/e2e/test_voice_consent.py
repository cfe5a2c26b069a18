"""Speech at the phone line's yes/no steps (issue 14 §7): only a clear yes presses "1". A
question such as "is there a fee?" is asked again, with the fee and total, and charges nothing,
whether Rasa's NLU heard it as affirm (it did, at 0.71) or the keyword fallback answers.

Whole signed calls through the Flask app, <Pay> played against the sandbox pay connector."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.voice_support import APPROVED_CARD, DANA, LUCIA, VoiceCity, voice_city
from tests.rasa_stub import StubRasa

CONFIRM_CARD = ("You are paying one hundred forty-six dollars and fifty-seven cents by card. "
                "A convenience fee of one dollar and twenty-five cents applies, for a total of "
                "one hundred forty-seven dollars and eighty-two cents.")


def to_card_confirmation(account: str = DANA, street: str = "1234") -> list[str]:
    """English, pay now, identified, the full balance, by card: at "press 1 to continue"."""
    return ["1", "2", "1", f"{account}#", "1", f"{street}#", "1", "1"]


def paid(city: VoiceCity, account: str = DANA) -> list[Any]:
    return [p for p in city.payments(account) if p.status in ("approved", "pending")]


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    """The NLU server is down: speech is read by the keyword fallback."""
    yield from voice_city(tmp_path)


@pytest.mark.parametrize("question", [
    "is there a fee?", "wait is there a fee for that?", "yes but is there a fee?",
    "Yes, but how much is the total?", "Okay. Is that with the fee?"])
def test_a_question_at_the_card_confirmation_charges_nothing(city: VoiceCity,
                                                             question: str) -> None:
    call = city.call([*to_card_confirmation(), f"say:{question}", "hangup"])
    assert call.pay_results == []
    assert "Sorry, I didn't get that." in call.said
    assert call.said.count(CONFIRM_CARD) == 2  # asked again, with the fee and total
    assert paid(city) == []


def test_questions_then_yes_pays_once(city: VoiceCity) -> None:
    call = city.call([*to_card_confirmation(), "say:is there a fee?",
                      "say:wait is there a fee for that?", "say:yes", *APPROVED_CARD, "2",
                      "hangup"])
    assert call.said.count(CONFIRM_CARD) == 3
    assert [r.get("Result") for r in call.pay_results] == ["success"]
    (payment,) = paid(city)
    assert payment.status == "approved"
    assert payment.amount_cents == 14657 and payment.fee_cents == 125


def test_a_clear_no_by_speech_cancels(city: VoiceCity) -> None:
    call = city.call([*to_card_confirmation(), "say:no thanks", "hangup"])
    assert call.pay_results == []
    assert "Main menu" in call.said.split(CONFIRM_CARD)[-1]
    assert paid(city) == []


def test_in_spanish_a_question_is_asked_again_and_si_pays(city: VoiceCity) -> None:
    call = city.call(["2", "2", "1", f"{LUCIA}#", "1", "507#", "1", "1",
                      "say:¿hay un cargo?", "say:sí", *APPROVED_CARD, "2", "hangup"])
    assert "Disculpe, no le entendí." in call.said
    assert [r.get("Result") for r in call.pay_results] == ["success"]
    assert len(paid(city, LUCIA)) == 1


# --- with Rasa's NLU answering ------------------------------------------------------------------
# What the trained model answered for these (ivr/bot/nlu.py reads "intent" and "confidence").
PARSES = {
    "is there a fee?": {"name": "affirm", "confidence": 0.706},
    "wait is there a fee for that?": {"name": "deny", "confidence": 0.993},
    "yes": {"name": "affirm", "confidence": 1.0},
    "purple": {"name": "affirm", "confidence": 0.64},
}


def parse_answer(body: dict[str, Any]) -> dict[str, Any]:
    text = str(body.get("text"))
    return {"text": text, "entities": [],
            "intent": PARSES.get(text, {"name": None, "confidence": 0.0})}


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    """Rasa's /model/parse on a loopback port, answering PARSES; keeps what it was asked."""
    with StubRasa(parse=parse_answer) as stub:
        yield stub


@pytest.fixture
def city_with_nlu(tmp_path: Path, rasa: StubRasa) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path, PAYLINE_RASA_URL=rasa.url)


def test_an_affirm_the_nlu_is_unsure_of_or_a_question_is_not_a_yes(
        city_with_nlu: VoiceCity, rasa: StubRasa) -> None:
    call = city_with_nlu.call([*to_card_confirmation(), "say:is there a fee?",
                               "say:wait is there a fee for that?", "say:purple", "hangup"])
    # The NLU answered each (affirm, deny, affirm), and none of it was taken as 1 or 2.
    assert rasa.parsed == ["is there a fee?", "wait is there a fee for that?", "purple"]
    assert call.pay_results == []
    assert paid(city_with_nlu) == []


def test_a_sure_yes_from_the_nlu_pays(city_with_nlu: VoiceCity, rasa: StubRasa) -> None:
    call = city_with_nlu.call([*to_card_confirmation(), "say:is there a fee?", "say:yes",
                               *APPROVED_CARD, "2", "hangup"])
    assert rasa.parsed == ["is there a fee?", "yes"]
    assert [r.get("Result") for r in call.pay_results] == ["success"]
    assert len(paid(city_with_nlu)) == 1
