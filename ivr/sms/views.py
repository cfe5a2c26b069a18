"""POST /sms: Twilio's Messaging webhook. It checks the signature, claims the MessageSid (a
retried webhook replays the first answer instead of acting twice) and answers TwiML
<Message>s, always with status 200: an error page would reach the resident as nothing at
all, or as Twilio's own error text."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from flask import Blueprint, Flask, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from domain.errors import InvalidPhoneNumber
from domain.phone import mask_phone, normalize_phone
from ivr.bootstrap import Container
from ivr.bot.client import bot_client_for
from ivr.settings import ChannelSettings
from ivr.sms.conversation import Inbound, SmsConversation
from ivr.sms.texts import Program
from ivr.sms.wording import Words
from ivr.web.twilio_signature import twilio_signed

log = logging.getLogger(__name__)

MAX_BODY = 32 * 1024  # Twilio's webhooks are a few kilobytes at most (1,600-char texts)
# One-time links are bearer secrets: the link store keeps only their hash, so the replay copy
# of an answer must not keep them either. A retried webhook says to ask again instead.
_ONE_TIME_LINK = re.compile(r"https?://\S+?/(?:pay|paperless)/[A-Za-z0-9_-]+")
LINK_NOT_REPEATED = Words("en").say("link_not_repeated")
UNREADABLE = "Sorry, we couldn't read that text. Please try again, or text HELP for help."

sms = Blueprint("sms", __name__)


@sms.before_request
def _refuse_huge_bodies() -> Response | None:
    if (request.content_length or 0) > MAX_BODY:
        return _twiml([UNREADABLE])
    return None


@sms.post("/sms")
@twilio_signed
def incoming() -> Response:
    container: Container = current_app.extensions["payline"]
    form = request.form
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    try:
        phone = normalize_phone(form.get("From", ""))
    except InvalidPhoneNumber:
        return _twiml([UNREADABLE])  # not a phone we could answer or identify
    if not sid.startswith(("SM", "MM")) or not sid.isalnum() or len(sid) > 64:
        return _twiml([UNREADABLE])
    program = Program.of(container.settings)
    now = container.clock.now()
    try:
        claim = container.sms_inbox().claim(sid, phone, now)
    except Exception:
        log.exception("sms webhook could not claim a message")
        return _twiml([program.failure()])
    if not claim.first:
        log.info("sms %s from %s is a retry; replaying", sid, mask_phone(phone))
        return _twiml(list(claim.replies))

    inbound = Inbound(message_sid=sid, phone=phone, body=form.get("Body", ""),
                      media_count=_count(form.get("NumMedia")),
                      opt_out_type=form.get("OptOutType", ""))
    replies, language = _answer(current_app, container, program, inbound, now)
    held_back = Words.of(language).say("link_not_repeated")
    try:
        container.sms_inbox().answered(sid, [_ONE_TIME_LINK.sub(held_back, reply)
                                             for reply in replies], container.clock.now())
    except Exception:  # the answer still goes out; a retry would replay nothing
        log.exception("sms webhook could not store its answer")
    return _twiml(replies)


def _answer(app: Flask, container: Container, program: Program, inbound: Inbound,
            now: datetime) -> tuple[list[str], str]:
    """The replies, and the thread's language they are in."""
    channels: ChannelSettings = app.extensions["payline.channels"]
    conversation = SmsConversation(container, bot_client_for(app), program,
                                   channels.public_url, channels.secret_key, now)
    try:
        return conversation.reply(inbound), conversation.language
    except Exception:  # the database is down, a bug: still a polite answer, nothing said
        log.exception("sms webhook failed for %s", mask_phone(inbound.phone))
        return [program.failure(conversation.language)], conversation.language


def _count(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _twiml(texts: list[str]) -> Response:
    response = MessagingResponse()
    for text in texts:
        response.message(text)
    return Response(str(response), status=200, mimetype="text/xml")
