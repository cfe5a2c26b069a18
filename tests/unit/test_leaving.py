"""Leaving a task in words (conversation/understanding/leaving.py), in both languages, and
what must not be read as leaving (requests that use the same verbs, answers)."""

from __future__ import annotations

import pytest

from conversation.understanding.leaving import wants_to_leave


@pytest.mark.parametrize("text", [
    "actually never mind, i'll do it later", "never mind", "Nevermind!", "nvm",
    "forget it", "forget about it thanks", "I'll do it later", "i will pay it later",
    "maybe later", "some other time", "not now", "not right now thanks",
    "i changed my mind", "I don't want to do this anymore", "skip it",
    "no thanks i'll pay later", "ＮＥＶＥＲ ＭＩＮＤ",
    "olvídalo", "olvidalo", "Olvídelo por favor", "déjalo", "dejalo así", "no importa",
    "mejor no", "lo hago después", "lo pago más tarde", "en otro momento",
    "cambié de opinión", "ya no quiero", "no quiero seguir",
])
def test_ways_of_leaving(text: str) -> None:
    assert wants_to_leave(text)


@pytest.mark.parametrize("text", [
    "cancel my payment", "yes, cancel that payment", "stop getting paper bills",
    "i'd like to stop getting paper bills", "yes", "no", "pay now", "pay it", "later",
    "schedule it for later this month", "i don't mind", "do you mind if i pay by card",
    "nowhere", "the full balance", "cancel", "stop", "sí", "quiero pagar mi factura",
    "quiero cancelar mi pago", "never@mind.com", "", "0104200731 1234",
])
def test_requests_and_answers_are_not_leaving(text: str) -> None:
    assert not wants_to_leave(text)
