"""Pure TwiML builders for the phone line: no request, no database, just documents.

Each builder returns a complete <Response>. Prompts are spoken with the caller's voice and
language (ivr.voice.voices); every <Gather> is followed by a <Redirect> to the same action
URL, so silence comes back to the same step as "no input" instead of ending the call.
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from ivr.voice.flow import Ask, PaySpec
from ivr.voice.speech import Line, render_into
from ivr.voice.voices import voice_for

PAYLINE_REFERENCE = "payline_reference"  # the <Pay> parameter the sandbox connector reads


def say(lines: Sequence[Line], language: str) -> Say | None:
    if not lines:
        return None
    voice = voice_for(language)
    element = Say(voice=voice.name, language=voice.language)
    for line in lines:
        render_into(element, line, language)
    return element


def _speak(parent: VoiceResponse | Gather, lines: Sequence[Line], language: str) -> None:
    element = say(lines, language)
    if element is not None:
        parent.append(element)


def question(before: Sequence[Line], asked: Ask, action: str, language: str,
             extra: Sequence[tuple[Sequence[Line], str]] = ()) -> VoiceResponse:
    """Say `before`, then ask inside a <Gather> posting to `action`. `extra` adds prompts in
    other languages inside the same Gather (the bilingual greeting)."""
    response = VoiceResponse()
    _speak(response, before, language)
    voice = voice_for(language)
    gather = Gather(action=action, method="POST",
                    input="dtmf speech" if asked.speech else "dtmf",
                    timeout=asked.timeout, num_digits=asked.num_digits,
                    finish_on_key=asked.finish_on_key,
                    language=voice.language if asked.speech else None,
                    speech_timeout="auto" if asked.speech else None,
                    action_on_empty_result=False)
    _speak(gather, asked.lines, language)
    for lines, other_language in extra:
        _speak(gather, lines, other_language)
    response.append(gather)
    response.redirect(action, method="POST")
    return response


def pay(before: Sequence[Line], spec: PaySpec, action: str, language: str,
        connector: str, status_callback: str | None = None) -> VoiceResponse:
    """<Pay>: Twilio collects the card or bank digits (PCI mode) and sends them to the pay
    connector; the app only ever sees the result, a token and a masked number. A charge
    carries Payline's reference as <Parameter name="payline_reference">, which Twilio hands
    to the connector ("parameters" of the Generic Pay Connector request), so the processor's
    charge can be found again if the <Pay> result never arrives. A tokenizing <Pay> (charge
    amount "0") asks for `spec.token_type`: a reusable token, or with Twilio's Stripe Pay
    Connector a Stripe PaymentMethod that Payline then charges itself."""
    response = VoiceResponse()
    _speak(response, before, language)
    attributes: dict[str, object] = {
        "action": action,
        "payment_connector": connector,
        "payment_method": spec.method,
        "charge_amount": spec.charge_amount,
        "currency": "usd",
        "description": spec.description,
        "input": "dtmf",
        "timeout": 10,
        "max_attempts": 3,
        "language": voice_for(language).language,
        "status_callback": status_callback,
    }
    if spec.method == "ach-debit":
        attributes["bank_account_type"] = "consumer-checking"
    else:
        attributes.update(security_code=True, postal_code=True)
    if spec.charge_amount == "0":
        attributes["token_type"] = spec.token_type
    verb = response.pay(**attributes)
    if spec.reference:
        verb.parameter(name=PAYLINE_REFERENCE, value=spec.reference)
    return response


def transfer(before: Sequence[Line], language: str, number: str, whisper_url: str,
             action: str, caller_id: str | None = None) -> VoiceResponse:
    """<Dial> 311; the agent first hears a one-sentence summary (whisper) of why."""
    response = VoiceResponse()
    _speak(response, before, language)
    dial = response.dial(action=action, method="POST", timeout=30, caller_id=caller_id)
    dial.number(number, url=whisper_url, method="POST")
    return response


def whisper(summary: str) -> VoiceResponse:
    """What the agent hears before being connected (in English, the agents' language)."""
    response = VoiceResponse()
    response.say(summary, voice=voice_for("en").name, language="en-US")
    return response


def goodbye(before: Sequence[Line], language: str) -> VoiceResponse:
    response = VoiceResponse()
    _speak(response, before, language)
    response.hangup()
    return response


def redirect(url: str) -> VoiceResponse:
    response = VoiceResponse()
    response.redirect(url, method="POST")
    return response


def empty() -> VoiceResponse:
    return VoiceResponse()
