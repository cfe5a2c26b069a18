"""ACH returns: what each return reason means for a resident, reading the bank's return file
(NACHA with type 99 addenda, or a simple CSV), and writing one for the sandbox bank.

Flag choices (what the payment service should do when a return arrives):

- ``disable_method``: the bank account itself cannot take debits, so the saved method must not
  be used again until the resident gives new details. R02 closed, R03 no such account, R04
  invalid number, R12 moved to another bank, R14/R15 account holder or payee deceased, R16
  frozen, R20 non-transaction account (e.g. some savings accounts).
- ``revoke_authorization``: the resident (or, for R29, the business account holder) told their
  bank the city may not debit the account, or stopped this payment. NACHA forbids debiting
  again without a new authorization, so scheduled payments on that method are cancelled and
  the resident must authorize afresh: R05, R07, R08 (a stop payment may not be worked around
  by re-presenting), R10, R15 (the authorization died with the account holder), R29.
- Neither: R01/R09 (money short; the rules allow presenting again up to twice), R06 (the
  city's own bank asked for it back), R11 (the resident disputes the amount or date, not the
  authorization; a corrected entry may be sent) and every code not listed here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from domain.ach.nacha import (
    Addenda,
    BatchHeader,
    EntryDetail,
    FileHeader,
    NachaError,
    NachaFormatError,
    Originator,
    ParsedFile,
    assemble_file,
    debit_batch_header,
    parse_file,
    payment_type_code,
    to_ach_text,
)
from domain.bank import is_valid_routing_number
from domain.money import Money

_RETURN_CODE = re.compile(r"R[0-9]{2}")
_TRACE = re.compile(r"[0-9]{15}")
_CSV_AMOUNT = re.compile(r"\$?(?P<number>[0-9]{1,8}(?:\.[0-9]{1,2})?)")
# A return of a debit goes back with the "return or NOC" code of the same account type.
_RETURN_TRANSACTION_CODES = {"checking": 26, "savings": 36}


@dataclass(frozen=True)
class ReturnCode:
    code: str
    title: str  # for staff and logs
    description: str  # plain words a resident can be told as is
    disable_method: bool = False
    revoke_authorization: bool = False


def _code(code: str, title: str, description: str, *, disable: bool = False,
          revoke: bool = False) -> tuple[str, ReturnCode]:
    return code, ReturnCode(code, title, description, disable, revoke)


RETURN_CODES: Mapping[str, ReturnCode] = MappingProxyType(dict([
    _code("R01", "Insufficient funds",
          "Your bank did not make this payment because there was not enough money in the "
          "account."),
    _code("R02", "Account closed",
          "Your bank did not make this payment because the bank account is closed.",
          disable=True),
    _code("R03", "No account / unable to locate account",
          "Your bank did not make this payment because it could not find a bank account with "
          "that number.", disable=True),
    _code("R04", "Invalid account number",
          "Your bank did not make this payment because the bank account number is not valid.",
          disable=True),
    _code("R05", "Unauthorized debit to consumer account using corporate SEC code",
          "Your bank did not make this payment because you told them you did not authorize "
          "it.", revoke=True),
    _code("R06", "Returned per ODFI's request",
          "This payment was sent back at the request of the city's bank, so it was not "
          "made."),
    _code("R07", "Authorization revoked by customer",
          "Your bank did not make this payment because you told them the city may no longer "
          "take payments from this account.", revoke=True),
    _code("R08", "Payment stopped",
          "Your bank did not make this payment because a stop payment was placed on it.",
          revoke=True),
    _code("R09", "Uncollected funds",
          "Your bank did not make this payment because the money in the account was not yet "
          "available, for example a deposit that had not cleared."),
    _code("R10", "Customer advises not authorized",
          "Your bank did not make this payment because you told them you did not authorize "
          "it.", revoke=True),
    _code("R11", "Customer advises entry not in accordance with the authorization",
          "Your bank did not make this payment because you told them the amount or date was "
          "not what you agreed to."),
    _code("R12", "Account sold to another DFI",
          "Your bank did not make this payment because the account has moved to another "
          "bank.", disable=True),
    _code("R14", "Representative payee deceased or unable to continue",
          "Your bank did not make this payment because the person who manages the account "
          "can no longer act for it.", disable=True),
    _code("R15", "Beneficiary or account holder deceased",
          "The bank did not make this payment because the account holder has passed away.",
          disable=True, revoke=True),
    _code("R16", "Account frozen",
          "Your bank did not make this payment because the account is frozen.",
          disable=True),
    _code("R20", "Non-transaction account",
          "Your bank did not make this payment because payments cannot be taken from this "
          "type of account.", disable=True),
    _code("R29", "Corporate customer advises not authorized",
          "The bank did not make this payment because the account holder told them it was "
          "not authorized.", revoke=True),
]))

_UNKNOWN_TITLE = "Returned by the bank (reason not recognized)"
_UNKNOWN_DESCRIPTION = (
    "Your bank did not make this payment. Please contact your bank, or call 311 for help.")


def return_code_info(code: str) -> ReturnCode:
    """What a return code means; a code this table does not know gets a generic, flag-free
    answer rather than an error, because returns must still be recorded."""
    normalized = code.strip().upper() if isinstance(code, str) else ""
    known = RETURN_CODES.get(normalized)
    if known is not None:
        return known
    return ReturnCode(normalized or "???", _UNKNOWN_TITLE, _UNKNOWN_DESCRIPTION)


@dataclass(frozen=True)
class ReturnEntry:
    """One returned debit, as the bank reported it."""

    trace_number: str  # of the ORIGINAL entry: what the city matches the payment on
    return_code: str
    amount: Money
    individual_id: str | None = None  # the confirmation number we sent; CSV files lack it
    date_of_death: date | None = None
    original_rdfi: str | None = None  # first 8 digits of the resident's bank routing number
    addenda_information: str = ""
    return_trace_number: str | None = None  # the returning bank's own trace number

    @property
    def info(self) -> ReturnCode:
        return return_code_info(self.return_code)


@dataclass(frozen=True)
class OriginalEntry:
    """An entry the city sent, as needed to return it (from original_entries())."""

    trace_number: str
    routing_number: str
    account_number: str
    account_type: str  # "checking" | "savings"
    amount: Money
    individual_id: str
    individual_name: str
    sec_code: str


def original_entries(parsed: ParsedFile) -> list[OriginalEntry]:
    """The debit entries of a parsed originated file, ready to pass to build_returns_file."""
    found = []
    for batch in parsed.batches:
        for entry in batch.entries:
            if entry.is_debit and entry.account_type is not None:
                found.append(OriginalEntry(
                    trace_number=entry.trace_number,
                    routing_number=entry.routing_number,
                    account_number=entry.account_number,
                    account_type=entry.account_type,
                    amount=entry.amount,
                    individual_id=entry.individual_id,
                    individual_name=entry.individual_name,
                    sec_code=batch.header.sec_code,
                ))
    return found


# --- reading ------------------------------------------------------------------------------


def parse_returns(text: str | bytes) -> list[ReturnEntry]:
    """Returned entries from a bank's return file, NACHA or CSV (detected from the content).

    NACHA: every entry must carry a type 99 return addenda; entries with a type 98 addenda
    (notifications of change, not returns) are skipped. Padding to whole blocks is not
    required, since not every bank pads its return files.
    CSV: a header with trace_number, return_code and amount (any order, extra columns such as
    individual_id allowed). An empty file means no returns.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NachaFormatError("the returns file is not text") from None
    if not isinstance(text, str):
        raise NachaFormatError("the returns file is not text")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return []
    first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    if first_line.startswith("101") and len(first_line) == 94:
        return _returns_from_nacha(text)
    if "," in first_line and "trace_number" in first_line.lower():
        return _returns_from_csv(text)
    raise NachaFormatError("the returns file is neither a NACHA file nor a CSV with a "
                           "trace_number,return_code,amount header")


