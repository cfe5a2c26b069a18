"""The sandbox bank: reads a NACHA file the city sent and answers with the returns a real
bank would send for the sandbox's test accounts (000111111116 -> R01 insufficient funds,
000222222226 -> R02 account closed). Every other entry clears. Offline stand-in for the city's
bank, so `payline ach export` -> `payline ach simulate-returns` -> `payline ach returns` can be
tried end to end."""

from __future__ import annotations

from datetime import date, datetime

from domain.ach.nacha import Originator, parse_file
from domain.ach.returns import build_returns_file, original_entries
from sandbox.processor import TEST_BANK_ACCOUNTS

RETURN_FOR_BEHAVIOUR = {"insufficient_funds": "R01", "account_closed": "R02"}


def simulate_returns(nacha_text: str, originator: Originator, *, today: date,
                     now: datetime) -> tuple[str, int]:
    """The returns file for `nacha_text` and how many entries it returns (0: nothing)."""
    returned = []
    for entry in original_entries(parse_file(nacha_text)):
        behaviour = TEST_BANK_ACCOUNTS.get(entry.account_number)
        code = RETURN_FOR_BEHAVIOUR.get(behaviour or "")
        if code:
            returned.append((entry, code))
    if not returned:
        return "", 0
    text = build_returns_file(originator, returned, rdfi_routing=originator.odfi_routing,
                              rdfi_name="SANDBOX BANK", file_creation=now, effective_date=today)
    return text, len(returned)
