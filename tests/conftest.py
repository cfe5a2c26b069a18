"""Fixtures every test layer may use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `pytest -n` (make test), every test of the live chatbot stack runs on one worker,
    so the session starts the two Rasa instances once, not once per worker."""
    for item in items:
        if "chatbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("live-chatbot"))
