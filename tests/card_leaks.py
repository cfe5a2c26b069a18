"""Where a card number could survive, read back for the card tests: every value of every table
of a database, log files, log records, recorded requests. Paired with
tests/card_spellings.py (`leaked_cards`, which does not use the redactor)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.card_spellings import leaked_cards

Found = tuple[str, str]  # (where, what leaked or an excerpt)


def database_values(engine: Engine) -> Iterator[tuple[str, str]]:
    """("table.column", value as text) for every non-null value of every table."""
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            result = conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = (value.decode("utf-8", "replace") if isinstance(value, bytes)
                            else str(value))
                    yield f"{table}.{column}", text


def file_values(paths: Iterable[Path]) -> Iterator[tuple[str, str]]:
    for path in paths:
        yield str(path), path.read_text("utf-8", errors="replace")


def record_values(records: Iterable[logging.LogRecord]) -> Iterator[tuple[str, str]]:
    for record in records:
        yield f"log {record.name}", record.getMessage()
        if record.exc_text:
            yield f"log {record.name} traceback", record.exc_text
        if record.stack_info:
            yield f"log {record.name} stack", record.stack_info


class RawLogCapture(logging.Handler):
    """Every log line as its code wrote it, before any handler's filter (the app's redacting
    one included) could change the record: installed first on the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((f"raw log {record.name}", record.getMessage()))
        if record.exc_info:
            self.lines.append((f"raw log {record.name} traceback",
                               logging.Formatter().formatException(record.exc_info)))

    def __enter__(self) -> RawLogCapture:
        root = logging.getLogger()
        root.handlers.insert(0, self)
        return self

    def __exit__(self, *_: object) -> None:
        logging.getLogger().removeHandler(self)


def leaks(values: Iterable[tuple[str, str]]) -> list[Found]:
    """Every place where a card number (injected, or any Luhn-valid 13-19 digits) shows."""
    return [(where, ", ".join(found)) for where, text in values
            if (found := leaked_cards(text))]