def _returns_from_nacha(text: str) -> list[ReturnEntry]:
    parsed = parse_file(text, require_blocking=False)
    found = []
    for batch in parsed.batches:
        for position, entry in enumerate(batch.entries, start=1):
            addenda = [a for a in entry.addenda if a.addenda_type_code == "99"]
            if not addenda:
                if any(a.addenda_type_code == "98" for a in entry.addenda):
                    continue
                raise NachaFormatError(f"batch {batch.header.batch_number}, entry {position}: "
                                       "no return addenda record (type 99)")
            found.append(_return_from_addenda(entry, addenda[0],
                                              f"batch {batch.header.batch_number}, entry "
                                              f"{position}"))
    return found


def _return_from_addenda(entry: EntryDetail, addenda: Addenda, where: str) -> ReturnEntry:
    # Addenda body = record positions 4-94: reason 4-6, original trace 7-21, date of death
    # 22-27, original RDFI 28-35, addenda information 36-79, trace number 80-94.
    body = addenda.body
    code = body[0:3]
    original_trace = body[3:18]
    death = body[18:24]
    original_rdfi = body[24:32]
    information = body[32:76].rstrip()
    trace = body[76:91]
    if not _RETURN_CODE.fullmatch(code):
        raise NachaFormatError(f"{where}: return reason code (positions 4-6) is not R + two "
                               "digits")
    if not _TRACE.fullmatch(original_trace):
        raise NachaFormatError(f"{where}: original entry trace number (positions 7-21) must be "
                               "15 digits")
    return ReturnEntry(
        trace_number=original_trace,
        return_code=code,
        amount=entry.amount,
        individual_id=entry.individual_id or None,
        date_of_death=_date_of_death(death, where),
        original_rdfi=original_rdfi.strip() or None,
        addenda_information=information,
        return_trace_number=trace.strip() or entry.trace_number,
    )


