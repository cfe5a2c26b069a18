"""ACH (NACHA) origination for bank-account payments: writing debit files, reading them back,
and handling the returns banks send. Pure text in, text out; no I/O."""

from domain.ach.nacha import (
    DebitEntry,
    NachaError,
    NachaFile,
    NachaFormatError,
    Originator,
    ParsedFile,
    build_file,
    parse_file,
)
from domain.ach.returns import (
    RETURN_CODES,
    OriginalEntry,
    ReturnCode,
    ReturnEntry,
    build_returns_file,
    original_entries,
    parse_returns,
    return_code_info,
)

__all__ = [
    "RETURN_CODES",
    "DebitEntry",
    "NachaError",
    "NachaFile",
    "NachaFormatError",
    "OriginalEntry",
    "Originator",
    "ParsedFile",
    "ReturnCode",
    "ReturnEntry",
    "build_file",
    "build_returns_file",
    "original_entries",
    "parse_file",
    "parse_returns",
    "return_code_info",
]
