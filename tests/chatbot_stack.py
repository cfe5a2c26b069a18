"""The real chatbot for end-to-end tests: the trained model served by `rasa run` (.venv-rasa)
with the action server (`python -m rasa_sdk`, .venv) over a seeded demo city in SQLite.

The stack itself lives in sandbox/chatbot_stack.py (`payline benchmark-chat` starts it too);
this module is what the tests import. Starting Rasa and loading the model takes about a minute
on 2 cores, so one stack serves a whole test session (`chatbot` fixture in
tests/chatbot/conftest.py). Conversations stay apart by their sender id. Locally the stack's
tests skip when the Rasa environment or the trained model is missing; under CI=true (where
`make test` trains first) they fail instead.
"""

from __future__ import annotations

from sandbox.chatbot_stack import (
    MODEL,
    MODELS,
    RASA,
    RASA_ENV,
    ROOT,
    START_TIMEOUT_S,
    ChatbotStack,
    Conversation,
    free_port,
    missing,
    start,
)

__all__ = ["MODEL", "MODELS", "RASA", "RASA_ENV", "ROOT", "START_TIMEOUT_S", "ChatbotStack",
           "Conversation", "free_port", "missing", "start"]
