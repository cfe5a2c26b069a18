"""Confirmation numbers a resident can read over the phone.

No characters that sound or look alike (0/O, 1/I/L, 2/Z, 5/S, 8/B, G/6...), grouped in fours:
"K7MW-3QTX". 22 symbols ** 8 ~= 5.5e10 combinations; uniqueness is enforced by the database
and the generator is retried on the (rare) collision.
"""

from __future__ import annotations

import random
import secrets

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
LENGTH = 8


def new_confirmation_number(rng: random.Random | None = None) -> str:
    choose = rng.choice if rng is not None else secrets.choice
    raw = "".join(choose(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_confirmation_number(text: str) -> str:
    """What a resident typed or said ("k7mw 3qtx") back to the stored form."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())
    if len(raw) != LENGTH:
        return ""
    return f"{raw[:4]}-{raw[4:]}"


def spoken(confirmation_number: str) -> str:
    """Character by character with pauses, for TTS: 'K, 7, M, W, ... 3, Q, T, X'."""
    return ", ".join(ch for ch in confirmation_number if ch != "-")
