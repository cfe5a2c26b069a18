"""NACHA (ACH) files for a city that originates debit entries, and a strict parser for them.

The writer produces one batch per Standard Entry Class code (TEL, WEB, PPD) with service class
225 (debits only); the parser reads any well-formed file back into records with every field,
recomputing counts, entry hashes and totals so a corrupted file is refused instead of posted.

Record layouts follow the NACHA Operating Rules, Appendix Three (94-character records, blocking
factor 10). The parser reads fields by their 1-based positions as the spec numbers them, so
each slice can be checked against the spec by eye.

Pure: text in, text out. Error details never repeat account or routing digits (they may be
logged), only line numbers and field names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from domain.bank import is_valid_routing_number
from domain.errors import InvalidInput
from domain.money import Money

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
FILLER_RECORD = "9" * RECORD_LENGTH

SERVICE_CLASS_MIXED = 200
SERVICE_CLASS_CREDITS = 220
SERVICE_CLASS_DEBITS = 225
SEC_CODES = ("PPD", "TEL", "WEB")
ACCOUNT_TYPES = ("checking", "savings")
DEBIT_TRANSACTION_CODES = {"checking": 27, "savings": 37}
# WEB and TEL carry a payment type code in the discretionary data: "S" (single entry) is right
# for a one-time payment; "R" would claim a standing recurring authorization.
SINGLE_ENTRY_PAYMENT_TYPE = "S"

MAX_ENTRY_CENTS = 9_999_999_999  # the 10-digit amount field: $99,999,999.99
MAX_TOTAL_CENTS = 999_999_999_999  # the 12-digit control totals
MAX_TRACE_SEQUENCE = 9_999_999  # 7 digits after the ODFI's 8
ENTRY_HASH_MODULUS = 10**10  # the hash keeps its last 10 digits

_PRINTABLE_ASCII = re.compile(r"[ -~]*")
_IDENTIFIER = re.compile(r"[!-~](?:[ -~]*[!-~])?")  # printable, no leading/trailing blanks
_ACCOUNT_NUMBER = re.compile(r"[0-9]{4,17}")
_FILE_ID_MODIFIER = re.compile(r"[A-Z0-9]")
_DIGITS = re.compile(r"[0-9]+")
# Letters NFKD does not decompose into ASCII.
_TRANSLITERATIONS = str.maketrans({
    "ß": "SS", "ẞ": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "Ø": "O", "ø": "O",
    "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Ð": "D", "ð": "D", "Þ": "TH", "þ": "TH",
    "ı": "I", "ĸ": "K",
})


class NachaError(InvalidInput):
    """Data that cannot go into a NACHA file (detail names the field, never its digits)."""

    message = "The bank payment file could not be created from that data."


class NachaFormatError(NachaError):
    """A file that is not a valid NACHA file: bad length, order, blocking or controls."""

    message = "That file is not a valid NACHA (ACH) file."


# --- text rules ---------------------------------------------------------------------------


def to_ach_text(text: str) -> str:
    """Free text as NACHA alphameric: 'Lucía Núñez-Ortiz' -> 'LUCIA NUNEZ-ORTIZ'.

    Accents are transliterated, whitespace collapses to single spaces, and anything else that
    is not printable ASCII (emoji, other scripts, control characters) is dropped: a name is
    for the resident's bank statement, and a stray symbol must not fail a whole file.
    """
    if not isinstance(text, str):
        raise NachaError("text must be a string")
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATIONS))
    kept = []
    for ch in decomposed:
        if ch.isspace():
            kept.append(" ")
        elif " " <= ch <= "~":
            kept.append(ch)
        # combining accents, other scripts and control characters are dropped
    return " ".join("".join(kept).split()).upper()


def _name(value: object, field: str, width: int) -> str:
    """A resident's name: transliterated and cut to the field (banks show it as is)."""
    if not isinstance(value, str):
        raise NachaError(f"{field} must be text")
    cleaned = to_ach_text(value)[:width].rstrip()
    if not cleaned:
        raise NachaError(f"{field} has no characters a bank file can carry")
    return cleaned


def _config_text(value: object, field: str, width: int) -> str:
    """Configured names (the city, its bank): printable ASCII that fits, else a config bug.

    Not transliterated or cut: the bank matches these against the origination agreement.
    """
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise NachaError(f"{field} must be printable ASCII text without leading/trailing blanks")
    if len(value) > width:
        raise NachaError(f"{field} is longer than {width} characters")
    return value.upper()


