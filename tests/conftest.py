"""Fixtures every test layer may use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from tests.stripe_support import LocalStripe


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripe]:
    """One localstripe process for the session (started on first use)."""
    with LocalStripe() as server:
        yield server


@pytest.fixture
def localstripe(localstripe_server: LocalStripe) -> LocalStripe:
    """localstripe, emptied for this test."""
    localstripe_server.reset()
    return localstripe_server


# The live chatbot stack (the `chatbot` fixture) is defined in tests/chatbot/conftest.py, so
# only tests under tests/chatbot/ can start it.
LIVE_CHATBOT_TESTS = "tests/chatbot/"
# `rasa test` runs the trained models in its own processes, not on the live stack: a unit of
# its own (its session fixture runs once per language), free to run beside the live tests.
RASA_EVALUATION_TESTS = "tests/chatbot/test_rasa_evaluation.py"


class LiveChatbotOnOneWorker(LoadScopeScheduling):
    """Under `pytest -n` (make test): every test under tests/chatbot/ but the `rasa test`
    evaluation is one unit of work, so one worker starts the two Rasa instances once, not once
    per worker; the evaluation is a second unit, and every other test is a unit of its own,
    spread over the workers as they free up. (xdist's own `xdist_group` marker cannot do this
    under pytest 9: it renames node ids through an attribute pytest no longer reads.)"""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith(RASA_EVALUATION_TESTS):
            return "rasa-evaluation"
        return "live-chatbot" if nodeid.startswith(LIVE_CHATBOT_TESTS) else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config,
                                log: Any) -> LiveChatbotOnOneWorker | None:
    if config.getvalue("dist") != "loadgroup":  # another --dist asked for: xdist's own
        return None
    return LiveChatbotOnOneWorker(config, log)
