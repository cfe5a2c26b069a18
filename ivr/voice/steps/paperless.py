"""Paperless billing by phone: enroll with the email on file, or text a one-time link to
finish on the web (an email address cannot be typed on a keypad); unenroll."""

from __future__ import annotations

from domain.errors import InvalidPhoneNumber, RecipientOptedOut
from domain.model import LinkPurpose
from domain.services.links import DEFAULT_TTL
from ivr.voice.flow import Ask, Heard, Outcome, Step, Turn, ask, goto, register, retry
from ivr.voice.speech import Characters, Line, Spoken

LINK_MINUTES = int(DEFAULT_TTL.total_seconds() // 60)


def _masked(email: str) -> dict[str, Spoken]:
    """The address on file as a caller can recognise it without hearing it all:
    its first character and its domain ("starting with D, at example.com")."""
    local, _, domain = email.partition("@")
    return {"first": Characters(local[:1].upper()), "domain": domain}


@register
class Paperless(Step):
    name = "paperless"

    def ask(self, turn: Turn) -> Ask:
        status = turn.container.paperless_service().status(turn.account_id)
        if status.enrolled:
            turn.call.paperless_mode = "enrolled"
            return ask(Line.of("paperless_on", **_masked(status.email or "")))
        if status.email_on_file:
            turn.call.paperless_mode = "email"
            return ask(Line.of("paperless_offer_email", **_masked(status.email_on_file)))
        turn.call.paperless_mode = "link"
        return ask(Line.of("paperless_offer_link"))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        mode = turn.call.paperless_mode
        service = turn.container.paperless_service()
        choice = heard.digits
        if mode == "enrolled":
            if choice == "1":
                service.unenroll(turn.account_id, turn.actor)
                return goto("menu", Line.of("paperless_unenrolled"))
            return goto("menu") if choice == "2" else retry(Line.of("not_understood"))
        if mode == "email":
            if choice == "1":
                email = service.status(turn.account_id).email_on_file or ""
                service.enroll(turn.account_id, email, turn.actor)
                return goto("menu", Line.of("paperless_enrolled"))
            if choice == "2":
                return self._text_link(turn)
            return goto("menu") if choice == "3" else retry(Line.of("not_understood"))
        if choice == "1":
            return self._text_link(turn)
        return goto("menu") if choice == "2" else retry(Line.of("not_understood"))

    @staticmethod
    def _text_link(turn: Turn) -> Outcome:
        caller = turn.state.caller
        if not caller:
            return goto("menu", Line.of("text_unavailable"))
        token = turn.container.link_service().issue(LinkPurpose.PAPERLESS, turn.account_id,
                                                    turn.actor)
        url = f"{turn.channels.public_url}/paperless/{token}"
        try:
            turn.container.paperless_service().text_enrollment_link(
                turn.account_id, caller, url, LINK_MINUTES, turn.actor, turn.language)
        except InvalidPhoneNumber:
            return goto("menu", Line.of("text_unavailable"))
        except RecipientOptedOut:
            return goto("menu", Line.of("text_opted_out"))
        return goto("menu", Line.of("paperless_link_sent", minutes=LINK_MINUTES))
