"""IntentClassifier.understand: the intent together with Rasa's confidence, which a yes/no
question that moves money needs (conversation/understanding/consent.py); the keyword
fallback gives no confidence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ivr.bot.nlu import IntentClassifier, Understanding
from tests.http_support import closed_port_url
from tests.unit.test_nlu import FakeClock, RasaStub


@pytest.fixture
def rasa() -> Iterator[RasaStub]:
    stub = RasaStub()
    yield stub
    stub.close()


def test_rasa_gives_its_confidence(rasa: RasaStub) -> None:
    rasa.reply = {"intent": {"name": "affirm", "confidence": 0.706}}
    understood = IntentClassifier(rasa.url, clock=FakeClock()).understand("is there a fee?")
    assert understood == Understanding("affirm", 0.706)
    assert understood.from_rasa


def test_classify_is_the_intent_alone(rasa: RasaStub) -> None:
    rasa.reply = {"intent": {"name": "deny", "confidence": 0.993}}
    classifier = IntentClassifier(rasa.url, clock=FakeClock())
    assert classifier.classify("wait is there a fee for that?") == "deny"


def test_the_keyword_fallback_has_no_confidence() -> None:
    understood = IntentClassifier(closed_port_url(), clock=FakeClock()).understand("yes")
    assert understood == Understanding("affirm", None)
    assert not understood.from_rasa


def test_unsure_rasa_falls_back_to_keywords_without_a_confidence(rasa: RasaStub) -> None:
    rasa.reply = {"intent": {"name": "affirm", "confidence": 0.41}}
    understood = IntentClassifier(rasa.url, clock=FakeClock()).understand("purple")
    assert understood == Understanding(None, None)


@pytest.mark.parametrize("confidence", [float("nan"), float("inf")])
def test_a_confidence_that_is_not_a_number_is_not_trusted(rasa: RasaStub,
                                                          confidence: float) -> None:
    rasa.reply = b'{"intent": {"name": "affirm", "confidence": %s}}' % (
        b"NaN" if confidence != confidence else b"Infinity")
    understood = IntentClassifier(rasa.url, clock=FakeClock()).understand("purple")
    assert understood.confidence is None


def test_nothing_said_is_nothing_understood(rasa: RasaStub) -> None:
    assert IntentClassifier(rasa.url, clock=FakeClock()).understand("  ") == Understanding(None)
    assert rasa.requests == []