def _identifier(value: object, field: str, width: int) -> str:
    """An identifier read back verbatim (confirmation number, company ID): never altered."""
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise NachaError(f"{field} must be printable ASCII without leading/trailing blanks")
    if value != value.upper():
        # Upper-casing would silently change what returns are matched on.
        raise NachaError(f"{field} must not contain lowercase letters")
    if len(value) > width:
        raise NachaError(f"{field} is longer than {width} characters")
    return value


def _routing(value: object, field: str) -> str:
    if not isinstance(value, str) or not is_valid_routing_number(value):
        raise NachaError(f"{field} is not a valid nine-digit ABA routing number")
    return value


def _file_id_modifier(value: object) -> str:
    if not isinstance(value, str) or not _FILE_ID_MODIFIER.fullmatch(value):
        raise NachaError("file ID modifier must be one character A-Z or 0-9")
    return value


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Originator:
    """The city as an ACH originator, as agreed with its bank (the ODFI)."""

    immediate_destination: str  # routing number the file is sent to (9 digits)
    immediate_destination_name: str  # up to 23
    immediate_origin: str  # up to 10, typically "1" + EIN, as the bank configured it
    immediate_origin_name: str  # up to 23
    company_name: str  # up to 16
    company_id: str  # up to 10
    odfi_routing: str  # 9 digits; its first 8 start every trace number
    company_entry_description: str  # up to 10, shown on statements, e.g. "UTILITYPMT"

    def __post_init__(self) -> None:
        _routing(self.immediate_destination, "immediate destination")
        _routing(self.odfi_routing, "ODFI routing number")
        _config_text(self.immediate_destination_name, "immediate destination name", 23)
        _identifier(self.immediate_origin, "immediate origin", 10)
        _config_text(self.immediate_origin_name, "immediate origin name", 23)
        _config_text(self.company_name, "company name", 16)
        _identifier(self.company_id, "company ID", 10)
        _identifier(self.company_entry_description, "company entry description", 10)

    @property
    def odfi_identification(self) -> str:
        return self.odfi_routing[:8]


@dataclass(frozen=True)
class DebitEntry:
    """One resident's bank payment to collect."""

    routing_number: str  # 9 digits, checksum valid
    account_number: str  # 4-17 digits, leading zeros kept
    account_type: str  # "checking" | "savings"
    amount: Money  # > 0, at most $99,999,999.99
    individual_id: str  # up to 15, e.g. the confirmation number; returns come back with it
    individual_name: str  # transliterated and cut to 22 when written
    sec_code: str  # "TEL" | "WEB" | "PPD"

    def __post_init__(self) -> None:
        _routing(self.routing_number, "routing number")
        if not isinstance(self.account_number, str) or not _ACCOUNT_NUMBER.fullmatch(
                self.account_number) or set(self.account_number) == {"0"}:
            raise NachaError("account number must be 4 to 17 digits")
        if self.account_type not in ACCOUNT_TYPES:
            raise NachaError("account type must be checking or savings")
        _amount(self.amount)
        _identifier(self.individual_id, "individual ID", 15)
        _name(self.individual_name, "individual name", 22)
        if self.sec_code not in SEC_CODES:
            raise NachaError("SEC code must be TEL, WEB or PPD")

    @property
    def transaction_code(self) -> int:
        return DEBIT_TRANSACTION_CODES[self.account_type]


def _amount(amount: object) -> Money:
    if not isinstance(amount, Money):
        raise NachaError("amount must be Money")
    if amount.currency != "USD":
        raise NachaError("ACH amounts are in US dollars")
    if not amount.is_positive():
        raise NachaError("amount must be more than zero")
    if amount.cents > MAX_ENTRY_CENTS:
        raise NachaError("amount does not fit the 10-digit amount field")
    return amount


# --- records ------------------------------------------------------------------------------


def _left(value: str, width: int, field: str) -> str:
    if len(value) > width:
        raise NachaError(f"{field} is longer than {width} characters")
    return value.ljust(width)


def _right(value: str, width: int, field: str) -> str:
    if len(value) > width:
        raise NachaError(f"{field} is longer than {width} characters")
    return value.rjust(width)


def _number(value: int, width: int, field: str) -> str:
    if value < 0 or value >= 10**width:
        raise NachaError(f"{field} does not fit its {width}-digit field")
    return str(value).zfill(width)


def _yymmdd(value: date) -> str:
    return value.strftime("%y%m%d")


def _record(*fields: str) -> str:
    line = "".join(fields)
    if len(line) != RECORD_LENGTH:  # pragma: no cover - every field above is width-checked
        raise NachaError(f"internal error: a record came out {len(line)} characters long")
    return line


