"""Replies shaped for SMS: plain text, short messages, buttons as numbered choices."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ivr.bot.client import BotReply, Button
from ivr.sms.formatting import bot_texts, describe_choices, plain_text, split_for_sms


def test_markdown_becomes_plain_text_and_links_bare_urls() -> None:
    text = ("# Paying\n**Bold** and *em* and `code`; see [the FAQ](https://x.gov/faq) or "
            "<https://x.gov/pay>.\n* one\n+ two")
    assert plain_text(text) == ("Paying\nBold and em and code; see the FAQ: https://x.gov/faq "
                                "or https://x.gov/pay.\n- one\n- two")


def test_emails_underscores_and_amounts_are_left_alone() -> None:
    text = "Email jane_doe@example.com, pay $5*2 or 3 * 4, file my_bill_2.pdf"
    assert plain_text(text) == text


def test_blank_lines_collapse_to_one_paragraph_break() -> None:
    assert plain_text("a  b\n\n\n\n c \r\n") == "a b\n\nc"


def test_yes_no_buttons_and_numbered_choices() -> None:
    assert describe_choices([("Yes", "yes"), ("No", "no")]) == "Reply YES or NO."
    assert describe_choices([("VISA ending 4242", "VISA ending 4242"),
                             ("New card or bank account", "new")]) == (
        "Reply 1 for VISA ending 4242, 2 for New card or bank account.")
    assert describe_choices([]) == ""


def test_the_choices_in_spanish() -> None:
    assert describe_choices([("Sí", "sí"), ("No", "no")], "es") == "Responda SÍ o NO."
    assert describe_choices([("Sí", "sí"), ("No", "no")]) == "Reply YES or NO."
    assert describe_choices([("VISA terminada en 4242", "VISA terminada en 4242"),
                             ("Tarjeta o cuenta bancaria nueva", "tarjeta o cuenta nueva")],
                            "es") == (
        "Responda 1 para VISA terminada en 4242, 2 para Tarjeta o cuenta bancaria nueva.")
    replies = [BotReply("Hola"), BotReply("", (Button("Sí", "sí"), Button("No", "no")))]
    assert bot_texts(replies, "es") == ["Hola", "Responda SÍ o NO."]


def test_bot_texts_skip_empty_replies_and_add_the_choices_last() -> None:
    replies = [BotReply("Hello"), BotReply("", (Button("Yes", "yes"), Button("No", "no")))]
    assert bot_texts(replies) == ["Hello", "Reply YES or NO."]


def test_short_texts_are_joined_into_one_message() -> None:
    assert split_for_sms(["Hi.", "Your balance is $5.00."]) == ["Hi.\n\nYour balance is $5.00."]


def test_long_paragraphs_split_between_sentences_and_urls_stay_whole() -> None:
    url = "https://riverton.example.gov/pay/" + "a" * 60
    text = " ".join(f"This is sentence {n} of the answer." for n in range(20)) + f" Go {url} now."
    messages = split_for_sms([text])
    assert all(len(m) <= 320 for m in messages)
    assert any(url in m for m in messages)
    assert messages[0].endswith(".")
    assert " ".join(messages).replace("\n\n", " ") == text


def test_at_most_five_messages_with_an_ellipsis() -> None:
    messages = split_for_sms(["x" * 300] * 8)
    assert len(messages) == 5 and messages[-1].endswith("…")
    assert all(len(m) <= 320 for m in messages)


@given(st.lists(st.text(min_size=1, max_size=900), min_size=1, max_size=6))
def test_no_message_is_ever_longer_than_the_limit(texts: list[str]) -> None:
    for message in split_for_sms(texts):
        assert 0 < len(message) <= 320
