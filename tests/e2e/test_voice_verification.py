"""Verification by phone that cannot be used as an oracle (issue 14 §2), through whole signed
calls: a locked account answers every factor alike, an unknown number locks like a real one
for every caller, a spoofed caller ID hears no account and cannot use the public street
number, and calls without caller ID share one throttle budget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.voice_support import DANA, VICTOR, VoiceCity, voice_city

DANA_PHONE = "+13125550101"
LUCIA_PHONE = "+13125550102"
MIGUEL_PHONE = "+13125550110"  # two accounts: 8807120043 and 8807120051 (SSN last 4 8122)
UNKNOWN = "0104200999"  # no account has this number
FAILED = "doesn't match our records"
LOCKED = "locked for self-service"
THROTTLED = "we can't take more attempts on this call"
# What Twilio sends in From when the caller ID is withheld (words, their keypad spellings,
# an empty value, a SIP URI), in the cases and forms seen in webhooks.
WITHHELD = ["anonymous", "+266696687", "restricted", "+86282452253", "+7378742833",
            "unknown", "", "sip:resident@pbx.example.com", "Anonymous", "+2562533"]


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


def identify(account: str, street: str) -> list[str]:
    return ["1", f"{account}#", "1", f"{street}#"]


def balance_call(account: str, street: str) -> list[str]:
    """English, balance, the utility account number and the street number, then hang up."""
    return ["1", "1", *identify(account, street), "hangup"]


def heard(said: str) -> str:
    """What the verification answered, in one word."""
    for phrase, word in ((LOCKED, "locked"), (THROTTLED, "throttled"), (FAILED, "failed"),
                         ("is verified", "verified")):
        if phrase in said:
            return word
    return "nothing"


def failures(city: VoiceCity, number: str) -> int:
    (row,) = city.rows("SELECT failed_verifications FROM accounts WHERE account_number = :n",
                       n=number)
    return int(row.failed_verifications)


# --- a locked account -------------------------------------------------------------------------


def test_a_locked_account_answers_the_right_and_a_wrong_street_number_alike(city) -> None:
    right = city.call(balance_call(VICTOR, "45"), caller="+13125550181")
    wrong = city.call(balance_call(VICTOR, "46"), caller="+13125550182")
    assert LOCKED in right.said and "total balance" not in right.said
    assert right.said == wrong.said
    assert right.of_kind("dial") and wrong.of_kind("dial")
    # Both tries were recorded against the account.
    attempts = city.rows("SELECT succeeded FROM verification_attempts")
    assert [a.succeeded for a in attempts] == [False, False]


# --- an unknown number locks like a real one --------------------------------------------------


def test_an_unknown_number_locks_on_the_same_call_as_a_real_one_for_every_caller(city) -> None:
    answers = {}
    for number in (DANA, UNKNOWN):
        answers[number] = [heard(city.call(balance_call(number, "1"),
                                           caller=f"+131255502{i}{len(answers)}").said)
                           for i in range(4)]
    assert answers[DANA] == answers[UNKNOWN] == ["failed", "failed", "locked", "locked"]
    # The counter of the unknown number holds a hash of it, never its digits.
    (ref,) = city.rows("SELECT * FROM unknown_account_refs")
    assert ref.failures == 4 and UNKNOWN not in ref.account_ref


# --- caller ID is a hint, never a factor ------------------------------------------------------


def test_a_spoofed_caller_id_hears_no_account_and_the_street_number_does_not_verify(
        city) -> None:
    # Someone who spoofs Dana's phone and knows her (public) house number, 1234.
    call = city.call(["1", "1", "1", "1234", "1", "1234", "1", "1234", "hangup"],
                     caller=DANA_PHONE)
    said = call.said
    assert "The phone number you're calling from is on file" in said
    assert "0 7 3 1" not in said and "ending in" not in said
    assert said.count(FAILED) == 2 and LOCKED in said and "total balance" not in said
    assert failures(city, DANA) == 3
    # The lock is the account's: typing the account number now meets it too.
    assert heard(city.call(balance_call(DANA, "1234")).said) == "locked"


def test_the_caller_id_shortcut_verifies_with_the_ssn_last4_in_spanish(city) -> None:
    call = city.call(["2", "1", "1", "3390", "hangup"], caller=LUCIA_PHONE)
    offer = call.said.split("Marque los últimos 4")[0]
    assert "El número desde el que llama está registrado" in offer
    assert "8 8 9 0" not in offer
    assert "Su cuenta que termina en 8 8 9 0 está verificada" in call.said
    assert "su saldo total es de 58 dólares con 23 centavos" in call.said


def test_a_phone_with_several_accounts_names_them_only_after_the_ssn_last4(city) -> None:
    call = city.call(["1", "1", "1", "8122", "2", "hangup"], caller=MIGUEL_PHONE)
    before, after = call.said.split("That matches more than one account.")
    assert "0 0 4 3" not in before and "0 0 5 1" not in before
    assert "For the account ending in 0 0 4 3, press 1" in after
    assert "For the account ending in 0 0 5 1, press 2" in after
    assert "Your account ending in 0 0 5 1 is verified" in after
    (session,) = city.rows("SELECT a.account_number FROM channel_sessions s "
                           "JOIN accounts a ON a.id = s.account_id")
    assert session.account_number == "8807120051"


def test_a_wrong_ssn_through_caller_id_counts_on_each_account_of_the_phone(city) -> None:
    call = city.call(["1", "1", "1", "0000", "hangup"], caller=MIGUEL_PHONE)
    assert FAILED in call.said and "ending in" not in call.said
    assert failures(city, "8807120043") == failures(city, "8807120051") == 1


# --- withheld caller ID: one shared budget ----------------------------------------------------


def test_calls_without_caller_id_share_one_budget(city) -> None:
    for i, sent_from in enumerate(WITHHELD):
        call = city.call(balance_call(f"90000000{i:02d}", "1"), caller=sent_from)
        assert heard(call.said) == "failed", sent_from
        assert "on file" not in call.said  # never an offer for a withheld number
    buckets = city.rows("SELECT DISTINCT caller FROM verification_attempts")
    assert [b.caller for b in buckets] == ["withheld"]
    # An eleventh anonymous call is not a fresh budget, even with the right answer...
    again = city.call(balance_call(DANA, "1234"), caller="anonymous")
    assert heard(again.said) == "throttled" and "total balance" not in again.said
    # ...while a caller who shows a number has a budget of their own.
    shown = city.call(balance_call(DANA, "1234"), caller="+13125550177")
    assert heard(shown.said) == "verified"