@dataclass(frozen=True)
class FileHeader:
    """Record type 1."""

    immediate_destination: str
    immediate_origin: str
    file_creation_date: date
    file_creation_time: time | None
    file_id_modifier: str
    immediate_destination_name: str
    immediate_origin_name: str
    reference_code: str = ""
    priority_code: str = "01"
    record_size: str = "094"
    blocking_factor: str = "10"
    format_code: str = "1"

    def record(self) -> str:
        hhmm = self.file_creation_time.strftime("%H%M") if self.file_creation_time else ""
        return _record(
            "1",
            _number(int(self.priority_code), 2, "priority code"),
            _right(self.immediate_destination, 10, "immediate destination"),
            _right(self.immediate_origin, 10, "immediate origin"),
            _yymmdd(self.file_creation_date),
            hhmm.ljust(4),
            _left(self.file_id_modifier, 1, "file ID modifier"),
            _left(self.record_size, 3, "record size"),
            _left(self.blocking_factor, 2, "blocking factor"),
            _left(self.format_code, 1, "format code"),
            _left(self.immediate_destination_name, 23, "immediate destination name"),
            _left(self.immediate_origin_name, 23, "immediate origin name"),
            _left(self.reference_code, 8, "reference code"),
        )


@dataclass(frozen=True)
class BatchHeader:
    """Record type 5."""

    service_class_code: int
    company_name: str
    company_discretionary_data: str
    company_id: str
    sec_code: str
    company_entry_description: str
    company_descriptive_date: str
    effective_entry_date: date
    settlement_date: str  # blank: the ACH operator fills in the Julian settlement day
    originator_status_code: str
    odfi_identification: str
    batch_number: int

    def record(self) -> str:
        return _record(
            "5",
            _number(self.service_class_code, 3, "service class code"),
            _left(self.company_name, 16, "company name"),
            _left(self.company_discretionary_data, 20, "company discretionary data"),
            _left(self.company_id, 10, "company ID"),
            _left(self.sec_code, 3, "SEC code"),
            _left(self.company_entry_description, 10, "company entry description"),
            _left(self.company_descriptive_date, 6, "company descriptive date"),
            _yymmdd(self.effective_entry_date),
            _left(self.settlement_date, 3, "settlement date"),
            _left(self.originator_status_code, 1, "originator status code"),
            _left(self.odfi_identification, 8, "ODFI identification"),
            _number(self.batch_number, 7, "batch number"),
        )


@dataclass(frozen=True)
class Addenda:
    """Record type 7. `body` is positions 4-94; returns.py reads the type 99 layout from it."""

    addenda_type_code: str
    body: str

    def record(self) -> str:
        return _record("7", _left(self.addenda_type_code, 2, "addenda type code"),
                       _left(self.body, 91, "addenda body"))


