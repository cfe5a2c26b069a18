import logging

from ivr.logging_setup import CardNumberRedactingFilter


def _record(msg, args=(), exc_info=None):
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, exc_info)


def test_card_number_in_message_or_args_never_reaches_the_log():
    handler_filter = CardNumberRedactingFilter()
    record = _record("resident said %s", ("my card is 4242 4242 4242 4242",))
    handler_filter.filter(record)
    assert "4242 4242" not in record.getMessage()
    assert "[card number removed]" in record.getMessage()


def test_ordinary_numbers_are_left_alone():
    record = _record("account %s called from %s", ("0012345678", "+13125550101"))
    CardNumberRedactingFilter().filter(record)
    assert record.getMessage() == "account 0012345678 called from +13125550101"


def test_tracebacks_are_redacted_too():
    try:
        raise ValueError("bad card 4000000000000002")
    except ValueError:
        import sys
        record = _record("failed", exc_info=sys.exc_info())
    CardNumberRedactingFilter().filter(record)
    assert record.exc_info is None
    assert "4000000000000002" not in record.exc_text
    assert "ValueError" in record.exc_text


# --- the same redactor as every entry point: every spelling ---------------------------------

import io  # noqa: E402

import pytest  # noqa: E402

from tests.card_spellings import SPELLINGS, leaked_cards  # noqa: E402


@pytest.mark.parametrize("spelling", SPELLINGS, ids=lambda s: s.label)
def test_every_spelling_is_removed_from_a_log_line(spelling):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CardNumberRedactingFilter())
    logger = logging.getLogger(f"test.redaction.{id(spelling)}")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("resident said %r", spelling.text)
        try:
            raise ValueError(spelling.text)
        except ValueError:
            logger.exception("failed on %s", spelling.text, stack_info=True)
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "resident said" in written and "ValueError" in written and "Stack" in written
    assert leaked_cards(written) == []


def test_a_traceback_rendered_before_the_filter_is_redacted_too():
    record = _record("failed")
    record.exc_text = "Traceback...\nValueError: card 4242\u00a04242\u00a04242\u00a04242"
    CardNumberRedactingFilter().filter(record)
    assert leaked_cards(record.exc_text) == [] and "ValueError" in record.exc_text
