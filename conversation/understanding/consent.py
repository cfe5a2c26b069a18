"""Consent: is an answer to a yes/no question that moves money or changes an account a clear
yes, a clear no, or neither?

Money moves and accounts change only on a clear yes (issue 14 §7). At "Shall I go ahead?" a
resident's "is there a fee?" is a question, "wait, make it $50" a correction, "yes but is
there a fee?" both a yes and a question: none of them is consent, and none is a refusal
either. The channel answers or applies what was said and asks again. So:

- a button the bot offered is taken at its word (its payload, or the intent it carries);
- a question (a question mark, a question word, "is there ..." / "can I ...", Spanish "¿",
  "hay", "cuánto", or a clause that opens "puedo ...", "me cobran ...") or a hedge or
  correction ("wait", "but", "actually", "instead", "pero", "espera", "creo que sí") is
  UNCLEAR, whatever else it says;
- words that are only a yes ("yes", "ok go ahead", "sí, claro") or only a no ("no", "not
  now", "no gracias") decide by themselves;
- otherwise the NLU decides only when it is sure (SURE) of affirm or deny, and the words do
  not pull the other way (a negation in a yes, a yes word in a no, digits that may be a new
  amount or date).

Channel-neutral (chat, SMS through the bot, and speech on the phone): text in, answer out.
"""

from __future__ import annotations

import enum
import re
import unicodedata

from conversation.understanding.plain_words import APOSTROPHES, NON_WORD, fold, has_question_mark

# How sure the NLU must be of affirm/deny when the words alone do not decide.
SURE = 0.9


class Consent(enum.Enum):
    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"


# Multi-word phrases are joined into one token ("go ahead" -> "go_ahead") before matching.
_YES_PHRASES = (
    "go ahead", "do it", "please do", "of course", "sounds good", "sure thing", "uh huh",
    "that is right", "thats right", "that is correct", "thats correct", "i confirm",
    "i agree", "i accept", "yes i do", "i do", "pay it", "lets do it", "go for it",
    "all right", "claro que si", "de acuerdo", "esta bien", "por supuesto", "lo confirmo",
    "hagalo", "adelante", "si pagar", "muy bien", "lo autorizo", "estoy de acuerdo",
    "seguro que si", "asi es", "si quiero", "si confirmo", "si acepto",
)
_YES_WORDS = frozenset({
    "yes", "y", "yeah", "yea", "yep", "yup", "ya", "yah", "ye", "yess", "yesss", "sure",
    "ok", "okay", "okey", "okie", "k", "kk", "correct", "right", "absolutely", "definitely",
    "confirm", "confirmed", "proceed", "affirmative", "agreed", "mhm", "si", "claro",
    "vale", "dale", "correcto", "confirmo", "afirmativo", "alright",
    # "pay it" in Spanish (pay_it is a yes phrase): the imperative, never the past "pague".
    "paguelo", "paguela", "pagalo", "pagala", "pagarlo", "pagarla",
    # Spanish yes in other words: "ándale", "hazlo", "proceda", "autorizo", "cóbrelo".
    "sip", "sii", "siii", "andale", "orale", "hazlo", "procede", "proceda", "prosiga",
    "continue", "continua", "continuar", "autorizo", "acepto", "confirmado", "exacto",
    "exactamente", "cobrelo", "cobralo", "cobrela", "cobrala",
})
_NO_PHRASES = (
    "not now", "no way", "not today", "not yet", "no thanks", "no thank you", "do not",
    "dont do it", "do not do it", "no no", "ahora no", "todavia no", "mejor no", "para nada",
    "no gracias", "no quiero", "i decline", "i do not", "i dont",
    "ahorita no", "aun no", "no todavia", "no por ahora", "por ahora no", "no lo hagas",
    "no lo haga", "de ninguna manera", "no es necesario", "no hace falta", "no no quiero",
    "no lo quiero",
)
_NO_WORDS = frozenset({"no", "n", "nope", "nah", "nop", "noo", "nooo", "negative", "dont",
                       "decline", "declined", "negativo", "nel"})
# Politeness that does not change a yes or a no.
_FILLER_PHRASES = ("thank you", "por favor", "muchas gracias", "mil gracias", "muy amable")
_FILLER_WORDS = frozenset({"please", "pls", "plz", "thanks", "thank", "thx", "ty", "sir",
                           "maam", "gracias", "senor", "senora", "senorita", "then", "and",
                           "so", "well", "oh", "ah", "great", "perfect", "fine", "good", "bueno",
                           "porfa", "porfavor", "xfa", "perfecto", "excelente", "genial",
                           "entonces", "pues", "joven"})

