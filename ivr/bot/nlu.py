"""Speech or text to an intent, for the voice menus (and SMS): Rasa first, keywords after.

A caller at a menu must never wait on, or be failed by, the NLU server (docs/architecture.md §6).
So Rasa gets a short timeout; any failure (down, slow, an HTTP error, a body that is not a parse
result) falls back to the keyword tables in `conversation.understanding.keywords` and opens a
simple circuit breaker: Rasa is not asked again for 30 seconds, so every turn in that window
answers from the keywords at once. An answer Rasa is unsure of (confidence below 0.6), or an
intent outside the contract (e.g. a `faq/...` retrieval intent), also falls back to the
keywords, but is not a failure.

Each language asks its own model (Rasa 3.6 serves one language per model: a Spanish caller's
speech goes to the Spanish instance), with a breaker of its own: one instance down does not
silence the other.

`understand` also gives Rasa's confidence, for the yes/no questions where only a clear yes
may move money (conversation.understanding.consent); `classify` is the intent alone.

What residents say can hold digits (account numbers, card numbers said aloud by mistake), so
the text is never logged: only the kind of failure is.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from conversation.understanding.keywords import INTENTS, keyword_intent

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.6
MAX_TEXT = 500  # longer text is truncated before it is sent
BREAKER_SECONDS = 30.0
EXTENSION_KEY = "payline.nlu"


@dataclass(frozen=True)
class Understanding:
    """What was made of one utterance: the intent (None when unsure) and, when Rasa gave it,
    its confidence (None for the keyword fallback: a keyword match is no measure). A yes/no
    question that moves money needs more than the intent (conversation.understanding.consent)."""

    intent: str | None
    confidence: float | None = None

    @property
    def from_rasa(self) -> bool:
        return self.confidence is not None


NOTHING = Understanding(None)


class IntentClassifier:
    """One of the intent names of `conversation.understanding.keywords.INTENTS`, or None when
    unsure.

    Shared by all request threads: its state is a keep-alive connection pool (urllib3's is
    thread-safe) and the breaker's reopen time, a float read and replaced whole, so a race
    at worst lets one extra request try Rasa.
    """

    def __init__(self, rasa_urls: str | Mapping[str, str] | None, timeout: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, *,
                 token: str | None = None) -> None:
        """`rasa_urls`: each language's Rasa instance; one URL serves every language; None:
        keywords only."""
        urls = ({} if rasa_urls is None else {"en": rasa_urls} if isinstance(rasa_urls, str)
                else dict(rasa_urls))
        self._parse_urls = {language: f"{url.rstrip('/')}/model/parse"
                            for language, url in urls.items() if url}
        # Rasa's HTTP API token (`rasa run --auth-token`); Rasa reads it from the query string.
        self._params = {"token": token} if token else {}
        self._timeout = timeout
        self._clock = clock
        self._rasa_skipped_until: dict[str, float] = {}  # by instance: each has a breaker
        self._http = requests.Session()
        # Rasa is an internal service: never route it through an outbound HTTP proxy.
        self._http.trust_env = False

    def classify(self, text: str, language: str = "en") -> str | None:
        return self.understand(text, language).intent

    def understand(self, text: str, language: str = "en") -> Understanding:
        """The intent with Rasa's confidence, or the keywords' intent (no confidence)."""
        if not isinstance(text, str) or not text.strip():
            return NOTHING
        text = text[:MAX_TEXT]
        return self._rasa_intent(text, language) or Understanding(keyword_intent(text, language))

    def rasa_available(self, language: str = "en") -> bool:
        """False while the language's breaker is open (its Rasa failed less than 30 seconds
        ago), or when no Rasa serves it."""
        url = self._parse_url(language)
        return url is not None and self._clock() >= self._rasa_skipped_until.get(url, -math.inf)

    def _parse_url(self, language: str) -> str | None:
        # A single URL (tests, a one-model setup) serves every language.
        if len(self._parse_urls) == 1:
            return next(iter(self._parse_urls.values()))
        return self._parse_urls.get(language)

    def _rasa_intent(self, text: str, language: str) -> Understanding | None:
        url = self._parse_url(language)
        if url is None or not self.rasa_available(language):
            return None
        try:
            response = self._http.post(url, json={"text": text}, params=self._params,
                                       timeout=self._timeout)
            if response.status_code != 200:
                raise _Unavailable(f"HTTP {response.status_code}")
            return _confident_intent(response.json())
        except _Unavailable as exc:
            kind = str(exc)
        except requests.Timeout:
            kind = "timeout"
        except requests.ConnectionError:
            kind = "connection refused or reset"
        except ValueError:  # not JSON, or JSON that is not a parse result
            kind = "response is not a parse result"
        except Exception as exc:  # whatever else: the call goes on with keywords
            kind = type(exc).__name__
        self._rasa_skipped_until[url] = self._clock() + BREAKER_SECONDS
        log.warning("NLU server unavailable (%s, %s); using keywords for %.0f s", language,
                    kind, BREAKER_SECONDS)
        return None


class _Unavailable(Exception):
    """Rasa answered, but not with a parse result (the message is the failure kind)."""


def _confident_intent(body: Any) -> Understanding | None:
    """The parse result's intent and confidence if it is in the contract and confident
    enough, else None; ValueError when the body is not a parse result at all."""
    intent = body.get("intent") if isinstance(body, dict) else None
    if not isinstance(intent, dict):
        raise ValueError("no intent")
    name, confidence = intent.get("name"), intent.get("confidence")
    if name is None:  # Rasa's answer when no intent fits
        return None
    if (not isinstance(name, str) or isinstance(confidence, bool)
            or not isinstance(confidence, int | float)):
        raise ValueError("bad intent")
    if name in INTENTS and math.isfinite(confidence) and confidence >= MIN_CONFIDENCE:
        return Understanding(name, float(confidence))
    return None


def classifier_for(app: Flask) -> IntentClassifier:
    """The app's one classifier (its breaker must be shared by every request to matter)."""
    classifier = app.extensions.get(EXTENSION_KEY)
    if classifier is None:
        channels = app.extensions["payline.channels"]
        classifier = app.extensions.setdefault(
            EXTENSION_KEY, IntentClassifier(channels.rasa_urls, channels.nlu_timeout_seconds,
                                            token=channels.rasa_token))
    return classifier  # type: ignore[no-any-return]
