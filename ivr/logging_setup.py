"""Logging for every Payline process: one format, and no card numbers in any log line.

The redaction filter sits on the handler, so it catches card numbers whichever logger (ours,
Flask's, a library's) wrote them and whether they came in the message or its arguments.
"""

from __future__ import annotations

import logging
import sys

from domain.redaction import redact_card_numbers

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class CardNumberRedactingFilter(logging.Filter):
    """The domain's one redactor (domain/redaction.py: any digits, any separators) applied to
    the message with its arguments, the traceback and the stack of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted, found = redact_card_numbers(message)
        if found:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Tracebacks quote values too: render now, redacted, and drop the raw exception.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_card_numbers(record.exc_text)[0]
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact_card_numbers(record.stack_info)[0]
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Idempotent: installs one redacting stderr handler on the root logger."""
    root = logging.getLogger()
    if any(getattr(h, "_payline", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(CardNumberRedactingFilter())
    handler._payline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # /health reads the schema revision on every probe; Alembic would log each read.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # The Stripe SDK logs every request and response at INFO; Payline logs what matters.
    logging.getLogger("stripe").setLevel(logging.WARNING)