# Anywhere in the text, these make it a question.
_QUESTION_WORDS = frozenset({
    "what", "whats", "why", "how", "hows", "which", "when", "where", "who", "whose",
    "que", "cuanto", "cuanta", "cuantos", "cuantas", "cual", "cuales", "cuando", "donde",
    "quien", "porque", "hay", "como",
})
# Spanish question words are only questions with their accent ("que" is also "that").
_ACCENT_ONLY = frozenset({"que", "como", "cuando", "donde", "quien", "porque"})
# "is there ...", "can I ...": an auxiliary then its subject, at the start of a clause.
_SUBJECTS = frozenset({"there", "it", "its", "i", "you", "u", "we", "they", "that", "this",
                       "the", "a", "an", "my", "your", "he", "she", "any", "these", "those"})
_AUXILIARIES = frozenset({"is", "are", "was", "were", "do", "does", "did", "can", "could",
                          "will", "would", "should", "shall", "may", "might", "am", "have",
                          "has", "isnt", "arent", "doesnt", "didnt", "cant", "wont", "wouldnt"})
# "do it" is a yes, not a question: "do" asks only about a person.
_DO_SUBJECTS = frozenset({"i", "you", "u", "we", "they"})
# Skipped before looking for a clause's auxiliary: "yes but is there ...", "wait is it ...".
_CLAUSE_OPENERS = frozenset({"yes", "yeah", "ok", "okay", "no", "so", "and", "but", "wait",
                             "well", "um", "uh", "hmm", "oh", "actually", "also", "then",
                             "sure", "si", "pero", "y", "oye", "hey", "hold", "on", "first",
                             "just", "quick", "question", "oiga", "entonces", "bueno",
                             "disculpe", "perdon", "me", "le", "se", "nos", "tambien"})
# Spanish asks without inverting: a clause that opens with one of these verbs is a question
# ("puedo pagar con mi banco", "me cobran por tarjeta", "cuesta algo").
_SPANISH_ASKING = frozenset({"puedo", "puede", "puedes", "pueden", "podria", "podrias",
                             "podemos", "cobran", "cobra", "cobras", "cuesta", "incluye"})
# Hedges and corrections: not (yet) an answer.
_HEDGE_PHRASES = ("hold on", "hang on", "not sure", "no se", "i dont know", "i guess",
                  "tal vez", "a lo mejor", "en vez", "en lugar", "un momento", "one sec",
                  "one second", "one moment", "let me", "only if", "mas bien",
                  "en realidad", "solo si", "siempre y cuando", "no estoy seguro",
                  "no estoy segura", "un segundo", "igual y")
_HEDGE_WORDS = frozenset({
    "but", "wait", "actually", "instead", "change", "different", "maybe", "perhaps", "unsure",
    "hmm", "hmmm", "idk", "if", "unless", "except", "though", "however", "rather", "first",
    "question", "pero", "espera", "espere", "esperen", "mejor", "cambiar", "cambia",
    "cambie", "quizas", "quiza", "aunque", "otro", "otra", "momento",
    # "creo que sí" and "supongo" are guesses; "déjame ver", "espérame", "una pregunta".
    "creo", "supongo", "depende", "dejame", "dejeme", "permitame", "permiteme", "esperame",
    "esperate", "espereme", "aguanta", "aguarde", "momentito", "pregunta", "duda", "primero",
    "antes", "sino", "excepto", "salvo",
})
_NEGATIONS = frozenset({"no", "not", "dont", "never", "nunca", "nothing", "nada", "cant",
                        "wont", "doesnt", "isnt", "shouldnt", "stop", "cancel", "n"})

_CLAUSE_BREAKS = re.compile(r"[,.;:!?¿¡—–()\[\]\"“”]+|\s-\s")


