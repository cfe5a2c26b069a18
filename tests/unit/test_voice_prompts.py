"""The English and Spanish voice catalogs agree, and every prompt the flow uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ivr.voice.prompts import CATALOGS, en, es, template

VOICE_DIR = Path(__file__).resolve().parents[2] / "ivr" / "voice"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_prompts_with_the_same_placeholders() -> None:
    assert set(en.PROMPTS) == set(es.PROMPTS)
    for key in en.PROMPTS:
        assert _placeholders(en.PROMPTS[key]) == _placeholders(es.PROMPTS[key]), key


def test_every_prompt_the_flow_uses_is_in_the_catalogs() -> None:
    used: set[str] = set()
    for source in VOICE_DIR.rglob("*.py"):
        used |= set(re.findall(r'Line\.of\(\s*"([a-z0-9_]+)"', source.read_text()))
    assert used, "the scan found no prompts: the pattern is out of date"
    missing = used - set(en.PROMPTS)
    assert not missing


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_no_prompt_is_empty_or_has_stray_braces(language: str) -> None:
    for key, text in CATALOGS[language].items():
        assert text.strip(), key
        assert text.count("{") == text.count("}"), key


def test_an_unknown_language_falls_back_to_english() -> None:
    assert template("fr", "main_menu") == en.PROMPTS["main_menu"]


def test_spanish_prompts_are_spanish() -> None:
    assert "oprima" in es.PROMPTS["main_menu"]
    assert "press" not in es.PROMPTS["main_menu"]
