"""NACHA debit files: the writer checked field by field against the spec's positions, the
parser checked against hand-made corruptions, and the two checked against each other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.ach.nacha import (
    MAX_ENTRY_CENTS,
    DebitEntry,
    NachaError,
    NachaFile,
    NachaFormatError,
    Originator,
    build_file,
    parse_file,
    to_ach_text,
)
from domain.bank import routing_check_digit
from domain.errors import InvalidInput
from domain.money import Money

CHICAGO = ZoneInfo("America/Chicago")
CREATED = datetime(2026, 11, 22, 10, 5, 42, tzinfo=CHICAGO)
EFFECTIVE = date(2026, 11, 23)
ORIGINATOR = Originator(
    immediate_destination="011000015",
    immediate_destination_name="Riverton City Bank",
    immediate_origin="1366000001",
    immediate_origin_name="City of Riverton",
    company_name="CITY OF RIVERTON",
    company_id="1366000001",
    odfi_routing="011000015",
    company_entry_description="UTILITYPMT",
)
ODFI8 = "01100001"


def routing(first8: str) -> str:
    return first8 + routing_check_digit(first8)


def debit(**overrides: object) -> DebitEntry:
    values: dict[str, object] = {
        "routing_number": "021000021",
        "account_number": "000123456789",
        "account_type": "checking",
        "amount": Money.of("40.00"),
        "individual_id": "K7MW-3QTX",
        "individual_name": "Ana Rivera",
        "sec_code": "WEB",
    }
    values.update(overrides)
    return DebitEntry(**values)  # type: ignore[arg-type]


def build(entries: list[DebitEntry], **kwargs: object) -> NachaFile:
    options: dict[str, object] = {"file_creation": CREATED, "effective_date": EFFECTIVE,
                                  "file_id_modifier": "A"}
    options.update(kwargs)
    return build_file(ORIGINATOR, entries, **options)  # type: ignore[arg-type]


def col(line: str, start: int, end: int) -> str:
    """Positions as the NACHA spec numbers them: 1-based, inclusive."""
    return line[start - 1:end]


def lines_of(text: str) -> list[str]:
    assert text.endswith("\n")
    return text[:-1].split("\n")


# --- the writer, by spec position (independent of the parser) -------------------------------


def test_every_field_is_at_its_spec_position() -> None:
    result = build([
        debit(routing_number="021000021", account_number="000123456789",
              amount=Money.of("40.00"), individual_id="K7MW-3QTX",
              individual_name="Lucía Núñez", sec_code="WEB"),
        debit(routing_number="111000025", account_number="0042", account_type="savings",
              amount=Money.of("0.01"), individual_id="ACDE-FHJK", individual_name="bob",
              sec_code="TEL"),
    ])
    lines = lines_of(result.text)
    assert len(lines) == 10
    file_header, web_header, web_entry, web_control = lines[0:4]
    tel_header, tel_entry, tel_control, file_control = lines[4:8]

    assert col(file_header, 1, 1) == "1"
    assert col(file_header, 2, 3) == "01"  # priority code
    assert col(file_header, 4, 13) == " 011000015"  # immediate destination: blank + 9 digits
    assert col(file_header, 14, 23) == "1366000001"  # immediate origin
    assert col(file_header, 24, 29) == "261122"  # creation date YYMMDD
    assert col(file_header, 30, 33) == "1005"  # creation time HHMM (seconds dropped)
    assert col(file_header, 34, 34) == "A"  # file ID modifier
    assert col(file_header, 35, 37) == "094"  # record size
    assert col(file_header, 38, 39) == "10"  # blocking factor
    assert col(file_header, 40, 40) == "1"  # format code
    assert col(file_header, 41, 63) == "RIVERTON CITY BANK".ljust(23)
    assert col(file_header, 64, 86) == "CITY OF RIVERTON".ljust(23)
    assert col(file_header, 87, 94) == " " * 8  # reference code

    for header, sec, number in ((web_header, "WEB", "0000001"), (tel_header, "TEL", "0000002")):
        assert col(header, 1, 1) == "5"
        assert col(header, 2, 4) == "225"  # debits only
        assert col(header, 5, 20) == "CITY OF RIVERTON"
        assert col(header, 21, 40) == " " * 20  # company discretionary data
        assert col(header, 41, 50) == "1366000001"  # company identification
        assert col(header, 51, 53) == sec
        assert col(header, 54, 63) == "UTILITYPMT"
        assert col(header, 64, 69) == " " * 6  # company descriptive date
        assert col(header, 70, 75) == "261123"  # effective entry date
        assert col(header, 76, 78) == "   "  # settlement date: left to the ACH operator
        assert col(header, 79, 79) == "1"  # originator status code
        assert col(header, 80, 87) == ODFI8
        assert col(header, 88, 94) == number

    assert col(web_entry, 1, 1) == "6"
    assert col(web_entry, 2, 3) == "27"  # checking debit
    assert col(web_entry, 4, 11) == "02100002"
    assert col(web_entry, 12, 12) == "1"
    assert col(web_entry, 13, 29) == "000123456789     "  # left-justified, zeros kept
    assert col(web_entry, 30, 39) == "0000004000"
    assert col(web_entry, 40, 54) == "K7MW-3QTX      "
    assert col(web_entry, 55, 76) == "LUCIA NUNEZ".ljust(22)
    assert col(web_entry, 77, 78) == "S "  # WEB payment type code: single entry
    assert col(web_entry, 79, 79) == "0"  # no addenda
    assert col(web_entry, 80, 94) == ODFI8 + "0000001"

    assert col(tel_entry, 2, 3) == "37"  # savings debit
    assert col(tel_entry, 4, 12) == "111000025"
    assert col(tel_entry, 13, 29) == "0042".ljust(17)
    assert col(tel_entry, 30, 39) == "0000000001"
    assert col(tel_entry, 55, 76) == "BOB".ljust(22)
    assert col(tel_entry, 77, 78) == "S "
    assert col(tel_entry, 80, 94) == ODFI8 + "0000002"

    assert col(web_control, 1, 1) == "8"
    assert col(web_control, 2, 4) == "225"
    assert col(web_control, 5, 10) == "000001"  # entry/addenda count
    assert col(web_control, 11, 20) == "0002100002"  # entry hash
    assert col(web_control, 21, 32) == "000000004000"  # total debit
    assert col(web_control, 33, 44) == "000000000000"  # total credit
    assert col(web_control, 45, 54) == "1366000001"
    assert col(web_control, 55, 73) == " " * 19  # message authentication code
    assert col(web_control, 74, 79) == " " * 6  # reserved
    assert col(web_control, 80, 87) == ODFI8
    assert col(web_control, 88, 94) == "0000001"
    assert col(tel_control, 11, 20) == "0011100002"
    assert col(tel_control, 21, 32) == "000000000001"
    assert col(tel_control, 88, 94) == "0000002"

    assert col(file_control, 1, 1) == "9"
    assert col(file_control, 2, 7) == "000002"  # batch count
    assert col(file_control, 8, 13) == "000001"  # block count
    assert col(file_control, 14, 21) == "00000002"  # entry/addenda count
    assert col(file_control, 22, 31) == "0013200004"  # 02100002 + 11100002
    assert col(file_control, 32, 43) == "000000004001"
    assert col(file_control, 44, 55) == "000000000000"
    assert col(file_control, 56, 94) == " " * 39
    assert lines[8:] == ["9" * 94] * 2

    assert (result.entry_count, result.batch_count, result.block_count) == (2, 2, 1)
    assert result.total_debit == Money.of("40.01")
    assert result.entry_hash == 13200004


def test_ppd_entries_have_blank_discretionary_data() -> None:
    line = lines_of(build([debit(sec_code="PPD")]).text)[2]
    assert col(line, 77, 78) == "  "
    assert col(lines_of(build([debit(sec_code="PPD")]).text)[1], 51, 53) == "PPD"


# --- round trip: every field back through the parser --------------------------------------


def test_round_trip_reads_back_every_header_and_control_field() -> None:
    entries = [
        debit(routing_number="021000021", account_number="0001", individual_id="AAAA-0001",
              amount=Money.of("12.34"), sec_code="TEL"),
        debit(routing_number="111000025", account_number="99999999999999999",
              account_type="savings", individual_id="AAAA-0002", amount=Money.of("0.66"),
              sec_code="WEB"),
        debit(routing_number="322271627", individual_id="AAAA-0003", amount=Money.of("100"),
              sec_code="TEL"),
    ]
    result = build(entries, file_id_modifier="7")
    parsed = parse_file(result.text)

    header = parsed.header
    assert header.priority_code == "01"
    assert header.immediate_destination == "011000015"
    assert header.immediate_origin == "1366000001"
    assert header.file_creation_date == date(2026, 11, 22)
    assert header.file_creation_time == time(10, 5)
    assert header.file_id_modifier == "7"
    assert (header.record_size, header.blocking_factor, header.format_code) == ("094", "10", "1")
    assert header.immediate_destination_name == "RIVERTON CITY BANK"
    assert header.immediate_origin_name == "CITY OF RIVERTON"
    assert header.reference_code == ""

    assert [b.header.sec_code for b in parsed.batches] == ["TEL", "WEB"]  # first appearance
    for number, batch in enumerate(parsed.batches, start=1):
        bh = batch.header
        assert bh.service_class_code == 225
        assert bh.company_name == "CITY OF RIVERTON"
        assert bh.company_discretionary_data == ""
        assert bh.company_id == "1366000001"
        assert bh.company_entry_description == "UTILITYPMT"
        assert bh.company_descriptive_date == ""
        assert bh.effective_entry_date == EFFECTIVE
        assert bh.settlement_date == ""
        assert bh.originator_status_code == "1"
        assert bh.odfi_identification == ODFI8
        assert bh.batch_number == number
        bc = batch.control
        assert bc.service_class_code == 225
        assert bc.entry_addenda_count == len(batch.entries)
        assert bc.entry_hash == sum(int(e.rdfi_identification) for e in batch.entries)
        assert bc.total_credit == Money.zero()
        assert bc.company_id == "1366000001"
        assert bc.odfi_identification == ODFI8
        assert bc.batch_number == number
        assert bc.message_authentication_code == "" and bc.reserved == ""

    tel, web = parsed.batches
    assert tel.control.total_debit == Money.of("112.34")
    assert tel.control.entry_hash == 2100002 + 32227162
    assert web.control.total_debit == Money.of("0.66")

    by_id = {e.individual_id: e for e in parsed.entries}
    for entry in entries:
        found = by_id[entry.individual_id]
        assert found.routing_number == entry.routing_number
        assert found.account_number == entry.account_number
        assert found.amount == entry.amount
        assert found.transaction_code == (27 if entry.account_type == "checking" else 37)
        assert found.account_type == entry.account_type
        assert found.individual_name == "ANA RIVERA"
        assert found.discretionary_data == "S"
        assert found.addenda_record_indicator == 0 and found.addenda == ()
        assert found.is_debit

    control = parsed.control
    assert control.batch_count == 2
    assert control.block_count == 1
    assert control.entry_addenda_count == 3
    assert control.entry_hash == 2100002 + 11100002 + 32227162
    assert control.total_debit == Money.of("113.00")
    assert control.total_credit == Money.zero()
    assert control.reserved == ""
    # Rendering the parsed model again gives the same bytes.
    assert parsed.to_text() == result.text


@pytest.mark.parametrize("count", [1, 5, 6, 7, 9, 16, 25])
def test_every_record_is_94_characters_and_blocked_by_ten(count: int) -> None:
    entries = [debit(individual_id=f"ID{n:05d}") for n in range(count)]
    result = build(entries)
    lines = lines_of(result.text)
    records = 1 + 1 + count + 1 + 1
    assert all(len(line) == 94 for line in lines)
    assert len(lines) % 10 == 0
    assert len(lines) == -(-records // 10) * 10  # no more filler than one partial block
    assert lines[records:] == ["9" * 94] * (len(lines) - records)
    assert lines[records - 1].startswith("9000001")  # file control, not filler
    assert result.block_count == len(lines) // 10
    assert "\r" not in result.text


def test_entry_hash_keeps_only_the_last_ten_digits() -> None:
    big = routing("80999999")
    entries = [debit(routing_number=big, individual_id=f"H{n:04d}") for n in range(130)]
    result = build(entries)
    full_sum = 130 * 80999999
    assert full_sum > 10**10  # the case under test: the sum overflows the field
    assert result.entry_hash == full_sum % 10**10 == 529999870
    lines = lines_of(result.text)
    assert col(lines[132], 11, 20) == "0529999870"  # batch control
    assert col(lines[133], 22, 31) == "0529999870"  # file control
    assert parse_file(result.text).control.entry_hash == 529999870


def test_totals_are_exact_to_the_cent_at_both_ends_of_the_amount_field() -> None:
    result = build([debit(amount=Money.of("0.01"), individual_id="SMALL"),
                    debit(amount=Money.of("99999999.99"), individual_id="LARGE")])
    lines = lines_of(result.text)
    assert col(lines[2], 30, 39) == "0000000001"
    assert col(lines[3], 30, 39) == "9999999999"
    assert col(lines[4], 21, 32) == "010000000000"
    assert col(lines[5], 32, 43) == "010000000000"
    assert result.total_debit == Money(Decimal("100000000.00"))
    parsed = parse_file(result.text)
    assert [e.amount for e in parsed.entries] == [Money.of("0.01"), Money.of("99999999.99")]


def test_a_batch_total_beyond_twelve_digits_is_refused() -> None:
    entries = [debit(amount=Money.of("99999999.99"), individual_id=f"X{n}") for n in range(101)]
    with pytest.raises(NachaError, match="12-digit"):
        build(entries)
    build(entries[:100])  # 100 still fits: 9,999,999,999.00


def test_trace_numbers_are_unique_ascending_and_mapped_in_input_order() -> None:
    entries = [debit(individual_id=f"C{n:03d}", sec_code=("WEB", "TEL", "PPD")[n % 3])
               for n in range(12)]
    result = build(entries)
    parsed = parse_file(result.text)
    in_file = [e.trace_number for e in parsed.entries]
    assert in_file == sorted(in_file)
    assert len(set(in_file)) == 12
    assert in_file == [f"{ODFI8}{n:07d}" for n in range(1, 13)]
    # NachaFile.traces follows the input, so callers can zip it with their payments.
    assert [individual_id for individual_id, _ in result.traces] == [e.individual_id
                                                                    for e in entries]
    by_trace = {e.trace_number: e.individual_id for e in parsed.entries}
    assert all(by_trace[trace] == individual_id for individual_id, trace in result.traces)


def test_trace_sequence_can_continue_from_an_earlier_file() -> None:
    result = build([debit(individual_id="A"), debit(individual_id="B")],
                   first_trace_sequence=9_999_998)
    assert [t for _, t in result.traces] == [f"{ODFI8}9999998", f"{ODFI8}9999999"]
    with pytest.raises(NachaError, match="trace"):
        build([debit(), debit()], first_trace_sequence=9_999_999)
    with pytest.raises(NachaError):
        build([debit()], first_trace_sequence=0)


def test_tel_and_web_batches_share_one_file() -> None:
    entries = [debit(sec_code="WEB", individual_id="W1"), debit(sec_code="TEL", individual_id="T1"),
               debit(sec_code="WEB", individual_id="W2"), debit(sec_code="TEL", individual_id="T2")]
    parsed = parse_file(build(entries).text)
    assert [(b.header.sec_code, [e.individual_id for e in b.entries]) for b in parsed.batches] == [
        ("WEB", ["W1", "W2"]), ("TEL", ["T1", "T2"])]
    assert all(e.discretionary_data == "S" for e in parsed.entries)


@pytest.mark.parametrize("account_type, code", [("checking", 27), ("savings", 37)])
def test_transaction_code_follows_the_account_type(account_type: str, code: int) -> None:
    line = lines_of(build([debit(account_type=account_type)]).text)[2]
    assert col(line, 2, 3) == str(code)
    assert parse_file(build([debit(account_type=account_type)]).text).entries[0] \
        .transaction_code == code


@pytest.mark.parametrize("account", ["0001", "00000000000000001", "0123456789"])
def test_leading_zeros_in_account_numbers_survive(account: str) -> None:
    text = build([debit(account_number=account)]).text
    assert col(lines_of(text)[2], 13, 29) == account.ljust(17)
    assert parse_file(text).entries[0].account_number == account


@pytest.mark.parametrize("name, written", [
    ("Lucía Núñez", "LUCIA NUNEZ"),
    ("  Zoë\t😀 O'Brien\n", "ZOE O'BRIEN"),
    ("Ana\tMaría\u00a0López", "ANA MARIA LOPEZ"),  # tab and no-break space are spaces
    ("Jürgen Großmann", "JURGEN GROSSMANN"),
    ("Łukasz Ørsted-Æbelø", "LUKASZ ORSTED-AEBELO"),
    ("François d'Alembert de la Montagne", "FRANCOIS D'ALEMBERT DE"),  # cut to 22
    ("李 Ming", "MING"),
])
def test_names_are_transliterated_to_uppercase_ascii(name: str, written: str) -> None:
    parsed = parse_file(build([debit(individual_name=name)]).text)
    assert parsed.entries[0].individual_name == written
    assert to_ach_text(name).startswith(written)


# --- invalid input ------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    {"routing_number": "021000022"},  # checksum
    {"routing_number": "02100002"},
    {"routing_number": 21000021},
    {"account_number": "12a45678"},
    {"account_number": "1234 5678"},
    {"account_number": "123456789012345678"},  # 18 digits
    {"account_number": "123"},
    {"account_number": "0000000"},
    {"account_number": "１２３４５"},  # full-width digits
    {"amount": Money.zero()},
    {"amount": Money.of("-5.00")},
    {"amount": Money.of("100000000.00")},  # one cent past the 10-digit field
    {"amount": Money.of("5.00", "CAD")},
    {"amount": Decimal("5.00")},
    {"account_type": "loan"},
    {"account_type": "Checking"},
    {"sec_code": "CCD"},
    {"sec_code": "web"},
    {"individual_name": "李明"},
    {"individual_name": "😀"},
    {"individual_name": "   "},
    {"individual_name": None},
    {"individual_id": ""},
    {"individual_id": "k7mw-3qtx"},
    {"individual_id": " K7MW"},
    {"individual_id": "1234567890123456"},  # 16 > 15
    {"individual_id": "K7MW\n3QTX"},
    {"individual_id": "ÅBC"},
])
def test_invalid_entries_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(NachaError) as caught:
        debit(**overrides)
    assert isinstance(caught.value, InvalidInput)


def test_refusals_never_echo_account_digits() -> None:
    with pytest.raises(NachaError) as caught:
        debit(account_number="123456789012345678")
    assert "123456789012345678" not in str(caught.value)
    assert "account number" in caught.value.detail


@pytest.mark.parametrize("field, value", [
    ("immediate_destination", "011000016"),
    ("odfi_routing", "12345678"),
    ("company_name", "CITY OF RIVERTON!"),  # 17 > 16
    ("company_name", "Cité de Riverton"),  # configured text must already be ASCII
    ("company_name", ""),
    ("company_id", "13660000011"),
    ("company_entry_description", "UTILITYPMTS"),
    ("company_entry_description", "utilitypmt"),
    ("immediate_origin", "13660000011"),
    ("immediate_destination_name", "X" * 24),
    ("immediate_origin_name", "CITY\nOF RIVERTON"),
])
def test_invalid_originator_is_refused(field: str, value: str) -> None:
    values = {name: getattr(ORIGINATOR, name) for name in ORIGINATOR.__dataclass_fields__}
    values[field] = value
    with pytest.raises(NachaError):
        Originator(**values)


@pytest.mark.parametrize("kwargs", [
    {"file_id_modifier": "a"},
    {"file_id_modifier": ""},
    {"file_id_modifier": "AB"},
    {"file_id_modifier": "-"},
    {"effective_date": date(2026, 11, 21)},  # before the file was created
    {"effective_date": datetime(2026, 11, 23, 0, 0)},
    {"file_creation": date(2026, 11, 22)},
])
def test_invalid_file_options_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(NachaError):
        build([debit()], **kwargs)


def test_an_empty_entry_list_is_refused() -> None:
    with pytest.raises(NachaError, match="at least one entry"):
        build([])


def test_only_debit_entries_are_accepted() -> None:
    with pytest.raises(NachaError):
        build([debit(), "not an entry"])  # type: ignore[list-item]


def test_the_effective_date_may_be_the_creation_date() -> None:
    assert build([debit()], effective_date=date(2026, 11, 22)).entry_count == 1


# --- the parser refuses damaged files -------------------------------------------------------


def good_lines() -> list[str]:
    return lines_of(build([debit(individual_id="A1"), debit(individual_id="A2",
                                                            sec_code="TEL")]).text)


def text_of(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def with_field(line: str, start: int, value: str) -> str:
    return line[:start - 1] + value + line[start - 1 + len(value):]


def test_parser_accepts_the_good_file_with_crlf_and_as_bytes() -> None:
    lines = good_lines()
    assert len(parse_file("\r\n".join(lines) + "\r\n").entries) == 2
    assert len(parse_file(text_of(lines).encode("ascii")).entries) == 2


@pytest.mark.parametrize("line_no, start, value, problem", [
    (4, 21, "000000004001", "total debit"),  # WEB batch control total
    (4, 11, "0002100003", "entry hash"),
    (4, 5, "000002", "entry/addenda count"),
    (4, 88, "0000009", "batch number"),
    (4, 45, "1366000002", "company ID"),
    (4, 33, "000000000001", "total credit"),
    (8, 32, "000000008001", "total debit"),  # file control
    (8, 22, "0004200005", "entry hash"),
    (8, 2, "000003", "batch count"),
    (8, 14, "00000003", "entry/addenda count"),
    (8, 8, "000002", "block count"),
    (3, 30, "00000O4000", "amount"),  # a letter O in a number
    (3, 12, "2", "checksum"),  # RDFI check digit
    (1, 35, "095", "record size"),
    (1, 38, "20", "blocking factor"),
    (2, 2, "226", "service class"),
    (2, 70, "261340", "effective entry date"),
    (3, 79, "1", "addenda"),  # announces an addenda that is not there
])
def test_parser_refuses_a_corrupted_field(line_no: int, start: int, value: str,
                                          problem: str) -> None:
    lines = good_lines()
    lines[line_no - 1] = with_field(lines[line_no - 1], start, value)
    with pytest.raises(NachaFormatError, match=problem):
        parse_file(text_of(lines))


@pytest.mark.parametrize("length", [93, 95, 0])
def test_parser_refuses_a_record_of_the_wrong_length(length: int) -> None:
    lines = good_lines()
    lines[2] = (lines[2] + "X")[:length]
    with pytest.raises(NachaFormatError, match="line 3: a record must be 94"):
        parse_file(text_of(lines))


def test_parser_refuses_wrong_blocking() -> None:
    lines = good_lines()
    assert len(lines) == 10
    with pytest.raises(NachaFormatError, match="multiple of the blocking factor"):
        parse_file(text_of(lines[:-1]))
    with pytest.raises(NachaFormatError, match="block count"):
        parse_file(text_of(lines + ["9" * 94] * 10))
    # Without the padding requirement, missing filler is fine but the block count still counts.
    assert len(parse_file(text_of(lines[:8]), require_blocking=False).batches) == 2


@pytest.mark.parametrize("mutate, problem", [
    (lambda ls: [ls[1], ls[0], *ls[2:]], "line 1: a NACHA file starts with a file header"),
    (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], "line 2: expected a batch header"),
    (lambda ls: [*ls[:3], *ls[4:]], "line 4: expected an entry"),  # batch control missing
    (lambda ls: ls[:7], "file control record .* is missing"),
    (lambda ls: [*ls[:8], "9" * 93 + "8", ls[9]], "only '9' filler"),
    (lambda ls: [*ls[:2], "799" + " " * 91, *ls[2:]], "addenda record must follow an entry"),
    (lambda ls: [*ls[:4], *ls[7:], *["9" * 94] * 3], "batch count"),  # a batch removed
    (lambda ls: [ls[0], ls[1], ls[3], *ls[4:]], "no entries"),
    (lambda ls: [ls[0], ls[1], ls[2].replace("ANA", "\u00c1NA"), *ls[3:]], "line 3: .*ASCII"),
    (lambda ls: [], "empty"),
])
def test_parser_refuses_records_out_of_order(
        mutate: Callable[[list[str]], list[str]], problem: str) -> None:
    lines = mutate(good_lines())
    with pytest.raises(NachaFormatError, match=problem):
        parse_file(text_of(lines) if lines else "")


def test_parser_refuses_an_addenda_the_entry_did_not_announce() -> None:
    lines = good_lines()
    lines.insert(3, "705" + " " * 91)
    with pytest.raises(NachaFormatError, match="line 4: addenda record after an entry whose"):
        parse_file(text_of(lines[:-1]))


def test_parser_refuses_non_ascii_bytes() -> None:
    with pytest.raises(NachaFormatError, match="ASCII"):
        parse_file(text_of(good_lines()).encode("ascii").replace(b"ANA", b"\xc1NA"))


# --- property: anything valid goes through and comes back ----------------------------------

PREFIXES = [f"{n:02d}" for n in [*range(0, 13), *range(21, 33), *range(61, 73), 80]]
routings = st.builds(lambda prefix, rest: routing(prefix + rest), st.sampled_from(PREFIXES),
                     st.from_regex(r"[0-9]{6}", fullmatch=True))
accounts = st.from_regex(r"[0-9]{4,17}", fullmatch=True).filter(lambda a: set(a) != {"0"})
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñüçÀØß' -.\t😀李",
                min_size=1, max_size=40).filter(lambda n: bool(to_ach_text(n)))
entries_strategy = st.builds(
    DebitEntry,
    routing_number=routings,
    account_number=accounts,
    account_type=st.sampled_from(["checking", "savings"]),
    amount=st.integers(1, MAX_ENTRY_CENTS).map(Money.from_cents),
    individual_id=st.text(alphabet="ACDEFHJKMNPRTUVWXY3479-", min_size=1, max_size=15),
    individual_name=names,
    sec_code=st.sampled_from(["TEL", "WEB", "PPD"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries_strategy, min_size=1, max_size=25),
       st.sampled_from("ABCXYZ0189"))
def test_any_valid_entries_round_trip(entries: list[DebitEntry], modifier: str) -> None:
    result = build(entries, file_id_modifier=modifier)
    lines = lines_of(result.text)
    assert all(len(line) == 94 for line in lines) and len(lines) % 10 == 0
    parsed = parse_file(result.text)
    assert parsed.header.file_id_modifier == modifier
    by_trace = {e.trace_number: e for e in parsed.entries}
    assert len(by_trace) == len(entries)
    for entry, (individual_id, trace) in zip(entries, result.traces, strict=True):
        found = by_trace[trace]
        assert individual_id == entry.individual_id == found.individual_id
        assert found.routing_number == entry.routing_number
        assert found.account_number == entry.account_number
        assert found.amount == entry.amount
        assert found.account_type == entry.account_type
        assert found.individual_name == to_ach_text(entry.individual_name)[:22].rstrip()
    assert {b.header.sec_code for b in parsed.batches} == {e.sec_code for e in entries}
    assert len(parsed.batches) == result.batch_count
    assert parsed.control.total_debit.cents == sum(e.amount.cents for e in entries)
    assert result.entry_hash == sum(int(e.routing_number[:8]) for e in entries) % 10**10
    assert parsed.to_text() == result.text
