"""conversation/understanding/farewell.py: the words that end a conversation (and so its
verification), whatever intent the NLU heard ("thanks, bye" was a thank-you at 0.999)."""

from __future__ import annotations

import pytest

from conversation.understanding.farewell import says_goodbye


@pytest.mark.parametrize("text", [
    "bye", "Bye!", "byee", "bye bye", "goodbye", "good bye", "thanks, bye", "Thanks, bye!",
    "thank you, goodbye", "ok thanks bye", "ok bye", "see you", "see ya later",
    "good night", "goodnight", "have a nice day", "thanks, have a good one", "ttyl",
    "talk to you later", "that's all", "That's all!", "ok that's all", "that's all, thanks",
    "no that's all thanks", "that's everything", "that is all", "thats all for today",
    "that's it for today", "i'm done", "I am done here", "we're done", "nothing else",
    "no, nothing else thanks", "nothing more", "i'm done, thanks", "end chat",
    "close this conversation", "i'm signing off", "i have to go", "i gotta run",
    # Spanish
    "adiós", "adios", "gracias, adiós", "hasta luego", "nos vemos", "chao", "eso es todo",
    "es todo", "nada más", "nada mas gracias", "que tenga buen día",
])
def test_farewells(text: str) -> None:
    assert says_goodbye(text)


@pytest.mark.parametrize("text", [
    "", "thanks", "thank you so much", "yes", "no", "stop", "never mind", "start over",
    "that's it", "yes that's it", "later", "pay later", "pay it later", "pay by card",
    "let me see your options", "what's my balance", "see my balance", "that's all i owe?",
    "is that all?", "nothing else is due?", "i'm done paying?", "¿es todo?",
    "my email is bye@example.com", "www.goodbye.com", "i'm done with paper bills, go paperless",
    "done", "hola", "buenas noches",
])
def test_not_farewells(text: str) -> None:
    assert not says_goodbye(text)


def test_not_text_is_not_a_farewell() -> None:
    assert not says_goodbye(None)  # type: ignore[arg-type]