@dataclass(frozen=True)
class EntryDetail:
    """Record type 6, with the addenda records that follow it."""

    transaction_code: int
    rdfi_identification: str  # first 8 digits of the receiving bank's routing number
    check_digit: str
    account_number: str
    amount: Money
    individual_id: str
    individual_name: str
    discretionary_data: str
    addenda_record_indicator: int
    trace_number: str
    addenda: tuple[Addenda, ...] = ()

    @property
    def routing_number(self) -> str:
        return self.rdfi_identification + self.check_digit

    @property
    def is_debit(self) -> bool:
        return _is_debit_code(self.transaction_code)

    @property
    def account_type(self) -> str | None:
        """checking (2x) or savings (3x); None for loan/GL codes."""
        return {2: "checking", 3: "savings"}.get(self.transaction_code // 10)

    def record(self) -> str:
        return _record(
            "6",
            _number(self.transaction_code, 2, "transaction code"),
            _left(self.rdfi_identification, 8, "RDFI identification"),
            _left(self.check_digit, 1, "check digit"),
            _left(self.account_number, 17, "account number"),
            _number(self.amount.cents, 10, "amount"),
            _left(self.individual_id, 15, "individual ID"),
            _left(self.individual_name, 22, "individual name"),
            _left(self.discretionary_data, 2, "discretionary data"),
            _number(self.addenda_record_indicator, 1, "addenda record indicator"),
            _left(self.trace_number, 15, "trace number"),
        )


@dataclass(frozen=True)
class BatchControl:
    """Record type 8."""

    service_class_code: int
    entry_addenda_count: int
    entry_hash: int
    total_debit: Money
    total_credit: Money
    company_id: str
    odfi_identification: str
    batch_number: int
    message_authentication_code: str = ""
    reserved: str = ""

    def record(self) -> str:
        return _record(
            "8",
            _number(self.service_class_code, 3, "service class code"),
            _number(self.entry_addenda_count, 6, "entry/addenda count"),
            _number(self.entry_hash, 10, "entry hash"),
            _number(self.total_debit.cents, 12, "batch total debit"),
            _number(self.total_credit.cents, 12, "batch total credit"),
            _left(self.company_id, 10, "company ID"),
            _left(self.message_authentication_code, 19, "message authentication code"),
            _left(self.reserved, 6, "reserved"),
            _left(self.odfi_identification, 8, "ODFI identification"),
            _number(self.batch_number, 7, "batch number"),
        )


@dataclass(frozen=True)
class FileControl:
    """Record type 9."""

    batch_count: int
    block_count: int
    entry_addenda_count: int
    entry_hash: int
    total_debit: Money
    total_credit: Money
    reserved: str = ""

    def record(self) -> str:
        return _record(
            "9",
            _number(self.batch_count, 6, "batch count"),
            _number(self.block_count, 6, "block count"),
            _number(self.entry_addenda_count, 8, "entry/addenda count"),
            _number(self.entry_hash, 10, "entry hash"),
            _number(self.total_debit.cents, 12, "file total debit"),
            _number(self.total_credit.cents, 12, "file total credit"),
            _left(self.reserved, 39, "reserved"),
        )


@dataclass(frozen=True)
class Batch:
    header: BatchHeader
    entries: tuple[EntryDetail, ...]
    control: BatchControl


@dataclass(frozen=True)
class ParsedFile:
    """Every record of a NACHA file (what parse_file reads and assemble_file builds)."""

    header: FileHeader
    batches: tuple[Batch, ...]
    control: FileControl

    @property
    def entries(self) -> list[EntryDetail]:
        return [entry for batch in self.batches for entry in batch.entries]

    def records(self) -> list[str]:
        """All records in order, padded with '9' filler to whole blocks."""
        lines = [self.header.record()]
        for batch in self.batches:
            lines.append(batch.header.record())
            for entry in batch.entries:
                lines.append(entry.record())
                lines.extend(addenda.record() for addenda in entry.addenda)
            lines.append(batch.control.record())
        lines.append(self.control.record())
        lines.extend([FILLER_RECORD] * (-len(lines) % BLOCKING_FACTOR))
        return lines

    def to_text(self) -> str:
        # Every record ends with a newline, the last one too (what banks' tools expect).
        return "".join(line + "\n" for line in self.records())


@dataclass(frozen=True)
class NachaFile:
    """What build_file made: the text to send, and what to record about it."""

    text: str
    entry_count: int
    total_debit: Money
    batch_count: int
    block_count: int
    entry_hash: int
    traces: tuple[tuple[str, str], ...]  # (individual_id, trace_number), in input order


# --- controls -----------------------------------------------------------------------------


def _is_debit_code(code: int) -> bool:
    return code % 10 in (5, 6, 7, 8, 9)


def _is_credit_code(code: int) -> bool:
    return code % 10 in (1, 2, 3, 4)


def _batch_control_for(header: BatchHeader, entries: Sequence[EntryDetail]) -> BatchControl:
    debit = sum(entry.amount.cents for entry in entries if _is_debit_code(entry.transaction_code))
    credit = sum(entry.amount.cents for entry in entries
                 if _is_credit_code(entry.transaction_code))
    return BatchControl(
        service_class_code=header.service_class_code,
        entry_addenda_count=len(entries) + sum(len(entry.addenda) for entry in entries),
        entry_hash=sum(int(entry.rdfi_identification) for entry in entries) % ENTRY_HASH_MODULUS,
        total_debit=Money.from_cents(debit),
        total_credit=Money.from_cents(credit),
        company_id=header.company_id,
        odfi_identification=header.odfi_identification,
        batch_number=header.batch_number,
    )


def _record_count(batches: Sequence[Batch]) -> int:
    return 2 + sum(2 + batch.control.entry_addenda_count for batch in batches)


def _file_control_for(batches: Sequence[Batch], block_count: int) -> FileControl:
    return FileControl(
        batch_count=len(batches),
        block_count=block_count,
        entry_addenda_count=sum(batch.control.entry_addenda_count for batch in batches),
        entry_hash=sum(batch.control.entry_hash for batch in batches) % ENTRY_HASH_MODULUS,
        total_debit=Money.from_cents(sum(batch.control.total_debit.cents for batch in batches)),
        total_credit=Money.from_cents(sum(batch.control.total_credit.cents
                                          for batch in batches)),
    )


def assemble_file(header: FileHeader,
                  batches: Sequence[tuple[BatchHeader, Sequence[EntryDetail]]]) -> ParsedFile:
    """Compute every control record for these batches; render with ParsedFile.to_text()."""
    built = []
    for batch_header, entries in batches:
        if not entries:
            raise NachaError("a batch needs at least one entry")
        control = _batch_control_for(batch_header, entries)
        if max(control.total_debit.cents, control.total_credit.cents) > MAX_TOTAL_CENTS:
            raise NachaError("batch total does not fit the 12-digit control total field")
        built.append(Batch(batch_header, tuple(entries), control))
    block_count = -(-_record_count(built) // BLOCKING_FACTOR)
    file_control = _file_control_for(built, block_count)
    if max(file_control.total_debit.cents, file_control.total_credit.cents) > MAX_TOTAL_CENTS:
        raise NachaError("file total does not fit the 12-digit control total field")
    parsed = ParsedFile(header, tuple(built), file_control)
    parsed.records()  # renders every field once, so an overflow fails here, not at send time
    return parsed


# --- writer -------------------------------------------------------------------------------


def debit_batch_header(originator: Originator, sec_code: str, effective_date: date,
                       odfi_identification: str, batch_number: int) -> BatchHeader:
    """The header of a debits-only (225) batch of the city's company."""
    return BatchHeader(
        service_class_code=SERVICE_CLASS_DEBITS,
        company_name=originator.company_name.upper(),
        company_discretionary_data="",
        company_id=originator.company_id,
        sec_code=sec_code,
        company_entry_description=originator.company_entry_description,
        company_descriptive_date="",
        effective_entry_date=effective_date,
        settlement_date="",
        originator_status_code="1",
        odfi_identification=odfi_identification,
        batch_number=batch_number,
    )


def build_file(originator: Originator, entries: Sequence[DebitEntry], *,
               file_creation: datetime, effective_date: date, file_id_modifier: str,
               first_trace_sequence: int = 1) -> NachaFile:
    """A complete NACHA file debiting these entries, one batch per SEC code.

    `file_creation` is written as given (pass the city's local time). Trace numbers are the
    ODFI's 8 digits + a 7-digit sequence starting at `first_trace_sequence`, ascending in file
    order; pass the next unused sequence when trace numbers must stay unique across files.
    """
    if not isinstance(originator, Originator):
        raise NachaError("originator must be an Originator")
    entries = list(entries)
    if not entries:
        raise NachaError("a NACHA file needs at least one entry")
    if not all(isinstance(entry, DebitEntry) for entry in entries):
        raise NachaError("every entry must be a DebitEntry")
    _file_id_modifier(file_id_modifier)
    if not isinstance(file_creation, datetime):
        raise NachaError("file creation must be a datetime")
    if isinstance(effective_date, datetime) or not isinstance(effective_date, date):
        raise NachaError("effective entry date must be a date")
    if effective_date < file_creation.date():
        raise NachaError("effective entry date is before the file creation date")
    if (isinstance(first_trace_sequence, bool) or not isinstance(first_trace_sequence, int)
            or first_trace_sequence < 1):
        raise NachaError("first trace sequence must be a positive integer")
    if first_trace_sequence + len(entries) - 1 > MAX_TRACE_SEQUENCE:
        raise NachaError("too many entries for the 7-digit trace sequence")

    by_sec: dict[str, list[tuple[int, DebitEntry]]] = {}
    for index, entry in enumerate(entries):
        by_sec.setdefault(entry.sec_code, []).append((index, entry))

    odfi = originator.odfi_identification
    traces: dict[int, tuple[str, str]] = {}
    sequence = first_trace_sequence
    batches: list[tuple[BatchHeader, list[EntryDetail]]] = []
    for batch_number, (sec_code, members) in enumerate(by_sec.items(), start=1):
        batch_header = debit_batch_header(originator, sec_code, effective_date, odfi,
                                          batch_number)
        details = []
        for index, entry in members:
            trace_number = f"{odfi}{sequence:07d}"
            sequence += 1
            details.append(EntryDetail(
                transaction_code=entry.transaction_code,
                rdfi_identification=entry.routing_number[:8],
                check_digit=entry.routing_number[8],
                account_number=entry.account_number,
                amount=entry.amount,
                individual_id=entry.individual_id,
                individual_name=_name(entry.individual_name, "individual name", 22),
                discretionary_data=payment_type_code(sec_code),
                addenda_record_indicator=0,
                trace_number=trace_number,
            ))
            traces[index] = (entry.individual_id, trace_number)
        batches.append((batch_header, details))

    header = FileHeader(
        immediate_destination=originator.immediate_destination,
        immediate_origin=originator.immediate_origin,
        file_creation_date=file_creation.date(),
        file_creation_time=file_creation.time().replace(second=0, microsecond=0, tzinfo=None),
        file_id_modifier=file_id_modifier,
        immediate_destination_name=originator.immediate_destination_name.upper(),
        immediate_origin_name=originator.immediate_origin_name.upper(),
    )
    parsed = assemble_file(header, batches)
    return NachaFile(
        text=parsed.to_text(),
        entry_count=len(entries),
        total_debit=parsed.control.total_debit,
        batch_count=parsed.control.batch_count,
        block_count=parsed.control.block_count,
        entry_hash=parsed.control.entry_hash,
        traces=tuple(traces[index] for index in range(len(entries))),
    )


def payment_type_code(sec_code: str) -> str:
    """Discretionary data for a one-time debit: 'S' for WEB/TEL, blank for PPD."""
    return SINGLE_ENTRY_PAYMENT_TYPE if sec_code in ("WEB", "TEL") else ""


# --- parser -------------------------------------------------------------------------------


class _Fields:
    """Reads a record by the spec's 1-based, inclusive positions."""

    def __init__(self, line: str, lineno: int, record: str) -> None:
        self.line = line
        self.lineno = lineno
        self.record = record

    def error(self, problem: str) -> NachaFormatError:
        return NachaFormatError(f"line {self.lineno} ({self.record}): {problem}")

    def raw(self, start: int, end: int) -> str:
        return self.line[start - 1:end]

    def text(self, start: int, end: int) -> str:
        return self.raw(start, end).rstrip()

    def digits(self, start: int, end: int, name: str) -> str:
        value = self.raw(start, end)
        if not _DIGITS.fullmatch(value):
            raise self.error(f"{name} (positions {start}-{end}) must be digits")
        return value

    def number(self, start: int, end: int, name: str) -> int:
        return int(self.digits(start, end, name))

    def money(self, start: int, end: int, name: str) -> Money:
        return Money.from_cents(self.number(start, end, name))

    def yymmdd(self, start: int, end: int, name: str) -> date:
        value = self.digits(start, end, name)
        try:
            return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6]))
        except ValueError:
            raise self.error(f"{name} (positions {start}-{end}) is not a date") from None


