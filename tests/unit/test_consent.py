"""The consent rule (conversation/understanding/consent.py): money moves and accounts change
only on a clear yes (issue 14 §7).

The phrasings are what residents typed or said at "Shall I go ahead?"; the intents and
confidences are what the trained model made of them (e.g. "is there a fee?" was affirm at 0.71,
"wait is there a fee for that?" deny at 0.99)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding.consent import SURE, Consent, decide, is_question

YES, NO, UNCLEAR = Consent.YES, Consent.NO, Consent.UNCLEAR


# --- the two reported cases ----------------------------------------------------------------
def test_a_fee_question_the_nlu_hears_as_affirm_is_not_a_yes() -> None:
    assert decide("is there a fee?", "affirm", 0.706) == UNCLEAR
    assert decide("is there a fee?", "affirm", 0.999) == UNCLEAR


def test_a_fee_question_the_nlu_hears_as_deny_is_not_a_no() -> None:
    assert decide("wait is there a fee for that?", "deny", 0.993) == UNCLEAR


# --- clear words decide by themselves -------------------------------------------------------
@pytest.mark.parametrize("text", [
    "yes", "Yes", "YES!", "yes.", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "OK!",
    "correct", "right", "go ahead", "yes go ahead", "yes please", "yes, please", "yes thanks",
    "yes thank you", "confirm", "i confirm", "do it", "yes do it", "please do", "proceed",
    "absolutely", "of course", "sounds good", "ok go ahead", "okay, go ahead and pay it",
    "that's right", "that is correct", "all right", "alright", "Yes sir",
    # Spanish
    "sí", "si", "Sí.", "sí, claro", "claro", "sí por favor", "de acuerdo", "está bien",
    "vale", "dale", "adelante", "correcto", "por supuesto", "sí, gracias", "claro que sí",
    "si, pagar", "sí pagar", "Sí, páguelo", "páguelo por favor", "pagarlo",
])
def test_yes_words_are_yes_whatever_the_nlu_heard(text: str) -> None:
    assert decide(text) == YES
    assert decide(text, "inform", 0.4) == YES
    assert decide(text, "faq", 0.99) == YES


@pytest.mark.parametrize("text", [
    "no", "No.", "NO!", "n", "nope", "nah", "no thanks", "no, thank you", "not now",
    "not today", "not yet", "no way", "negative", "don't", "dont", "i decline", "no no",
    # Spanish
    "no", "no gracias", "no, gracias", "ahora no", "todavía no", "mejor no", "para nada",
    "no quiero",
])
def test_no_words_are_no_whatever_the_nlu_heard(text: str) -> None:
    assert decide(text) == NO
    assert decide(text, "affirm", 0.95) == NO


# --- questions, corrections and hedges are neither -------------------------------------------
@pytest.mark.parametrize("text", [
    "is there a fee?", "is there a fee", "wait is there a fee for that?", "any fee?",
    "yes but is there a fee?", "yes, but is there a fee", "ok so is it 41.25 in total",
    "what's the total?", "how much is the fee", "do I have to pay a fee", "does that include "
    "the fee", "can I pay by bank instead", "will it post today", "yes?", "ok?", "right?",
    "is that with the card", "are you sure", "yes, when will it post", "why is there a fee",
    "sure, how long does it take?", "maybe later?",
    # Spanish
    "¿hay un cargo?", "hay un cargo", "sí, pero ¿hay un cargo?", "¿cuánto es?",
    "cuanto es el total", "¿qué es eso?", "¿cómo?", "¿y la comisión?", "sí?",
])
def test_questions_are_unclear_even_with_a_confident_yes_or_no(text: str) -> None:
    assert is_question(text)
    assert decide(text, "affirm", 0.999) == UNCLEAR
    assert decide(text, "deny", 0.999) == UNCLEAR
    assert decide(text) == UNCLEAR


@pytest.mark.parametrize("text", [
    "yes but make it $50", "wait", "hold on", "yes, wait", "actually make it 30",
    "yes, actually use my checking", "ok but with the other card", "maybe", "hmm",
    "not sure", "yes if there is no fee", "no wait", "sí pero con otra tarjeta", "espera",
    "un momento", "tal vez",
])
def test_hedges_and_corrections_are_unclear(text: str) -> None:
    assert decide(text, "affirm", 0.999) == UNCLEAR
    assert decide(text, "deny", 0.999) == UNCLEAR


@pytest.mark.parametrize("text", ["yes no", "no yes", "ok no", "yes, don't", "sí no"])
def test_yes_and_no_together_are_unclear(text: str) -> None:
    assert decide(text, "affirm", 0.99) == UNCLEAR
    assert decide(text, "deny", 0.99) == UNCLEAR


@pytest.mark.parametrize("text", ["", "   ", "🤔", "👍", "...", "?"])
def test_nothing_to_read_is_unclear(text: str) -> None:
    assert decide(text, "affirm", 0.99) == UNCLEAR


# --- the NLU decides only when it is sure ----------------------------------------------------
def test_a_sure_affirm_in_other_words_is_a_yes() -> None:
    assert decide("yeah that's fine", "affirm", 0.999) == YES
    assert decide("let's go for it", "affirm", 0.97) == YES


def test_an_unsure_affirm_is_not_a_yes() -> None:
    """"purple" was affirm at 0.58, above the fallback threshold: it used to pay."""
    assert decide("purple", "affirm", 0.579) == UNCLEAR
    assert decide("yeah that's fine", "affirm", SURE - 0.01) == UNCLEAR
    assert decide("yeah that's fine", "affirm", None) == UNCLEAR


def test_a_sure_deny_in_other_words_is_a_no() -> None:
    assert decide("i don't want that", "deny", 0.98) == NO
    assert decide("no i changed my mind", "deny", 0.99) == NO


def test_a_negated_yes_is_not_a_yes() -> None:
    assert decide("that's not fine", "affirm", 0.99) == UNCLEAR
    assert decide("don't go ahead", "affirm", 0.99) == UNCLEAR


def test_digits_that_may_be_a_new_amount_are_not_a_yes() -> None:
    assert decide("yes 50", "affirm", 0.99) == UNCLEAR
    assert decide("yep 4242", "affirm", 0.99) == UNCLEAR


def test_other_intents_are_unclear_even_when_sure() -> None:
    assert decide("thanks", "thank", 0.999) == UNCLEAR
    assert decide("what's my balance", "check_balance", 0.99) == UNCLEAR


def test_a_bool_is_not_a_confidence() -> None:
    assert decide("sounds great to me", "affirm", True) == UNCLEAR  # type: ignore[arg-type]


# --- buttons ----------------------------------------------------------------------------------
def test_a_button_payload_is_taken_at_its_word() -> None:
    assert decide("yes", None, None, button=True) == YES
    assert decide("no", None, None, button=True) == NO
    assert decide("/affirm", "affirm", 1.0, button=True) == YES
    assert decide("/deny", "deny", 1.0, button=True) == NO


def test_a_button_that_is_neither_stays_unclear() -> None:
    assert decide("Pay now", "pay_bill", 1.0, button=True) == UNCLEAR


# --- properties -------------------------------------------------------------------------------
_YES_SAMPLES = st.sampled_from(["yes", "ok", "sure", "go ahead", "sí", "yes please", "yeah"])
_QUESTIONS = st.sampled_from(["is there a fee", "what is the total", "how much is it",
                              "can i use my bank", "¿hay un cargo", "cuánto es",
                              "does that include the fee", "when does it post"])
_JOINS = st.sampled_from([" but ", ", ", " ", ". ", " - ", " so "])


@given(_YES_SAMPLES, _JOINS, _QUESTIONS, st.sampled_from(["", "?"]),
       st.sampled_from(["affirm", "deny", "faq", None]), st.floats(0, 1))
def test_a_yes_followed_by_a_question_is_never_consent(yes: str, join: str, question: str,
                                                       mark: str, intent: str | None,
                                                       confidence: float) -> None:
    assert decide(f"{yes}{join}{question}{mark}", intent, confidence) == UNCLEAR


@given(st.text(max_size=60), st.sampled_from(["affirm", "deny", None]), st.floats(0, 1))
def test_nothing_with_a_question_mark_is_consent(text: str, intent: str | None,
                                                 confidence: float) -> None:
    assert decide(text + "?", intent, confidence) == UNCLEAR
    assert decide("¿" + text, intent, confidence) == UNCLEAR


@given(st.text(max_size=80), st.sampled_from(["affirm", "inform", "faq", None]),
       st.floats(0, SURE, exclude_max=True))
def test_an_unsure_nlu_never_makes_a_yes_on_its_own(text: str, intent: str | None,
                                                    confidence: float) -> None:
    """Below SURE only the words can say yes: the same text with no intent decides alike."""
    if decide(text, intent, confidence) == YES:
        assert decide(text) == YES


@given(st.text(max_size=200), st.sampled_from(["affirm", "deny", "faq", None]),
       st.one_of(st.none(), st.floats(allow_nan=True)), st.booleans())
def test_any_input_gets_an_answer(text: str, intent: str | None, confidence: float | None,
                                  button: bool) -> None:
    assert decide(text, intent, confidence, button=button) in (YES, NO, UNCLEAR)


@pytest.mark.parametrize("text", ["sí pague", "no pague", "no, pagar", "no páguelo",
                                  "sí pagar mañana", "si pagar?", "pagar después"])
def test_spanish_pay_words_with_a_past_a_no_or_a_change_are_not_a_yes(text: str) -> None:
    # "pagué" (I paid) folds to "pague": only the imperative "páguelo" is "pay it".
    assert decide(text) == UNCLEAR
