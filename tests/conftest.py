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