def decide(text: str, intent: str | None = None, confidence: float | None = None, *,
           button: bool = False) -> Consent:
    """Whether `text` (with the NLU's `intent` and `confidence`, and whether it is the
    payload of a button the resident was offered) is a clear yes, a clear no, or neither."""
    text = text if isinstance(text, str) else ""
    clauses = _clauses(text)
    words = [word for clause in clauses for word in clause]
    if button:
        by_words = _only(words)
        if by_words is not None:
            return by_words
        if intent == "affirm":
            return Consent.YES
        if intent == "deny":
            return Consent.NO
    if not words or is_question(text) or _hedged(words):
        return Consent.UNCLEAR
    by_words = _only(words)
    if by_words is not None:
        return by_words
    if not _sure(confidence) or any(char.isdigit() for char in text):
        return Consent.UNCLEAR
    tokens = set(_joined(words))
    if intent == "affirm" and not tokens & _NEGATIONS and not tokens & _NO_TOKENS:
        return Consent.YES
    if intent == "deny" and not tokens & _YES_TOKENS:
        return Consent.NO
    return Consent.UNCLEAR


def is_question(text: str) -> bool:
    """A question mark, a question word, or a clause that opens like a question."""
    if not isinstance(text, str):
        return False
    if has_question_mark(text):
        return True
    raw = unicodedata.normalize("NFC", text.lower())
    accented = {word for word in NON_WORD.split(APOSTROPHES.sub("", raw)) if word}
    for clause in _clauses(text):
        for word in clause:
            if word in _QUESTION_WORDS and (word not in _ACCENT_ONLY
                                            or word not in accented):
                return True
        if _asks(clause):
            return True
    return False


# --- how the text is read ---------------------------------------------------------------------
def _clauses(text: str) -> list[list[str]]:
    """The text's clauses (split at punctuation), each a list of folded words."""
    clauses = []
    for part in _CLAUSE_BREAKS.split(fold(text)):
        words = [word for word in NON_WORD.split(part) if word and word != "_"]
        if words:
            clauses.append(words)
    return clauses


def _asks(clause: list[str]) -> bool:
    # A yes or politeness before the question opens the clause too: "go ahead is there a fee".
    clause = _joined(clause)
    index = 0
    while index < len(clause) and (clause[index] in _CLAUSE_OPENERS
                                   or clause[index] in _YES_TOKENS
                                   or clause[index] in _FILLER_WORDS):
        index += 1
    if index + 1 >= len(clause):
        return False
    auxiliary, subject = clause[index], clause[index + 1]
    if auxiliary in _SPANISH_ASKING:
        return True
    if auxiliary not in _AUXILIARIES:
        return False
    if auxiliary == "do":
        return subject in _DO_SUBJECTS
    return subject in _SUBJECTS


def _phrase_token(phrase: str) -> str:
    return phrase.replace(" ", "_")


def _joined(words: list[str]) -> list[str]:
    """Words with the known phrases joined into single tokens (longest phrases first)."""
    text = " " + " ".join(words) + " "
    for phrase in _ALL_PHRASES:
        text = text.replace(f" {phrase} ", f" {_phrase_token(phrase)} ")
        text = text.replace(f" {phrase} ", f" {_phrase_token(phrase)} ")  # overlapping runs
    return text.split()


def _hedged(words: list[str]) -> bool:
    tokens = set(_joined(words))
    return bool(tokens & _HEDGE_TOKENS)


def _only(words: list[str]) -> Consent | None:
    """YES or NO when the words are nothing but yes (or no) words and politeness."""
    tokens = [token for token in _joined(words) if token not in _FILLER_TOKENS]
    if not tokens:
        return None
    if all(token in _YES_TOKENS for token in tokens):
        return Consent.YES
    if all(token in _NO_TOKENS for token in tokens):
        return Consent.NO
    return None


def _sure(confidence: float | None) -> bool:
    return (isinstance(confidence, int | float) and not isinstance(confidence, bool)
            and confidence >= SURE)


_ALL_PHRASES = tuple(sorted({*_YES_PHRASES, *_NO_PHRASES, *_FILLER_PHRASES, *_HEDGE_PHRASES},
                            key=lambda phrase: -len(phrase.split())))
_YES_TOKENS = _YES_WORDS | {_phrase_token(p) for p in _YES_PHRASES}
_NO_TOKENS = _NO_WORDS | {_phrase_token(p) for p in _NO_PHRASES}
_FILLER_TOKENS = _FILLER_WORDS | {_phrase_token(p) for p in _FILLER_PHRASES}
_HEDGE_TOKENS = _HEDGE_WORDS | {_phrase_token(p) for p in _HEDGE_PHRASES}
