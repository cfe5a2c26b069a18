"""Fixtures of the chatbot tests: the live stack (Rasa + action server + seeded city)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ivr import create_app
from ivr.settings import ChannelSettings
from tests import chatbot_stack
from tests.chatbot_stack import ChatbotStack
from tests.e2e.sms_support import SmsCity


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The first test that needs the live stack also waits for it to start (up to
    START_TIMEOUT_S on a loaded machine), so those tests get that much more than the usual
    per-test timeout (pyproject.toml's `timeout`)."""
    limit = float(config.getini("timeout")) + chatbot_stack.START_TIMEOUT_S
    for item in items:
        if "chatbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(limit))


@pytest.fixture(scope="session")
def chatbot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatbotStack]:
    reason = chatbot_stack.missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    stack = chatbot_stack.start(tmp_path_factory.mktemp("chatbot"))
    yield stack
    stack.stop()


@pytest.fixture
def sms_city(chatbot: ChatbotStack) -> SmsCity:
    """Signed SMS threads through the app's /sms to the live bot (its city and database)."""
    channels = ChannelSettings.from_env({**chatbot.channel_env(), "PAYLINE_BOT_TIMEOUT": "30"})
    return SmsCity(create_app(container=chatbot.container, channel_settings=channels),
                   chatbot.container)


# The browser fixtures (live_app, browser, page) for the full-stack browser test.
from tests.browser_support import browser, live_app, page  # noqa: E402

__all__ = ["browser", "chatbot", "live_app", "page"]

# The in-process action tests (tests/chatbot/test_actions_*.py): a fresh seeded city per test.
from tests.chatbot.action_support import city, template_db  # noqa: E402, F401