def _date_of_death(value: str, where: str) -> date | None:
    if not value.strip() or value == "000000":
        return None
    try:
        if not value.isdigit():
            raise ValueError
        return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise NachaFormatError(f"{where}: date of death (positions 22-27) is not a YYMMDD "
                               "date") from None


def _returns_from_csv(text: str) -> list[ReturnEntry]:
    reader = csv.reader(io.StringIO(text.lstrip("\r\n")))
    header = [column.strip().lower() for column in next(reader)]
    missing = {"trace_number", "return_code", "amount"} - set(header)
    if missing:
        raise NachaFormatError(f"returns CSV header lacks {', '.join(sorted(missing))}")
    column = {name: header.index(name) for name in header}
    found = []
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise NachaFormatError(f"returns CSV row {row_number}: expected {len(header)} "
                                   f"columns, found {len(row)}")

        def cell(name: str, row: list[str] = row) -> str:
            return row[column[name]].strip() if name in column else ""

        trace = cell("trace_number")
        code = cell("return_code").upper()
        if not _TRACE.fullmatch(trace):
            raise NachaFormatError(f"returns CSV row {row_number}: trace_number must be 15 "
                                   "digits")
        if not _RETURN_CODE.fullmatch(code):
            raise NachaFormatError(f"returns CSV row {row_number}: return_code must be R and "
                                   "two digits")
        amount = _CSV_AMOUNT.fullmatch(cell("amount").replace(",", ""))
        if amount is None or Decimal(amount.group("number")) <= 0:
            raise NachaFormatError(f"returns CSV row {row_number}: amount must be dollars and "
                                   "cents, more than zero")
        found.append(ReturnEntry(
            trace_number=trace,
            return_code=code,
            amount=Money(Decimal(amount.group("number"))),
            individual_id=cell("individual_id") or None,
        ))
    return found


# --- writing (the sandbox bank) -------------------------------------------------------------


