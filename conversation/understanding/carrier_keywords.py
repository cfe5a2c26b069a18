"""What a text message means before anything else reads it: the carrier keywords (CTIA rules,
the same words Twilio's opt-out handling uses), Payline's own shortcuts, in English and in
Spanish, and the words that switch a thread's language.

A keyword counts only when it is the whole message ("STOP", " stop. ", "Sí."), never inside a
sentence: "stop my scheduled payment" and "cancel my payment" are requests for the bot, not
opt-outs. Case, accents, punctuation around the word and spaces between the words of a phrase
do not matter ("si" is "SÍ", "en español" is "EN ESPANOL").

The words:

- opt out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE (as carriers define
  them), and the Spanish a resident would send: PARAR, ALTO, CANCELAR, BAJA, DAR DE BAJA,
  DARME DE BAJA (the FCC requires honouring any reasonable revocation: an opt-out must never
  be missed);
- opt back in: START, UNSTOP, and YES / Y from an opted-out number (`KeywordMatch.opts_in`):
  only the carriers' words, since the carrier keeps blocking texts to a number until it sends
  one of them (a Spanish SÍ is an answer, not an opt-in);
- HELP, INFO / AYUDA; BAL, BALANCE / SALDO; PAY / PAGAR; YES, Y / SÍ, SI; NO, N; LINK /
  ENLACE; AGENT, PERSON, HUMAN, OPERATOR, REPRESENTATIVE / AGENTE, PERSONA, HUMANO, OPERADOR,
  REPRESENTANTE (a 311 agent; Payline answers it itself, bot up or down);
- the language: ENGLISH, INGLÉS switch the thread to English, ESPAÑOL (ESPANOL), SPANISH,
  CASTELLANO to Spanish, alone or with IN / EN before and PLEASE / POR FAVOR after ("EN
  ESPAÑOL POR FAVOR"); the names and their usual misspellings are language.LANGUAGE_NAMES.

YES is both an opt-in word and the answer to a payment offer; which one it is depends on the
thread (an opted-out number opts back in), so it has its own kind. A Spanish word also says
the resident writes Spanish (`KeywordMatch.language`), and the thread answers in Spanish.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from conversation.understanding.language import LANGUAGES, switch_phrases


class Keyword(enum.StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"  # START, UNSTOP (YES is Keyword.YES)
    HELP = "help"
    BALANCE = "balance"
    PAY = "pay"
    YES = "yes"
    NO = "no"
    LINK = "link"
    AGENT = "agent"  # talk to a person at 311
    LANGUAGE = "language"  # ENGLISH / ESPAÑOL: the thread's language (KeywordMatch.language)


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
                           "OPTOUT", "REVOKE"})
SPANISH_OPT_OUT_WORDS = frozenset({"PARAR", "ALTO", "CANCELAR", "BAJA", "DAR DE BAJA",
                                   "DARME DE BAJA"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
# What re-subscribes an opted-out number: the carriers' words only.
_OPTS_IN = OPT_IN_WORDS | {"YES", "Y"}

_ENGLISH: dict[str, Keyword] = {
    **{word: Keyword.OPT_OUT for word in OPT_OUT_WORDS},
    **{word: Keyword.OPT_IN for word in OPT_IN_WORDS},
    "HELP": Keyword.HELP, "INFO": Keyword.HELP,
    "BAL": Keyword.BALANCE, "BALANCE": Keyword.BALANCE,
    "PAY": Keyword.PAY,
    "YES": Keyword.YES, "Y": Keyword.YES,
    "NO": Keyword.NO, "N": Keyword.NO,
    "LINK": Keyword.LINK,
    **{word: Keyword.AGENT for word in ("AGENT", "PERSON", "HUMAN", "OPERATOR",
                                        "REPRESENTATIVE")},
}
_SPANISH: dict[str, Keyword] = {
    **{word: Keyword.OPT_OUT for word in SPANISH_OPT_OUT_WORDS},
    "AYUDA": Keyword.HELP,
    "SALDO": Keyword.BALANCE,
    "PAGAR": Keyword.PAY,
    "SI": Keyword.YES,  # "SÍ" once accents are folded
    "ENLACE": Keyword.LINK,
    **{word: Keyword.AGENT for word in ("AGENTE", "PERSONA", "HUMANO", "OPERADOR",
                                        "REPRESENTANTE")},
}
# The words that switch the thread's language, by the language they switch to: a language's
# name alone, with "in"/"en", "please"/"por favor" (language.py keeps the names).
LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    language: switch_phrases(language) for language in LANGUAGES
}

# Punctuation and symbols around the word ("STOP!", "'yes'", "Pay.") do not change it; inside
# a phrase they are a space ("english, please").
_EDGES = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)
_INSIDE = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class KeywordMatch:
    keyword: Keyword
    word: str  # as matched: upper case, accents folded ("SI", "EN ESPANOL")
    # "es" for a Spanish word, "en" for a switch to English, None for a word of both.
    language: str | None = None

    @property
    def opts_in(self) -> bool:
        """The word re-subscribes an opted-out number (START, UNSTOP, YES, Y)."""
        return self.word in _OPTS_IN


def read_keyword(text: str) -> KeywordMatch | None:
    """The keyword the whole message is, or None for anything else."""
    word = _folded(text)
    if not word:
        return None
    for language, words in LANGUAGE_WORDS.items():
        if word in words:
            return KeywordMatch(Keyword.LANGUAGE, word, language)
    if word in _ENGLISH:
        return KeywordMatch(_ENGLISH[word], word)
    if word in _SPANISH:
        return KeywordMatch(_SPANISH[word], word, "es")
    return None


def keyword_of(text: str) -> Keyword | None:
    """The kind of keyword the whole message is, or None for anything else."""
    match = read_keyword(text)
    return match.keyword if match else None


def _folded(text: str) -> str:
    word = unicodedata.normalize("NFKC", text or "").strip()
    word = _EDGES.sub("", word)
    if _INSIDE.search(word):  # a phrase: only whole words, one space apart
        word = " ".join(part for part in _INSIDE.split(word) if part)
    decomposed = unicodedata.normalize("NFKD", word.upper())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
