"""Speech/text to intent: Rasa first (against a real loopback HTTP stub), keywords when Rasa is
down, slow, unsure or off-contract, and a breaker so a down NLU costs a caller nothing."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from conversation.understanding.keywords import INTENTS, keyword_intent, normalize
from ivr.bot.nlu import BREAKER_SECONDS, MAX_TEXT, IntentClassifier, classifier_for
from ivr.settings import ChannelSettings
from tests.http_support import closed_port_url

# --- keyword fallback --------------------------------------------------------------------

PHRASES = [
    # English, as speech recognition writes it
    ("en", "I want to pay my bill", "pay_bill"),
    ("en", "i wanna pay my bill", "pay_bill"),
    ("en", "pay bill", "pay_bill"),
    ("en", "Make a payment.", "pay_bill"),
    ("en", "balance", "check_balance"),
    ("en", "How much do I owe?", "check_balance"),
    ("en", "how much do i have to pay", "check_balance"),
    ("en", "what's my balance", "check_balance"),
    ("en", "when is my bill due", "check_balance"),
    ("en", "schedule a payment", "schedule_payment"),
    ("en", "I'd like to pay next Friday", "schedule_payment"),
    ("en", "cancel my scheduled payment", "cancel_scheduled_payment"),
    ("en", "Cancel my payment", "cancel_scheduled_payment"),
    ("en", "stop the autopay", "cancel_scheduled_payment"),
    ("en", "did my payment go through", "payment_status"),
    ("en", "payment status", "payment_status"),
    ("en", "check on my scheduled payment", "payment_status"),
    ("en", "sign me up for paperless", "enroll_paperless"),
    ("en", "email bills", "enroll_paperless"),
    ("en", "no more paper bills please", "enroll_paperless"),
    # Stopping paper is going paperless, whatever else the sentence says (issue 17).
    ("en", "i'd like to stop getting paper bills", "enroll_paperless"),
    ("en", "i dont want paper bills anymore", "enroll_paperless"),
    ("en", "please stop sending me paper statements", "enroll_paperless"),
    ("en", "i want to get paper bills", "unenroll_paperless"),
    ("en", "go paper less", "enroll_paperless"),
    ("en", "stop paperless", "unenroll_paperless"),
    ("en", "unenroll", "unenroll_paperless"),
    ("en", "go back to paper bills", "unenroll_paperless"),
    ("en", "I want paper bills again", "unenroll_paperless"),
    ("en", "operator", "request_agent"),
    ("en", "Can I talk to a real person?", "request_agent"),
    ("en", "representative", "request_agent"),
    ("en", "help", "help"),
    ("en", "what are my options", "help"),
    ("en", "that's all, goodbye", "goodbye"),
    ("en", "yes", "affirm"),
    ("en", "Yeah, that's correct.", "affirm"),
    ("en", "correct", "affirm"),
    ("en", "no", "deny"),
    ("en", "that's not correct", "deny"),
    ("en", "nope", "deny"),
    ("en", "I don't want to pay", "deny"),
    # Spanish, with and without accents
    ("es", "quiero pagar mi factura", "pay_bill"),
    ("es", "Quiero hacer un pago", "pay_bill"),
    ("es", "¿Cuánto debo?", "check_balance"),
    ("es", "cuanto debo", "check_balance"),
    ("es", "saldo", "check_balance"),
    ("es", "quiero saber mi saldo", "check_balance"),
    ("es", "pagar", "pay_bill"),
    ("es", "programar un pago", "schedule_payment"),
    ("es", "quiero pagar el quince de diciembre", "schedule_payment"),
    ("es", "cancelar mi pago", "cancel_scheduled_payment"),
    ("es", "Cancelar mi pago programado", "cancel_scheduled_payment"),
    ("es", "¿Se procesó mi pago?", "payment_status"),
    ("es", "estado de mi pago", "payment_status"),
    ("es", "papel", "enroll_paperless"),
    ("es", "sin papel", "enroll_paperless"),
    ("es", "factura electrónica", "enroll_paperless"),
    ("es", "dejar de recibir facturas en papel", "enroll_paperless"),
    ("es", "cancelar la factura electrónica", "unenroll_paperless"),
    ("es", "quiero volver al papel", "unenroll_paperless"),
    ("es", "quiero papel", "unenroll_paperless"),
    ("es", "quiero la factura sin papel", "enroll_paperless"),
    ("es", "agente", "request_agent"),
    ("es", "representante", "request_agent"),
    ("es", "Quiero hablar con una persona", "request_agent"),
    ("es", "ayuda", "help"),
    ("es", "eso es todo, adiós", "goodbye"),
    ("es", "sí", "affirm"),
    ("es", "Sí, correcto", "affirm"),
    ("es", "claro que sí", "affirm"),
    ("es", "no", "deny"),
    ("es", "no es correcto", "deny"),
    # the other language on the line: residents mix
    ("en", "sí", "affirm"),
    ("en", "quiero pagar mi factura", "pay_bill"),
    ("es", "balance", "check_balance"),
    ("es", "pay my bill", "pay_bill"),
]


@pytest.mark.parametrize(("language", "text", "intent"), PHRASES,
                         ids=[f"{lang}:{text}" for lang, text, _ in PHRASES])
def test_keywords_map_realistic_phrasings(language, text, intent):
    assert keyword_intent(text, language) == intent
    assert intent in INTENTS


@pytest.mark.parametrize("text", ["", "   ", "...", "the weather is nice", "purple"])
def test_keywords_are_unsure_rather_than_wrong(text):
    assert keyword_intent(text) is None
    assert keyword_intent(text, "es") is None


def test_normalize_folds_case_accents_and_punctuation():
    assert normalize("¿Cuánto DEBO, señor?") == "cuanto debo senor"
    assert normalize("I don't   know") == "i dont know"
    assert normalize("Paper-less!") == "paperless"


# --- Rasa over loopback HTTP -------------------------------------------------------------


class RasaStub:
    """A loopback /model/parse: answers `reply` (JSON, or raw bytes) with `status` after
    `delay` seconds, and keeps the requests it got."""

    def __init__(self) -> None:
        self.reply: Any = {"intent": {"name": "pay_bill", "confidence": 0.93}}
        self.status = 200
        self.delay = 0.0
        self.requests: list[tuple[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                stub.requests.append((self.path, json.loads(self.rfile.read(length))))
                time.sleep(stub.delay)
                body = stub.reply if isinstance(stub.reply, bytes) \
                    else json.dumps(stub.reply).encode()
                try:
                    self.send_response(stub.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up waiting (the slow case)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rasa() -> Iterator[RasaStub]:
    stub = RasaStub()
    yield stub
    stub.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="closed_port_url")
def closed_port_url_fixture() -> str:
    return closed_port_url()


def test_rasa_intent_is_used_when_confident(rasa, clock):
    classifier = IntentClassifier(rasa.url + "/", timeout=2.0, clock=clock)
    # Words the keywords would not place: the answer must be Rasa's.
    assert classifier.classify("the thing with the money for the water") == "pay_bill"
    assert rasa.requests == [("/model/parse", {"text": "the thing with the money for the water"})]


def test_low_confidence_falls_back_to_keywords_without_opening_the_breaker(rasa, clock):
    rasa.reply = {"intent": {"name": "check_balance", "confidence": 0.41}}
    classifier = IntentClassifier(rasa.url, clock=clock)
    assert classifier.classify("cancel my scheduled payment") == "cancel_scheduled_payment"
    assert classifier.classify("gibberish words") is None
    assert len(rasa.requests) == 2  # an unsure answer is not a failure
    assert classifier.rasa_available()


@pytest.mark.parametrize("reply", [
    {"intent": {"name": "faq/opening_hours", "confidence": 0.99}},
    {"intent": {"name": "greet", "confidence": 0.99}},
    {"intent": {"name": None, "confidence": 0.0}},
])
def test_intents_outside_the_contract_fall_back_to_keywords(rasa, clock, reply):
    rasa.reply = reply
    classifier = IntentClassifier(rasa.url, clock=clock)
    assert classifier.classify("stop paperless") == "unenroll_paperless"
    assert classifier.rasa_available()


def test_rasa_down_falls_back_fast_and_is_not_asked_again_for_30_seconds(closed_port_url,
                                                                         clock):
    classifier = IntentClassifier(closed_port_url, timeout=1.0, clock=clock)
    started = time.monotonic()
    assert classifier.classify("pay my bill") == "pay_bill"
    assert not classifier.rasa_available()
    assert classifier.classify("cuánto debo", "es") == "check_balance"
    assert time.monotonic() - started < 0.9
    clock.now += BREAKER_SECONDS
    assert classifier.rasa_available()  # half-open: the next turn tries Rasa again


def test_each_language_asks_its_own_model_and_has_its_own_breaker(rasa, closed_port_url,
                                                                 clock):
    classifier = IntentClassifier({"en": closed_port_url, "es": rasa.url}, clock=clock)
    assert classifier.classify("the thing with the money for the water") is None
    assert not classifier.rasa_available("en")  # the English instance is down
    assert classifier.classify("lo del dinero del agua", "es") == "pay_bill"
    assert rasa.requests == [("/model/parse", {"text": "lo del dinero del agua"})]
    assert classifier.rasa_available("es")


@pytest.mark.parametrize(("status", "reply"), [
    (500, {"error": "boom"}),
    (200, b"<html>not json</html>"),
    (200, {"no": "intent"}),
    (200, {"intent": {"name": "pay_bill", "confidence": "high"}}),
])
def test_an_erroring_rasa_opens_the_breaker(rasa, clock, status, reply):
    rasa.status, rasa.reply = status, reply
    classifier = IntentClassifier(rasa.url, clock=clock)
    assert classifier.classify("balance") == "check_balance"
    assert classifier.classify("balance") == "check_balance"
    assert len(rasa.requests) == 1  # the second turn did not even try
    clock.now += BREAKER_SECONDS - 1
    classifier.classify("balance")
    assert len(rasa.requests) == 1
    clock.now += 1
    rasa.status, rasa.reply = 200, {"intent": {"name": "help", "confidence": 0.8}}
    assert classifier.classify("balance") == "help"  # Rasa is back and trusted again
    assert len(rasa.requests) == 2


def test_slow_rasa_times_out_and_falls_back(rasa, clock):
    rasa.delay = 1.0
    classifier = IntentClassifier(rasa.url, timeout=0.2, clock=clock)
    started = time.monotonic()
    assert classifier.classify("representative") == "request_agent"
    assert time.monotonic() - started < 0.8
    assert not classifier.rasa_available()


def test_long_text_is_truncated_before_it_is_sent(rasa, clock):
    classifier = IntentClassifier(rasa.url, clock=clock)
    classifier.classify("pay " * 1000)
    assert len(rasa.requests[0][1]["text"]) == MAX_TEXT


def test_empty_text_asks_nobody(rasa, clock):
    classifier = IntentClassifier(rasa.url, clock=clock)
    assert classifier.classify("") is None
    assert classifier.classify("   ") is None
    assert rasa.requests == []


def test_without_a_rasa_url_only_keywords_answer():
    classifier = IntentClassifier(None)
    assert not classifier.rasa_available()
    assert classifier.classify("quiero pagar mi factura", "es") == "pay_bill"


def test_failures_are_logged_without_the_text(closed_port_url, clock, caplog):
    caplog.set_level(logging.DEBUG)
    classifier = IntentClassifier(closed_port_url, clock=clock)
    classifier.classify("my account is 1002003004 and card 4242 4242 4242 4242")
    assert "NLU server unavailable" in caplog.text
    assert "1002003004" not in caplog.text and "4242" not in caplog.text


def test_classifier_for_builds_one_per_app_from_channel_settings(rasa):
    app = Flask(__name__)
    app.extensions["payline.channels"] = ChannelSettings.from_env(
        {"PAYLINE_RASA_URL": rasa.url, "PAYLINE_NLU_TIMEOUT": "0.5",
         "PAYLINE_RASA_TOKEN": "api-token"})
    classifier = classifier_for(app)
    assert classifier is classifier_for(app)
    assert app.extensions["payline.nlu"] is classifier
    assert classifier.classify("the thing with the money") == "pay_bill"
    # Rasa's HTTP API token travels as Rasa reads it: the `token` query parameter.
    assert rasa.requests[0][0] == "/model/parse?token=api-token"
