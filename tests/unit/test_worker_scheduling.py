"""How `make test` spreads the tests over its two workers (tests/conftest.py)."""

from __future__ import annotations

from tests.conftest import LiveChatbotOnOneWorker


def scope(nodeid: str) -> str:
    return LiveChatbotOnOneWorker._split_scope(None, nodeid)  # type: ignore[arg-type]


def test_the_live_chatbot_tests_share_one_unit_so_the_rasa_pair_starts_once() -> None:
    assert scope("tests/chatbot/test_live_conversations.py::test_balance") == "live-chatbot"
    assert scope("tests/chatbot/test_sms_full_stack.py::test_x[es]") == "live-chatbot"


def test_the_rasa_test_evaluation_is_a_unit_of_its_own_beside_them() -> None:
    assert scope("tests/chatbot/test_rasa_evaluation.py::test_every_test_story_passes[en]") \
        == scope("tests/chatbot/test_rasa_evaluation.py::test_entity_micro_f1[es]") \
        == "rasa-evaluation"


def test_every_other_test_is_its_own_unit() -> None:
    assert scope("tests/unit/test_money.py::test_cents") == "tests/unit/test_money.py::test_cents"
