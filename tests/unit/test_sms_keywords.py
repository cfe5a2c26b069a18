"""Carrier keywords and Payline's shortcuts count only as a whole message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversation.understanding.carrier_keywords import OPT_OUT_WORDS, Keyword, keyword_of


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop ", "STOP!", "'stop'", "STOPALL",
                                  "unsubscribe", "Cancel", "END", "quit", "ＳＴＯＰ"])
def test_opt_out_words(text: str) -> None:
    assert keyword_of(text) == Keyword.OPT_OUT


@pytest.mark.parametrize(("text", "keyword"), [
    ("START", Keyword.OPT_IN), ("unstop", Keyword.OPT_IN), ("yes", Keyword.YES),
    ("Y", Keyword.YES), ("no.", Keyword.NO), ("HELP", Keyword.HELP), ("info", Keyword.HELP),
    ("bal", Keyword.BALANCE), ("Balance", Keyword.BALANCE), ("PAY", Keyword.PAY),
    ("link", Keyword.LINK), ("AGENT", Keyword.AGENT), ("agent.", Keyword.AGENT),
    (" Person! ", Keyword.AGENT), ("human", Keyword.AGENT), ("Operator?", Keyword.AGENT),
    ("REPRESENTATIVE", Keyword.AGENT), ("'agent'", Keyword.AGENT),
])
def test_shortcuts(text: str, keyword: Keyword) -> None:
    assert keyword_of(text) == keyword


@pytest.mark.parametrize("text", ["stop my payment", "cancel my scheduled payment",
                                  "pay my bill", "yes please pay", "help me", "", "   ", "😀",
                                  "S T O P", "stopp", "paying", "agent please",
                                  "talk to a person", "agents", "a human"])
def test_sentences_are_not_keywords(text: str) -> None:
    assert keyword_of(text) is None


@given(st.sampled_from(sorted(OPT_OUT_WORDS)), st.text(alphabet=" .!?\t", max_size=4),
       st.text(alphabet=" .!?\t", max_size=4))
def test_opt_out_survives_case_spaces_and_punctuation(word: str, before: str,
                                                      after: str) -> None:
    assert keyword_of(f"{before}{word.lower()}{after}") == Keyword.OPT_OUT
