"""Every chat reply has a Spanish one: the actions' catalogue (chatbot/wording) and the fixed
responses (chatbot/responses/<language>.yml) have the same keys and placeholders in both
languages, the Spanish texts are Spanish, the fixed texts fit a phone, and no English sentence
is left in the actions' code (every reply goes through the catalogue)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from chatbot.wording import CATALOGS, Words, en, es

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = sorted((ROOT / "chatbot" / "actions").glob("*.py"))
_yaml = YAML(typ="safe")
RESPONSES = {language: _yaml.load((ROOT / "chatbot" / "responses" / f"{language}.yml")
                                  .read_text(encoding="utf-8"))["responses"]
             for language in ("en", "es")}

# Texts that are the same in both languages (a format, or a word both share).
SAME_IN_BOTH = {"no.title", "no.payload", "history.line"}
# Words no Spanish text has.
ENGLISH = re.compile(r"\b(the|you|your|please|with|and|is|are|this|that|what|which|how|of|to|"
                     r"payment|bill|balance|account|ending|scheduled|approved|due|fee|"
                     r"type|say|yes)\b", re.IGNORECASE)
# English a Spanish text may carry on purpose: what the resident types for the tax ID (the
# bill says SSN), the example address, a spam folder.
ALLOWED = re.compile(r"\bSSN\b|\S+@\S+|\bspam\b|\{\w+\}")  # (and the placeholders)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def english_words(text: str) -> list[str]:
    return ENGLISH.findall(ALLOWED.sub(" ", text))


# --- the actions' catalogue -----------------------------------------------------------------
def test_both_catalogues_have_the_same_keys() -> None:
    assert set(es.TEXTS) == set(en.TEXTS)
    assert set(CATALOGS) == {"en", "es"}


@pytest.mark.parametrize("key", sorted(en.TEXTS))
def test_each_spanish_text_has_the_english_placeholders(key: str) -> None:
    assert placeholders(es.TEXTS[key]) == placeholders(en.TEXTS[key])


@pytest.mark.parametrize("key", sorted(set(en.TEXTS) - SAME_IN_BOTH))
def test_each_spanish_text_is_spanish(key: str) -> None:
    assert es.TEXTS[key] != en.TEXTS[key]
    assert not english_words(es.TEXTS[key]), es.TEXTS[key]


def test_every_button_has_a_title_and_a_payload() -> None:
    buttons = {key.rsplit(".", 1)[0] for key in en.TEXTS if key.endswith((".title", ".payload"))}
    for button in buttons:
        assert f"{button}.title" in en.TEXTS and f"{button}.payload" in en.TEXTS, button


def test_buttons_in_the_language_and_payloads_read_in_both() -> None:
    assert Words("es").yes_no_buttons() == [{"title": "Sí", "payload": "sí"},
                                            {"title": "No", "payload": "no"}]
    assert Words("en").yes_no_buttons() == [{"title": "Yes", "payload": "yes"},
                                            {"title": "No", "payload": "no"}]
    for text in ("el saldo total", "The full balance", " el  Saldo Total "):
        assert Words.is_payload("full_balance", text)
    assert not Words.is_payload("full_balance", "el saldo")
    assert Words.is_payload("past_due", "el monto vencido")
    assert not Words.is_payload("past_due", "")


def test_the_account_is_named_by_its_last_four_digits() -> None:
    assert Words("es").account("the account ending 0731") == "la cuenta que termina en 0731"
    assert Words("es").account("0104200731") == "la cuenta que termina en 0731"
    assert Words("en").account(None) == "this account"
    assert Words("es").account("") == "esta cuenta"


def test_spanish_replies_never_have_card_digits_or_english_dates() -> None:
    from datetime import date

    spanish = Words("es")
    assert spanish.date(date(2026, 12, 4), date(2026, 11, 23)) == "viernes 4 de diciembre"
    assert spanish.method("VISA ending 4242") == "VISA terminada en 4242"
    assert spanish.domain("Something the domain never said.", "amount.unclear") == \
        es.TEXTS["amount.unclear"]


# --- the fixed responses --------------------------------------------------------------------
def test_both_responses_files_have_the_same_keys() -> None:
    assert set(RESPONSES["es"]) == set(RESPONSES["en"])


@pytest.mark.parametrize("key", sorted(RESPONSES["en"]))
def test_each_spanish_response_is_spanish_and_fits_a_phone(key: str) -> None:
    english = [variant["text"] for variant in RESPONSES["en"][key]]
    spanish = [variant["text"] for variant in RESPONSES["es"][key]]
    assert len(spanish) == len(english)
    for text in spanish:
        assert text not in english
        assert not english_words(text), text
        assert len(text) < 320, (len(text), text)
    for text in english:
        assert len(text) < 320, (len(text), text)


@pytest.mark.parametrize("fact", ["$1.25", "311", "24 months", "90 days", "3 failed"])
def test_the_faq_facts_are_in_both_languages(fact: str) -> None:
    spanish = {"24 months": "24 meses", "90 days": "90 días", "3 failed": "3 intentos"}
    english_text = " ".join(v["text"] for k, r in RESPONSES["en"].items() for v in r)
    spanish_text = " ".join(v["text"] for k, r in RESPONSES["es"].items() for v in r)
    assert fact in english_text
    assert spanish.get(fact, fact) in spanish_text


# --- no English left in the actions -------------------------------------------------------
def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant):
            found.add(id(node.body[0].value))
    return found


def _logged(tree: ast.AST) -> set[int]:
    """String arguments of logging calls (log.exception(...)): for operators, in English."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "log":
            found.update(id(arg) for arg in node.args)
    return found


_SENTENCE = re.compile(r"^[A-Z][a-z']*[,:]? [a-z']+\b|\b[a-z']+ [a-z']+[.?!]$")


@pytest.mark.parametrize("path", ACTIONS, ids=lambda path: path.name)
def test_no_english_reply_is_left_in_the_actions(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _logged(tree)
    sentences = [node.value for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)
                 and id(node) not in skip and "\\b" not in node.value
                 and _SENTENCE.search(node.value)]
    assert sentences == [], f"English sentences in {path.name}; say them through chatbot/wording"


def test_the_scan_finds_a_sentence() -> None:
    assert _SENTENCE.search("OK, I haven't made any payment.")
    assert _SENTENCE.search("Sorry, which one")
    assert not _SENTENCE.search("never mind") and not _SENTENCE.search("typed:the full balance")
