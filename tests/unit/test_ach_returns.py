"""ACH returns: reason codes for residents, reading NACHA and CSV return files, and the
sandbox bank's return file writer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ach.nacha import (
    DebitEntry,
    NachaError,
    NachaFormatError,
    Originator,
    build_file,
    parse_file,
)
from domain.ach.returns import (
    RETURN_CODES,
    OriginalEntry,
    ReturnEntry,
    build_returns_file,
    original_entries,
    parse_returns,
    return_code_info,
)
from domain.money import Money

ORIGINATOR = Originator(
    immediate_destination="011000015",
    immediate_destination_name="RIVERTON CITY BANK",
    immediate_origin="1366000001",
    immediate_origin_name="CITY OF RIVERTON",
    company_name="CITY OF RIVERTON",
    company_id="1366000001",
    odfi_routing="011000015",
    company_entry_description="UTILITYPMT",
)
CREATED = datetime(2026, 11, 24, 8, 0)
EFFECTIVE = date(2026, 11, 24)

# code: (disable_method, revoke_authorization), as documented in domain/ach/returns.py
EXPECTED_FLAGS = {
    "R01": (False, False), "R02": (True, False), "R03": (True, False), "R04": (True, False),
    "R05": (False, True), "R07": (False, True), "R08": (False, True), "R10": (False, True),
    "R16": (True, False), "R20": (True, False), "R29": (False, True),
    "R06": (False, False), "R09": (False, False), "R11": (False, False), "R12": (True, False),
    "R14": (True, False), "R15": (True, True),
}


# --- reason codes -------------------------------------------------------------------------


@pytest.mark.parametrize("code, flags", sorted(EXPECTED_FLAGS.items()))
def test_every_listed_code_is_known_with_its_flags(code: str, flags: tuple[bool, bool]) -> None:
    info = return_code_info(code)
    assert info is RETURN_CODES[code]
    assert info.code == code
    assert (info.disable_method, info.revoke_authorization) == flags
    assert info.title and info.description != return_code_info("R99").description


def test_the_table_has_exactly_the_documented_codes() -> None:
    assert set(RETURN_CODES) == set(EXPECTED_FLAGS)


@pytest.mark.parametrize("code", sorted(EXPECTED_FLAGS))
def test_descriptions_are_plain_words_for_residents(code: str) -> None:
    description = RETURN_CODES[code].description
    for jargon in ("ACH", "NACHA", "RDFI", "ODFI", "DFI", "SEC", "entry", "R0", "R1", "R2"):
        assert jargon not in description
    assert description.endswith(".") and len(description) < 160


@pytest.mark.parametrize("code", ["R99", "R85", "X01", "", "  "])
def test_an_unknown_code_gets_a_generic_answer_not_an_error(code: str) -> None:
    info = return_code_info(code)
    assert not info.disable_method and not info.revoke_authorization
    assert "contact your bank" in info.description
    assert code.strip() == "" or info.code == code


def test_codes_are_looked_up_case_and_space_insensitively() -> None:
    assert return_code_info(" r02 ") is RETURN_CODES["R02"]
    assert ReturnEntry("0" * 15, "R03", Money.of("1.00")).info is RETURN_CODES["R03"]


# --- a NACHA return file made by hand, field by field -------------------------------------


def rec(*fields: str) -> str:
    line = "".join(fields)
    assert len(line) == 94, (len(line), line)
    return line


HAND_MADE_RETURNS = [
    rec("1", "01", " 011000015", " 021000021", "261124", "0800", "A", "094", "10", "1",
        "RIVERTON CITY BANK".ljust(23), "CHASE".ljust(23), " " * 8),
    rec("5", "225", "CITY OF RIVERTON", " " * 20, "1366000001", "WEB", "UTILITYPMT", " " * 6,
        "261124", "   ", "1", "02100002", "0000001"),
    rec("6", "26", "01100001", "5", "000123456789".ljust(17), "0000004000",
        "K7MW-3QTX".ljust(15), "LUCIA NUNEZ".ljust(22), "S ", "1", "021000020000001"),
    rec("7", "99", "R01", "011000010000001", " " * 6, "02100002", " " * 44, "021000020000001"),
    rec("6", "36", "01100001", "5", "0042".ljust(17), "0000012550",
        "ACDE-FHJK".ljust(15), "BOB SMITH".ljust(22), "S ", "1", "021000020000002"),
    rec("7", "99", "R15", "011000010000002", "261101", "11100002",
        "DECEASED PER FAMILY".ljust(44), "021000020000002"),
    rec("8", "225", "000004", "0002200002", "000000016550", "000000000000", "1366000001",
        " " * 19, " " * 6, "02100002", "0000001"),
    rec("9", "000001", "000001", "00000004", "0002200002", "000000016550", "000000000000",
        " " * 39),
]


def test_parse_a_nacha_return_file_made_by_hand() -> None:
    # CRLF and no '9' padding: the way some banks send them.
    returns = parse_returns("\r\n".join(HAND_MADE_RETURNS) + "\r\n")
    assert returns == [
        ReturnEntry(trace_number="011000010000001", return_code="R01",
                    amount=Money.of("40.00"), individual_id="K7MW-3QTX",
                    date_of_death=None, original_rdfi="02100002", addenda_information="",
                    return_trace_number="021000020000001"),
        ReturnEntry(trace_number="011000010000002", return_code="R15",
                    amount=Money.of("125.50"), individual_id="ACDE-FHJK",
                    date_of_death=date(2026, 11, 1), original_rdfi="11100002",
                    addenda_information="DECEASED PER FAMILY",
                    return_trace_number="021000020000002"),
    ]
    assert returns[0].info.title == "Insufficient funds"
    assert returns[1].info.disable_method and returns[1].info.revoke_authorization


def test_parse_returns_accepts_bytes_and_zeros_for_no_date_of_death() -> None:
    lines = list(HAND_MADE_RETURNS)
    lines[5] = lines[5][:21] + "000000" + lines[5][27:]
    returns = parse_returns(("\n".join(lines) + "\n").encode("ascii"))
    assert returns[1].date_of_death is None


def test_addenda_information_uses_all_44_positions() -> None:
    lines = list(HAND_MADE_RETURNS)
    information = "A" * 43 + "Z"
    lines[5] = lines[5][:35] + information + lines[5][79:]
    assert parse_returns("\n".join(lines))[1].addenda_information == information


def test_a_corrupted_return_file_is_refused() -> None:
    lines = list(HAND_MADE_RETURNS)
    lines[6] = lines[6][:20] + "000000016551" + lines[6][32:]  # batch total off by a cent
    with pytest.raises(NachaFormatError, match="total debit"):
        parse_returns("\n".join(lines))


@pytest.mark.parametrize("start, value, problem", [
    (4, "X01", "return reason code"),
    (7, "01100001000000A", "original entry trace"),
    (22, "261399", "date of death"),
])
def test_a_bad_return_addenda_is_refused(start: int, value: str, problem: str) -> None:
    lines = list(HAND_MADE_RETURNS)
    lines[3] = lines[3][:start - 1] + value + lines[3][start - 1 + len(value):]
    with pytest.raises(NachaFormatError, match=problem):
        parse_returns("\n".join(lines))


def test_an_entry_without_return_addenda_is_refused_but_a_notification_of_change_skipped(
) -> None:
    lines = list(HAND_MADE_RETURNS)
    lines[3] = "798" + lines[3][3:]  # first entry now carries a NOC addenda
    returns = parse_returns("\n".join(lines))
    assert [r.return_code for r in returns] == ["R15"]
    lines[3] = "705" + lines[3][3:]
    with pytest.raises(NachaFormatError, match="no return addenda"):
        parse_returns("\n".join(lines))


def test_an_empty_returns_file_means_no_returns() -> None:
    assert parse_returns("") == []
    assert parse_returns("\n\n") == []
    assert parse_returns("trace_number,return_code,amount\n") == []


def test_a_file_of_neither_format_is_refused() -> None:
    with pytest.raises(NachaFormatError, match="neither"):
        parse_returns("hello bank\n")
    with pytest.raises(NachaFormatError, match="neither"):
        parse_returns("trace,code,amount\n011000010000001,R01,1.00\n")


# --- CSV ------------------------------------------------------------------------------------


def test_parse_returns_csv() -> None:
    text = ("\ufefftrace_number,return_code,amount\r\n"
            "011000010000001,R01,40.00\r\n"
            "\r\n"
            "011000010000002,r10,\"$1,234.5\"\r\n")
    assert parse_returns(text) == [
        ReturnEntry("011000010000001", "R01", Money.of("40.00")),
        ReturnEntry("011000010000002", "R10", Money.of("1234.50")),
    ]


def test_csv_columns_may_come_in_any_order_with_extras() -> None:
    text = ("Amount, Return_Code ,Trace_Number,individual_id,note\n"
            "0.01,R99,011000010000009,K7MW-3QTX,whatever\n")
    [entry] = parse_returns(text)
    assert entry == ReturnEntry("011000010000009", "R99", Money.of("0.01"),
                                individual_id="K7MW-3QTX")
    assert not entry.info.disable_method and "contact your bank" in entry.info.description


@pytest.mark.parametrize("row, problem", [
    ("01100001000000,R01,1.00", "trace_number"),
    ("0110000100000011,R01,1.00", "trace_number"),
    ("011000010000001,R1,1.00", "return_code"),
    ("011000010000001,NSF,1.00", "return_code"),
    ("011000010000001,R01,0.00", "amount"),
    ("011000010000001,R01,1.005", "amount"),
    ("011000010000001,R01,-1.00", "amount"),
    ("011000010000001,R01,", "amount"),
    ("011000010000001,R01", "columns"),
    ("011000010000001,R01,1.00,extra", "columns"),
])
def test_bad_csv_rows_are_refused_with_their_row_number(row: str, problem: str) -> None:
    text = f"trace_number,return_code,amount\n011000010000002,R02,5.00\n{row}\n"
    with pytest.raises(NachaFormatError, match=f"row 3: .*{problem}"):
        parse_returns(text)


def test_csv_header_must_name_the_three_columns() -> None:
    with pytest.raises(NachaFormatError, match="return_code"):
        parse_returns("trace_number,amount\n011000010000001,1.00\n")


# --- the sandbox bank: build a return file and read it back ---------------------------------


def originated() -> list[OriginalEntry]:
    entries = [
        DebitEntry("021000021", "000123456789", "checking", Money.of("40.00"), "K7MW-3QTX",
                   "Lucía Núñez", "WEB"),
        DebitEntry("111000025", "0042", "savings", Money.of("0.01"), "ACDE-FHJK", "Bob",
                   "TEL"),
        DebitEntry("322271627", "9876543210", "checking", Money.of("99999999.99"),
                   "MNPR-TUVW", "Zoë O'Brien", "WEB"),
    ]
    text = build_file(ORIGINATOR, entries, file_creation=datetime(2026, 11, 22, 10, 0),
                      effective_date=date(2026, 11, 23), file_id_modifier="A").text
    return original_entries(parse_file(text))


def test_original_entries_carry_what_a_return_needs() -> None:
    by_id = {o.individual_id: o for o in originated()}
    assert by_id["ACDE-FHJK"] == OriginalEntry(
        trace_number="011000010000003", routing_number="111000025", account_number="0042",
        account_type="savings", amount=Money.of("0.01"), individual_id="ACDE-FHJK",
        individual_name="BOB", sec_code="TEL")
    assert by_id["K7MW-3QTX"].individual_name == "LUCIA NUNEZ"


def test_returns_round_trip_through_a_valid_nacha_file() -> None:
    originals = originated()
    codes = ["R01", "R15", "R02"]
    text = build_returns_file(
        ORIGINATOR, list(zip(originals, codes, strict=True)), rdfi_routing="021000021",
        rdfi_name="Chase Bank", file_creation=CREATED, effective_date=EFFECTIVE,
        file_id_modifier="B", dates_of_death={originals[1].trace_number: date(2026, 11, 1)})

    parsed = parse_file(text)  # strict: blocked, controls agree
    assert parsed.header.immediate_destination == "011000015"
    assert parsed.header.immediate_origin == "021000021"
    assert parsed.header.immediate_origin_name == "CHASE BANK"
    assert parsed.header.file_id_modifier == "B"
    assert all(b.header.odfi_identification == "02100002" for b in parsed.batches)
    assert all(b.header.company_id == "1366000001" for b in parsed.batches)
    assert parsed.control.entry_addenda_count == 6  # each entry plus its addenda
    for entry, original in zip(parsed.entries, originals, strict=True):
        assert entry.transaction_code == (26 if original.account_type == "checking" else 36)
        assert entry.routing_number == "011000015"  # goes back to the city's bank
        assert entry.account_number == original.account_number
        assert entry.addenda_record_indicator == 1 and len(entry.addenda) == 1
        assert entry.trace_number.startswith("02100002")
        line = next(ln for ln in text.splitlines() if ln.startswith("799")
                    and ln[6:21] == original.trace_number)
        assert line[79:94] == entry.trace_number  # addenda trace = return entry trace
        assert line[27:35] == original.routing_number[:8]

    returns = {r.trace_number: r for r in parse_returns(text)}
    assert set(returns) == {o.trace_number for o in originals}
    for original, code in zip(originals, codes, strict=True):
        got = returns[original.trace_number]
        assert (got.return_code, got.amount, got.individual_id) == (
            code, original.amount, original.individual_id)
        assert got.original_rdfi == original.routing_number[:8]
    assert returns[originals[1].trace_number].date_of_death == date(2026, 11, 1)
    assert returns[originals[0].trace_number].date_of_death is None


def replace_field(original: OriginalEntry, **changes: object) -> OriginalEntry:
    values = {name: getattr(original, name) for name in original.__dataclass_fields__}
    values.update(changes)
    return OriginalEntry(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("make_returned, problem", [
    (lambda o: [], "at least one"),
    (lambda o: [(o[0], "R1")], "return code"),
    (lambda o: [(o[0], "r01")], "return code"),
    (lambda o: [(o[0], "R01"), (o[0], "R02")], "only once"),
    (lambda o: [(replace_field(o[0], trace_number="021000020000001"), "R01")], "this originator"),
    (lambda o: [(replace_field(o[0], trace_number="01100001"), "R01")], "15 digits"),
    (lambda o: [(replace_field(o[0], account_type="loan"), "R01")], "account type"),
    (lambda o: [(replace_field(o[0], routing_number="021000022"), "R01")], "routing"),
    (lambda o: [(replace_field(o[0], amount=Money.zero()), "R01")], "amount"),
    (lambda o: [(replace_field(o[0], sec_code="web"), "R01")], "SEC"),
    (lambda o: [("not an entry", "R01")], "OriginalEntry"),
])
def test_build_returns_file_refuses_bad_input(
        make_returned: Callable[[list[OriginalEntry]], list[tuple[OriginalEntry, str]]],
        problem: str) -> None:
    with pytest.raises(NachaError, match=problem):
        build_returns_file(ORIGINATOR, make_returned(originated()), rdfi_routing="021000021",
                           rdfi_name="CHASE", file_creation=CREATED, effective_date=EFFECTIVE)


@pytest.mark.parametrize("kwargs, problem", [
    ({"rdfi_routing": "021000022"}, "routing"),
    ({"rdfi_name": "李"}, "name"),
    ({"file_id_modifier": "a"}, "modifier"),
    ({"effective_date": datetime(2026, 11, 24, 9, 0)}, "effective"),
])
def test_build_returns_file_refuses_bad_options(kwargs: dict[str, object], problem: str) -> None:
    options: dict[str, object] = {"rdfi_routing": "021000021", "rdfi_name": "CHASE",
                                  "file_creation": CREATED, "effective_date": EFFECTIVE}
    options.update(kwargs)
    with pytest.raises(NachaError, match=problem):
        build_returns_file(ORIGINATOR, [(originated()[0], "R01")], **options)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from([*sorted(RETURN_CODES), "R85"])),
                min_size=1, max_size=3, unique_by=lambda pair: pair[0]))
def test_any_selection_of_returns_round_trips(picks: list[tuple[int, str]]) -> None:
    originals = originated()
    returned = [(originals[index], code) for index, code in picks]
    text = build_returns_file(ORIGINATOR, returned, rdfi_routing="021000021",
                              rdfi_name="CHASE", file_creation=CREATED,
                              effective_date=EFFECTIVE)
    got = {(r.trace_number, r.return_code, r.amount) for r in parse_returns(text)}
    assert got == {(o.trace_number, code, o.amount) for o, code in returned}
