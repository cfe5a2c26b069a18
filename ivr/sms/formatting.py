"""Bot and program replies shaped for a phone's messages app: plain text (no markdown), links
as bare URLs, short messages split at paragraph and sentence breaks, buttons as numbered
choices the resident can answer with a digit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from conversation.understanding.plain_words import fold
from ivr.bot.client import BotReply
from ivr.sms.wording import Words

# Two GSM-7 segments; longer texts arrive as several bubbles or out of order on some phones.
MESSAGE_LIMIT = 320
MAX_MESSAGES = 5  # per turn: a resident should never get a wall of texts
ELLIPSIS = "…"

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_ANGLE_URL = re.compile(r"<(https?://[^>\s]+)>")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*"
                       r"(?![\w*])|(?<![\w`])`([^`\n]+)`")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_BULLET = re.compile(r"^\s*[*+]\s+", re.MULTILINE)
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The yes/no buttons' payloads in either language ("sí" folds to "si").
YES_NO = (frozenset({"yes", "no"}), frozenset({"si", "no"}))


def plain_text(text: str) -> str:
    """Markdown and HTML-ish formatting removed; paragraphs kept."""
    text = _LINK.sub(lambda m: f"{m.group(1)}: {m.group(2)}", text)
    text = _ANGLE_URL.sub(r"\1", text)
    text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or m.group(4) or "", text)
    text = _HEADING.sub("", text)
    text = _BULLET.sub("- ", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def choices_of(replies: Sequence[BotReply]) -> list[tuple[str, str]]:
    """The bot's buttons of this turn as (title, payload), in order."""
    return [(button.title, button.payload) for reply in replies for button in reply.buttons]


def describe_choices(choices: Sequence[tuple[str, str]], language: str = "en") -> str:
    """"Reply YES or NO." for a yes/no question, else "Reply 1 for A, 2 for B." (in the
    thread's language: "Responda SÍ o NO.")."""
    if not choices:
        return ""
    words = Words.of(language)
    if frozenset(fold(payload).strip() for _, payload in choices) in YES_NO:
        return words.say("reply_yes_no")
    listed = ", ".join(words.say("reply_choice", number=number, title=plain_text(title))
                       for number, (title, _) in enumerate(choices, start=1))
    return words.say("reply_choices", choices=listed)


def bot_texts(replies: Sequence[BotReply], language: str = "en") -> list[str]:
    """The bot's messages as plain texts, with its buttons described after them."""
    texts = [plain_text(reply.text) for reply in replies if reply.text.strip()]
    choices = describe_choices(choices_of(replies), language)
    if choices:
        texts.append(choices)
    return [text for text in texts if text]


def split_for_sms(texts: Sequence[str], limit: int = MESSAGE_LIMIT,
                  max_messages: int = MAX_MESSAGES) -> list[str]:
    """Texts as SMS messages of at most `limit` characters: short texts are joined, long ones
    split between paragraphs, then sentences, then words (a URL is never cut)."""
    pieces = [piece for text in texts for piece in _pieces(text, limit)]
    messages: list[str] = []
    for piece in pieces:
        if messages and len(messages[-1]) + 2 + len(piece) <= limit:
            messages[-1] = f"{messages[-1]}\n\n{piece}"
        else:
            messages.append(piece)
    if len(messages) > max_messages:
        messages = messages[:max_messages]
        last = messages[-1]
        messages[-1] = (last[:limit - len(ELLIPSIS)] if len(last) >= limit else last) + ELLIPSIS
    return messages


def _pieces(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        pieces.extend(_pack(_SENTENCE_END.split(paragraph), limit, " "))
    return pieces


def _pack(parts: list[str], limit: int, glue: str) -> list[str]:
    """Greedily pack parts into chunks of at most `limit`; a part too long on its own is
    split into words (and a single word longer than the limit, only then, by characters)."""
    chunks: list[str] = []
    for part in parts:
        if len(part) > limit:
            words = part.split(" ")
            if glue == " " and len(words) > 1:
                sub = _pack(words, limit, " ")
            else:
                sub = [part[i:i + limit] for i in range(0, len(part), limit)]
            chunks.extend(sub)
            continue
        if chunks and len(chunks[-1]) + len(glue) + len(part) <= limit:
            chunks[-1] = f"{chunks[-1]}{glue}{part}"
        else:
            chunks.append(part)
    return chunks
