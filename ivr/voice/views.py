"""The phone line's webhooks: one URL per call state (/voice/<step>), plus the call's entry,
its status callback and the agent whisper. Views only check the request and hand it to the
engine; every answer is valid TwiML with status 200, because anything else makes Twilio say
"an application error has occurred" to the caller."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, request

from ivr.voice import twiml
from ivr.voice.engine import VoiceEngine
from ivr.voice.flow import STEPS
from ivr.voice.speech import Line
from ivr.web.pages import row_id
from ivr.web.twilio_signature import twilio_signed

log = logging.getLogger(__name__)

MAX_BODY = 32 * 1024  # Twilio's webhooks are a few hundred bytes

voice = Blueprint("voice", __name__, url_prefix="/voice")


def engine_of(app: Flask) -> VoiceEngine:
    engine: VoiceEngine | None = app.extensions.get("payline.voice")
    if engine is None:
        from ivr.bot.nlu import classifier_for

        engine = VoiceEngine(app.extensions["payline"], app.extensions["payline.channels"],
                             classifier_for(app))
        app.extensions["payline.voice"] = engine
    return engine


def _xml(document: str) -> Response:
    return Response(document, status=200, mimetype="text/xml")


def _safely(serve: Callable[[], str]) -> Response:
    try:
        return _xml(serve())
    except Exception:  # the database is down, a bug: still a polite end to the call
        log.exception("voice webhook failed")
        return _xml(str(twiml.goodbye([Line.of("problem"), Line.of("try_again_later")], "en")))


def _form() -> dict[str, str]:
    return request.form.to_dict()


@voice.before_request
def _refuse_huge_bodies() -> Response | None:
    if (request.content_length or 0) > MAX_BODY:
        # Not a real Twilio request; carry the call on (Twilio re-sends its parameters).
        return _xml(str(twiml.redirect("/voice/resume")))
    return None


@voice.post("/incoming")
@twilio_signed
def incoming() -> Response:
    return _safely(lambda: engine_of(current_app).incoming(_form()))


@voice.post("/resume")
@twilio_signed
def resume() -> Response:
    return _safely(lambda: engine_of(current_app).handle("resume", _form(), ""))


@voice.post("/status")
@twilio_signed
def status() -> Response:
    def serve() -> str:
        engine_of(current_app).status(_form())
        return str(twiml.empty())

    return _safely(serve)


@voice.post("/transferred")
@twilio_signed
def transferred() -> Response:
    """Where a 311 agent's transfer sends the live call (domain.services.transfers); the
    ticket is in the query string, so it is covered by the signature."""
    return _safely(lambda: engine_of(current_app).transferred(
        _form(), request.args.get("ticket", "")))


@voice.post("/whisper")
@twilio_signed
def whisper() -> Response:
    # Not an id Payline wrote into the URL: the agent hears the generic whisper.
    handoff = row_id(request.args.get("handoff"))
    return _safely(lambda: engine_of(current_app).whisper(handoff))


def _step_view(name: str) -> Callable[[], Response]:
    @twilio_signed
    def view() -> Response:
        return _safely(lambda: engine_of(current_app).handle(name, _form(),
                                                             request.args.get("t", "")))

    view.__name__ = f"step_{name}"
    return view


@voice.post("/<path:unknown>")
@twilio_signed
def unknown_state(unknown: str) -> Response:
    """A URL from an older version of the flow, or garbage: pick the call up where it is."""
    return _safely(lambda: engine_of(current_app).handle("resume", _form(), ""))


def _register_steps() -> None:
    import ivr.voice.steps  # noqa: F401  (fills STEPS)

    for name in STEPS:
        voice.add_url_rule(f"/{name}", endpoint=f"step_{name}", view_func=_step_view(name),
                           methods=["POST"])


_register_steps()