def build_returns_file(originator: Originator,
                       returned: Sequence[tuple[OriginalEntry, str]], *,
                       rdfi_routing: str, rdfi_name: str, file_creation: datetime,
                       effective_date: date, file_id_modifier: str = "A",
                       dates_of_death: Mapping[str, date] | None = None) -> str:
    """A NACHA return file, as the residents' bank (`rdfi_routing`) would send it to the
    city's bank: each original debit comes back with transaction code 26/36 and a type 99
    addenda carrying the reason code and the original trace number.

    `dates_of_death` maps an original trace number to the date for R14/R15 returns.
    """
    if not isinstance(originator, Originator):
        raise NachaError("originator must be an Originator")
    if not isinstance(rdfi_routing, str) or not is_valid_routing_number(rdfi_routing):
        raise NachaError("returning bank routing number is not a valid ABA routing number")
    name = to_ach_text(rdfi_name)[:23].rstrip() if isinstance(rdfi_name, str) else ""
    if not name:
        raise NachaError("returning bank name is required")
    if not isinstance(file_id_modifier, str) or not re.fullmatch(r"[A-Z0-9]", file_id_modifier):
        raise NachaError("file ID modifier must be one character A-Z or 0-9")
    if not isinstance(file_creation, datetime):
        raise NachaError("file creation must be a datetime")
    if isinstance(effective_date, datetime) or not isinstance(effective_date, date):
        raise NachaError("effective entry date must be a date")
    returned = list(returned)
    if not returned:
        raise NachaError("a return file needs at least one returned entry")
    deaths = dict(dates_of_death or {})
    seen: set[str] = set()
    by_sec: dict[str, list[tuple[OriginalEntry, str]]] = {}
    for original, code in returned:
        _check_original(originator, original, seen)
        if not isinstance(code, str) or not _RETURN_CODE.fullmatch(code):
            raise NachaError("return code must be R and two digits")
        by_sec.setdefault(original.sec_code, []).append((original, code))

    rdfi = rdfi_routing[:8]
    sequence = 0
    batches: list[tuple[BatchHeader, list[EntryDetail]]] = []
    for batch_number, (sec_code, members) in enumerate(by_sec.items(), start=1):
        # 26/36 are debit-class return codes; the returning bank originates the return.
        header = debit_batch_header(originator, sec_code, effective_date, rdfi, batch_number)
        details = []
        for original, code in members:
            sequence += 1
            trace = f"{rdfi}{sequence:07d}"
            death = deaths.get(original.trace_number)
            body = "".join((
                code,
                original.trace_number,
                death.strftime("%y%m%d") if death else " " * 6,
                original.routing_number[:8],
                " " * 44,
                trace,
            ))
            details.append(EntryDetail(
                transaction_code=_RETURN_TRANSACTION_CODES[original.account_type],
                # A return travels back to the ODFI of the original entry.
                rdfi_identification=originator.odfi_routing[:8],
                check_digit=originator.odfi_routing[8],
                account_number=original.account_number,
                amount=original.amount,
                individual_id=original.individual_id,
                individual_name=to_ach_text(original.individual_name)[:22].rstrip(),
                discretionary_data=payment_type_code(sec_code),
                addenda_record_indicator=1,
                trace_number=trace,
                addenda=(Addenda("99", body),),
            ))
        batches.append((header, details))

    file_header = FileHeader(
        immediate_destination=originator.odfi_routing,
        immediate_origin=rdfi_routing,
        file_creation_date=file_creation.date(),
        file_creation_time=file_creation.time().replace(second=0, microsecond=0),
        file_id_modifier=file_id_modifier,
        immediate_destination_name=originator.immediate_destination_name.upper(),
        immediate_origin_name=name,
    )
    return assemble_file(file_header, batches).to_text()


def _check_original(originator: Originator, original: object, seen: set[str]) -> None:
    if not isinstance(original, OriginalEntry):
        raise NachaError("each returned entry must be an OriginalEntry")
    if not isinstance(original.trace_number, str) or not _TRACE.fullmatch(
            original.trace_number):
        raise NachaError("original trace number must be 15 digits")
    if not original.trace_number.startswith(originator.odfi_routing[:8]):
        raise NachaError("original trace number was not assigned by this originator's bank")
    if original.trace_number in seen:
        raise NachaError("an entry can be returned only once")
    seen.add(original.trace_number)
    if not isinstance(original.sec_code, str) or not re.fullmatch(r"[A-Z]{3}", original.sec_code):
        raise NachaError("SEC code must be three capital letters")
    if original.account_type not in _RETURN_TRANSACTION_CODES:
        raise NachaError("account type must be checking or savings")
    if not is_valid_routing_number(original.routing_number):
        raise NachaError("original routing number is not a valid ABA routing number")
    if not isinstance(original.amount, Money) or not original.amount.is_positive():
        raise NachaError("original amount must be more than zero")