def _split_records(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise NachaFormatError("the file contains bytes outside ASCII") from None
    if not isinstance(text, str):
        raise NachaFormatError("a NACHA file is text")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


def _parse_file_header(f: _Fields) -> FileHeader:
    header = FileHeader(
        priority_code=f.digits(2, 3, "priority code"),
        immediate_destination=f.raw(4, 13).strip(),
        immediate_origin=f.raw(14, 23).strip(),
        file_creation_date=f.yymmdd(24, 29, "file creation date"),
        file_creation_time=_hhmm(f, 30, 33),
        file_id_modifier=f.raw(34, 34),
        record_size=f.raw(35, 37),
        blocking_factor=f.raw(38, 39),
        format_code=f.raw(40, 40),
        immediate_destination_name=f.text(41, 63),
        immediate_origin_name=f.text(64, 86),
        reference_code=f.text(87, 94),
    )
    if header.record_size != "094":
        raise f.error("record size (positions 35-37) must be 094")
    if header.blocking_factor != "10":
        raise f.error("blocking factor (positions 38-39) must be 10")
    if header.format_code != "1":
        raise f.error("format code (position 40) must be 1")
    if not _FILE_ID_MODIFIER.fullmatch(header.file_id_modifier):
        raise f.error("file ID modifier (position 34) must be A-Z or 0-9")
    return header


def _hhmm(f: _Fields, start: int, end: int) -> time | None:
    if not f.raw(start, end).strip():
        return None  # the creation time is optional in the spec
    value = f.digits(start, end, "file creation time")
    try:
        return time(int(value[:2]), int(value[2:]))
    except ValueError:
        raise f.error(f"file creation time (positions {start}-{end}) is not a time") from None


def _parse_batch_header(f: _Fields) -> BatchHeader:
    header = BatchHeader(
        service_class_code=f.number(2, 4, "service class code"),
        company_name=f.text(5, 20),
        company_discretionary_data=f.text(21, 40),
        company_id=f.raw(41, 50).strip(),
        sec_code=f.text(51, 53),
        company_entry_description=f.text(54, 63),
        company_descriptive_date=f.text(64, 69),
        effective_entry_date=f.yymmdd(70, 75, "effective entry date"),
        settlement_date=f.text(76, 78),
        originator_status_code=f.raw(79, 79),
        odfi_identification=f.digits(80, 87, "ODFI identification"),
        batch_number=f.number(88, 94, "batch number"),
    )
    if header.service_class_code not in (SERVICE_CLASS_MIXED, SERVICE_CLASS_CREDITS,
                                         SERVICE_CLASS_DEBITS):
        raise f.error("service class code (positions 2-4) must be 200, 220 or 225")
    if not re.fullmatch(r"[A-Z]{3}", header.sec_code):
        raise f.error("SEC code (positions 51-53) must be three capital letters")
    return header


def _parse_entry(f: _Fields) -> EntryDetail:
    entry = EntryDetail(
        transaction_code=f.number(2, 3, "transaction code"),
        rdfi_identification=f.digits(4, 11, "RDFI identification"),
        check_digit=f.digits(12, 12, "check digit"),
        account_number=f.text(13, 29),
        amount=f.money(30, 39, "amount"),
        individual_id=f.text(40, 54),
        individual_name=f.text(55, 76),
        discretionary_data=f.text(77, 78),
        addenda_record_indicator=f.number(79, 79, "addenda record indicator"),
        trace_number=f.digits(80, 94, "trace number"),
    )
    if not (_is_debit_code(entry.transaction_code) or _is_credit_code(entry.transaction_code)):
        raise f.error("transaction code (positions 2-3) is neither a debit nor a credit")
    if not is_valid_routing_number(entry.routing_number):
        raise f.error("RDFI routing number (positions 4-12) fails the ABA checksum")
    if not entry.account_number:
        raise f.error("account number (positions 13-29) is blank")
    if entry.addenda_record_indicator not in (0, 1):
        raise f.error("addenda record indicator (position 79) must be 0 or 1")
    return entry


def _parse_batch_control(f: _Fields) -> BatchControl:
    return BatchControl(
        service_class_code=f.number(2, 4, "service class code"),
        entry_addenda_count=f.number(5, 10, "entry/addenda count"),
        entry_hash=f.number(11, 20, "entry hash"),
        total_debit=f.money(21, 32, "total debit"),
        total_credit=f.money(33, 44, "total credit"),
        company_id=f.raw(45, 54).strip(),
        message_authentication_code=f.text(55, 73),
        reserved=f.text(74, 79),
        odfi_identification=f.digits(80, 87, "ODFI identification"),
        batch_number=f.number(88, 94, "batch number"),
    )


def _parse_file_control(f: _Fields) -> FileControl:
    return FileControl(
        batch_count=f.number(2, 7, "batch count"),
        block_count=f.number(8, 13, "block count"),
        entry_addenda_count=f.number(14, 21, "entry/addenda count"),
        entry_hash=f.number(22, 31, "entry hash"),
        total_debit=f.money(32, 43, "total debit"),
        total_credit=f.money(44, 55, "total credit"),
        reserved=f.text(56, 94),
    )


_CONTROL_FIELDS = (
    ("service_class_code", "service class code"),
    ("entry_addenda_count", "entry/addenda count"),
    ("entry_hash", "entry hash"),
    ("total_debit", "total debit"),
    ("total_credit", "total credit"),
    ("company_id", "company ID"),
    ("odfi_identification", "ODFI identification"),
    ("batch_number", "batch number"),
)
_FILE_CONTROL_FIELDS = (
    ("batch_count", "batch count"),
    ("block_count", "block count"),
    ("entry_addenda_count", "entry/addenda count"),
    ("entry_hash", "entry hash"),
    ("total_debit", "total debit"),
    ("total_credit", "total credit"),
)


def _check_batch(f: _Fields, header: BatchHeader, entries: list[EntryDetail],
                 control: BatchControl) -> None:
    if not entries:
        raise f.error(f"batch {header.batch_number} has no entries")
    expected = _batch_control_for(header, entries)
    for attribute, label in _CONTROL_FIELDS:
        found, wanted = getattr(control, attribute), getattr(expected, attribute)
        if found != wanted:
            raise f.error(f"batch control {label} is {found}, but the batch header and "
                          f"entries say {wanted}")
    if header.service_class_code == SERVICE_CLASS_DEBITS and not control.total_credit.is_zero():
        raise f.error("a debits-only batch (225) contains credit entries")
    if header.service_class_code == SERVICE_CLASS_CREDITS and not control.total_debit.is_zero():
        raise f.error("a credits-only batch (220) contains debit entries")


def _parse_batch(lines: list[str], index: int) -> tuple[Batch, int]:
    header = _parse_batch_header(_Fields(lines[index], index + 1, "batch header"))
    index += 1
    entries: list[EntryDetail] = []
    while index < len(lines) and lines[index][0] in "67":
        if lines[index][0] == "7":
            raise NachaFormatError(f"line {index + 1}: an addenda record must follow an entry")
        entry_line = index + 1
        entry = _parse_entry(_Fields(lines[index], entry_line, "entry detail"))
        index += 1
        addenda = []
        while index < len(lines) and lines[index][0] == "7":
            if entry.addenda_record_indicator != 1:
                raise NachaFormatError(f"line {index + 1}: addenda record after an entry whose "
                                       "addenda record indicator is 0")
            f = _Fields(lines[index], index + 1, "addenda")
            addenda.append(Addenda(f.digits(2, 3, "addenda type code"), f.raw(4, 94)))
            index += 1
        if entry.addenda_record_indicator == 1 and not addenda:
            raise NachaFormatError(f"line {entry_line}: the entry announces an addenda record "
                                   "but none follows")
        entries.append(replace(entry, addenda=tuple(addenda)))
    if index >= len(lines) or lines[index][0] != "8":
        found = lines[index][0] if index < len(lines) else "end of file"
        raise NachaFormatError(f"line {index + 1}: expected an entry (6), addenda (7) or batch "
                               f"control (8), found {found!r}")
    f = _Fields(lines[index], index + 1, "batch control")
    control = _parse_batch_control(f)
    _check_batch(f, header, entries, control)
    return Batch(header, tuple(entries), control), index + 1


def parse_file(text: str | bytes, *, require_blocking: bool = True) -> ParsedFile:
    """Every record of a NACHA file, after checking it end to end.

    Refuses (NachaFormatError, with the line number): records not exactly 94 printable ASCII
    characters, records out of order, anything but '9' filler after the file control, a
    record count that is not a multiple of 10 (unless require_blocking=False, for banks that
    do not pad their return files), and any control record whose counts, entry hash or totals
    disagree with the entries. Accepts LF or CRLF line ends.
    """
    lines = _split_records(text)
    if not lines:
        raise NachaFormatError("the file is empty")
    for lineno, line in enumerate(lines, start=1):
        if len(line) != RECORD_LENGTH:
            raise NachaFormatError(f"line {lineno}: a record must be {RECORD_LENGTH} "
                                   f"characters, this one has {len(line)}")
        if not _PRINTABLE_ASCII.fullmatch(line):
            raise NachaFormatError(f"line {lineno}: characters outside printable ASCII")
    if lines[0][0] != "1":
        raise NachaFormatError("line 1: a NACHA file starts with a file header (record type 1)")
    header = _parse_file_header(_Fields(lines[0], 1, "file header"))

    batches: list[Batch] = []
    index = 1
    while index < len(lines) and lines[index][0] == "5":
        batch, index = _parse_batch(lines, index)
        batches.append(batch)
    if index >= len(lines):
        raise NachaFormatError("the file control record (type 9) is missing")
    if lines[index][0] != "9":
        raise NachaFormatError(f"line {index + 1}: expected a batch header (5) or the file "
                               f"control (9), found {lines[index][0]!r}")
    f = _Fields(lines[index], index + 1, "file control")
    control = _parse_file_control(f)
    for lineno in range(index + 2, len(lines) + 1):
        if lines[lineno - 1] != FILLER_RECORD:
            raise NachaFormatError(f"line {lineno}: only '9' filler records may follow the "
                                   "file control")
    if require_blocking and len(lines) % BLOCKING_FACTOR:
        raise NachaFormatError(f"the file has {len(lines)} records, not a multiple of the "
                               f"blocking factor {BLOCKING_FACTOR}")

    expected = _file_control_for(batches, -(-len(lines) // BLOCKING_FACTOR))
    for attribute, label in _FILE_CONTROL_FIELDS:
        found, wanted = getattr(control, attribute), getattr(expected, attribute)
        if found != wanted:
            raise f.error(f"file control {label} is {found}, but the file has {wanted}")
    return ParsedFile(header, tuple(batches), control)
