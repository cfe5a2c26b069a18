"""Which language a resident writes in, and whether they ask for the other one.

`detect_language` answers "es" or "en" only when the words say so with confidence, and None
when a message cannot tell: digits, names, email addresses, and the one-word answers both
languages share ("ok", "no", "si", "yes"). It scores a small lexicon of function words and
the words of paying a city bill, plus the marks only Spanish writes (á, ñ, ¿, ¡). Accents,
case and punctuation are optional ("cuanto debo" is "¿Cuánto debo?"), a near miss of a
longer word counts a little less ("nesesito", "fatura"), and a few English nouns in a
Spanish sentence do not make it English ("quiero pagar mi bill" is Spanish): a language
wins only with enough weight and at least twice the other's.

`requested_language` reads an explicit switch ("english please", "¿hablas español?",
"puedo hablar en inglés", "no hablo inglés" -> the other one). The language names live here
once: the SMS keywords (carrier_keywords.LANGUAGE_WORDS) are built from them, so a text that
is only "ESPAÑOL" or "IN ENGLISH" switches both the SMS thread and the chat.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

LANGUAGES = ("en", "es")
# Folded (lower case, no accents) names of each language as residents write them.
LANGUAGE_NAMES: dict[str, frozenset[str]] = {
    "en": frozenset({"english", "ingles", "inglish", "engles", "englis"}),
    "es": frozenset({"spanish", "espanol", "espaniol", "espanish", "spanol", "castellano"}),
}
# How each language says "in" and "please": the whole-message switches are a name with them.
_IN = ("in", "en")
_PLEASE = ("please", "pls", "plz", "por favor", "porfa", "porfavor")

MIN_SCORE = 3  # the weight of one unmistakable word ("gracias", "owe")
MAX_WORDS = 60


def detect_language(text: str) -> str | None:
    """"es" or "en" when the words say so with confidence; None when they cannot tell."""
    scores = language_scores(text)
    best = max(LANGUAGES, key=lambda language: scores[language])
    other = scores["es" if best == "en" else "en"]
    if scores[best] >= MIN_SCORE and scores[best] >= 2 * other:
        return best
    return None


def language_scores(text: str) -> dict[str, float]:
    """How much English and how much Spanish the words carry (see detect_language)."""
    scores = {"en": 0.0, "es": 0.0}
    if not isinstance(text, str):
        return scores
    text = _ADDRESSES.sub(" ", text)
    if _INVERTED.search(text):
        scores["es"] += 2  # ¿ and ¡ are written only in Spanish
    elif _SPANISH_LETTERS.search(text):
        scores["es"] += 1  # once: "José García" is a name, not a sentence
    for word in _words(text)[:MAX_WORDS]:  # the opening words tell; a long paste adds none
        for language, weight in _weights(word).items():
            scores[language] += weight
    return scores


def requested_language(text: str) -> str | None:
    """The language a resident asks for ("english please", "en español por favor",
    "¿hablas español?", "can we do this in english"), or None when they ask for none (or
    name both: "english or spanish")."""
    if not isinstance(text, str) or len(text) > MAX_REQUEST:
        return None
    words = _words(_ADDRESSES.sub(" ", text))
    asked: set[str] = set()
    for index, word in enumerate(words):
        language = _language_named(word)
        if language is None:
            continue
        before = words[max(0, index - 4):index]
        if _NEGATED.search(" ".join(before)):
            # "no hablo inglés", "i don't speak spanish": the other one.
            asked.add("es" if language == "en" else "en")
        elif _asks_for(words, index):
            asked.add(language)
    return asked.pop() if len(asked) == 1 else None


def asks_only_for_language(text: str) -> bool:
    """The message asks for a language and nothing else ("english please", "¿hablas
    español?", "en español por favor"): the channel says it switched and asks nothing of the
    bot. "I need someone who speaks spanish" asks for a person too: the bot answers that."""
    if requested_language(text) is None:
        return False
    return all(word in _SWITCH_ONLY_WORDS or _language_named(word) is not None
               for word in _words(_ADDRESSES.sub(" ", text)))


def switch_phrases(language: str) -> frozenset[str]:
    """The whole messages that are only a switch to `language`, folded and in upper case
    ("ENGLISH", "EN ESPANOL POR FAVOR"): the SMS keywords."""
    phrases: set[str] = set()
    for name in LANGUAGE_NAMES[language]:
        for lead in ("", *(f"{word} " for word in _IN)):
            for tail in ("", *(f" {word}" for word in _PLEASE)):
                phrases.add(f"{lead}{name}{tail}".upper())
    return frozenset(phrases)


# --- reading the words ---------------------------------------------------------------------
MAX_REQUEST = 300
_ADDRESSES = re.compile(r"\S+@\S+|https?://\S+|www\.\S+", re.IGNORECASE)
_INVERTED = re.compile("[¿¡]")
_SPANISH_LETTERS = re.compile("[áéíóúüñÁÉÍÓÚÜÑ]")
_NOT_LETTER = re.compile(r"[^a-z]+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    return "".join(char for char in text if not unicodedata.combining(char))


def _words(text: str) -> list[str]:
    """Folded words without digits or punctuation; "don't" is "dont"."""
    folded = re.sub(r"['’‘`´]", "", _fold(text))
    return [word for word in _NOT_LETTER.split(folded) if word]


# --- the lexicon ---------------------------------------------------------------------------
def _lexicon(groups: Iterable[tuple[float, str]]) -> dict[str, float]:
    lexicon: dict[str, float] = {}
    for weight, words in groups:
        for word in words.split():
            lexicon.setdefault(word, weight)  # the first (highest) weight given
    return lexicon


# Weights: 3 for a word only that language writes, 2 for a likely one, 1 for a word the
# other language borrows or also writes now and then. Words both write ("no", "ok", "me",
# "a", "total", "internet") are in neither.
_SPANISH = _lexicon((
    (3, "quiero quiere quieres quisiera necesito necesita puedo puede pueden podria podrias "
        "pagar pague pagarlo pagarla pago pagos pagado factura facturas recibo recibos cuanto "
        "cuanta cuantos cuantas debo debe debemos adeudo saldo cuenta cuentas gracias hola "
        "tardes noches ayuda ayudame ayudar tengo tienen hablar hablo habla hablas hablan "
        "usted ustedes numero tarjeta cheques ahorros estoy hoy manana semana dolares "
        "programar programado cancelar quisiera hacer tambien adios proximo ultimos cliente "
        "correo electronico papel vencido vencida atrasado atrasada comision cobran cobra "
        "cobro hay entiendo espanol direccion calle gusta donde cuando porque tambien senor "
        "senora disculpe perdon necesitamos queria favor porfa porfavor pasado cuesta cargos "
        "ahorita oiga oye bueno buenas buenos mande dias olvidalo olvidelo olvida dejalo "
        "dejelo despues luego correcto incorrecto representante operador operadora"),
    (2, "que como esta estan los las una del con para pero mis todos ahora aqui ayer mes "
        "muy bien claro casa agua luz banco dia dias sus soy fue hace le les ingles donde "
        "seguro estado agente deuda mas persona lunes martes miercoles jueves viernes sabado "
        "domingo otra otro"),
    # Also English now and then: "see ya", "yo", "al", "sin", "nada", "solo", "todo".
    (1, "mi el la un es de en se lo y o si su ya yo al sin nada solo todo"),
))
_ENGLISH = _lexicon((
    (3, "what whats owe owed want wanna please thanks thank hello tomorrow morning afternoon "
        "evening would could should much which where why doesnt dont cant wont im ive youre "
        "theres thats nope representative help"),
    (2, "my the how need pay paid bill bills you your are do does can this that with have "
        "has am was were will just like there fee card checking savings due late person "
        "never mind later good bye today next when payment payments account speak help "
        "schedule scheduled cancel monday tuesday wednesday thursday friday saturday sunday "
        "get make paper number amount yeah hey electronic billing statement statements "
        "enroll prefer more off out again see go give take turn sign remove mailed over "
        "about not got gonna gotta something anything some any here now send know tell talk "
        "someone human they we she our did didnt went through posted been okay correct "
        "operator status unenroll"),
    (1, "i is to for of and it on in be if or at me balance bank english spanish agent hi "
        "yes an by from up stop start all us email paperless options"),
))
_MIN_FUZZY = 5  # near misses count only for longer words


def _weights(word: str) -> dict[str, float]:
    if word in _SPANISH:
        return {"es": _SPANISH[word]}
    if word in _ENGLISH:
        return {"en": _ENGLISH[word]}
    if len(word) >= _MIN_FUZZY:
        for language, lexicon in (("es", _SPANISH), ("en", _ENGLISH)):
            near = max((weight for known, weight in lexicon.items()
                        if len(known) >= _MIN_FUZZY and _one_edit(word, known)), default=0.0)
            if near:
                return {language: max(near - 1, 1)}
        if word.endswith(("cion", "ciones", "ando", "iendo", "mente")):
            return {"es": 1}
        if word.endswith(("tion", "ing", "ly")):
            return {"en": 1}
    return {}


def _one_edit(word: str, known: str) -> bool:
    """At most one letter inserted, dropped or changed, or two neighbours swapped:
    "fatura", "nesesito", "fcatura" are "factura" and "necesito"."""
    if word == known or abs(len(word) - len(known)) > 1:
        return word == known
    if len(word) == len(known):
        diffs = [i for i, (a, b) in enumerate(zip(word, known, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        return (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                and word[diffs[0]] == known[diffs[1]] and word[diffs[1]] == known[diffs[0]])
    shorter, longer = (word, known) if len(word) < len(known) else (known, word)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1:] == shorter:
            return True
    return False


# --- asking for a language -----------------------------------------------------------------
def _language_named(word: str) -> str | None:
    for language, names in LANGUAGE_NAMES.items():
        if word in names:
            return language
    return None


# "no hablo inglés", "i don't speak english", "no entiendo el inglés", "not in spanish".
_NEGATED = re.compile(
    r"\b(?:no|not|dont|cant|cannot|never|nunca|ni)(?: \w+)? (?:hablo|hablamos|habla|hablan|"
    r"speak|understand|entiendo|entendemos|entiende|comprendo|leo|read|know|se|domino)"
    r"(?: (?:el|bien|mucho|muy|well|much|any|very|good))*$")
# Words a request for a language is made of: a message of these and a name asks for it.
_REQUEST_WORDS = frozenset(
    "in en please pls plz por favor porfa porfavor can could we you u i do this it talk "
    "speak chat write text switch change go continue keep to back the el la al a puedo "
    "puede podemos podria podrias se hablar habla hablas hablan hable hablemos hablo "
    "escribir escribe escribeme escriba seguir sigamos continuar cambiar cambia cambie "
    "cambiemos quiero quisiera prefiero prefer rather want wanna would like need necesito "
    "ok okay si yes hi hello hola alguien someone somebody anyone who que quien is there "
    "hay tienen have does do me us nos mejor better only solo just also tambien oiga oye "
    "disculpe sorry perdon thanks gracias y and o or de of por favor idioma language "
    "dime tell respond answer responder contestar atender atiende atienda help ayuda "
    "ayudar ayudame mi my with con agent agente persona person speaker speaking "
    "hablante".split())
# Of those, the words of a message that asks for the language alone (no person, no help).
_SWITCH_ONLY_WORDS = _REQUEST_WORDS - frozenset(
    "alguien someone somebody anyone who quien agent agente persona person speaker speaking "
    "hablante help ayuda ayudar ayudame atender atiende atienda hay is there".split())
# Words right before a name that make it a request whatever else the message says:
# "is there someone who speaks spanish", "quiero pagar en español".
_CUES = frozenset(
    "speak speaks speaking talk talks write writes reply respond answer switch change "
    "continue hablar habla hablas hablan hable hablemos hablo escribir escribe escriba "
    "escribeme seguir sigamos continuar cambiar cambia cambie atender atiende atienda "
    "contestar responder prefer prefiero".split())
# Describing something's language is not asking for it: "my bill is in english".
_DESCRIBES = frozenset("is are was were came comes come esta estan vino viene vienen llego "
                       "llegan salio sale aparece".split())


def _asks_for(words: list[str], index: int) -> bool:
    others = [word for i, word in enumerate(words) if i != index]
    if all(word in _REQUEST_WORDS for word in others):
        return True
    before = words[max(0, index - 3):index]
    if any(word in _CUES for word in before):
        return True
    if index >= 1 and words[index - 1] in _IN:
        # "quiero pagar en español", "can I get this in english": unless it describes.
        return not (index >= 2 and words[index - 2] in _DESCRIBES)
    after = words[index + 1:index + 3]
    return " ".join(after).startswith(_PLEASE)
