"""The SMS simulator (`payline text`) against a small fake SMS app.

The fake app's /sms webhooks are guarded by ivr.web.twilio_signature.twilio_signed (403 unless
signed for the app's PAYLINE_PUBLIC_URL), so every reply here also proves the simulator signs
like Twilio.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask, Response, request

from ivr.cli.main import main
from ivr.settings import ChannelSettings
from ivr.web.twilio_signature import twilio_signed
from sandbox.cli import text as cli_text
from sandbox.simulators.phone import (
    DEFAULT_CALLED,
    DEFAULT_CALLER,
    AppUnreachable,
    FlaskTransport,
    HttpTransport,
    SimulatorError,
)
from sandbox.simulators.text import MAX_REDIRECTS, MEDIA_OMITTED, TextThread, sms_segments
from tests.http_support import closed_port, served

PUBLIC = "https://payline.example.org"
TOKEN = "fake-sms-auth-token"
ACCOUNT_SID = "AC" + "2" * 32
RESIDENT = "+13125550142"
AGENT = "+13125550199"
CARD = "4242424242424242"
SID = re.compile(r"SM[0-9a-f]{32}")
TWILIO_KEYS = {"MessageSid", "SmsSid", "SmsMessageSid", "AccountSid", "From", "To", "Body",
               "NumMedia", "NumSegments", "SmsStatus", "ApiVersion", "FromCountry",
               "ToCountry"}
HELP_FIRST = "Payline: BAL for your balance, PAY to pay."
HELP_SECOND = "Reply STOP to stop texts."
LONG_REPLY = ("Your balance is $146.57, of which $84.17 is past due. To pay it now by card, "
              "open https://payline.example.org/pay/tok_abcdefghijklmnopqrstuvwxyz0123456789 "
              "within 15 minutes, or reply PAY to pay with your saved card.")


# --- the fake SMS app ---------------------------------------------------------------------------


def twiml(body: str = "", status: int = 200) -> Response:
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
                    status=status, mimetype="text/xml")


def make_app(public_url: str = PUBLIC) -> Flask:
    app = Flask("fake_sms")
    app.extensions["payline.channels"] = ChannelSettings.from_env({
        "PAYLINE_PUBLIC_URL": public_url, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID})
    hits: list[tuple[str, dict[str, str]]] = []
    app.extensions["hits"] = hits
    handled: dict[str, int] = {}  # MessageSid -> how often the app saw it

    @app.post("/sms")
    @twilio_signed
    def sms() -> Response | tuple[str, int]:
        form = request.form.to_dict()
        hits.append((request.path, form))
        handled[form["MessageSid"]] = handled.get(form["MessageSid"], 0) + 1
        word = form["Body"].strip().upper()
        if word == "HELP":
            return twiml(f"<Message>{HELP_FIRST}</Message>"
                         f"<Message><Body>{HELP_SECOND}</Body></Message>")
        if word == "STOP":
            return twiml()
        if word == "PAY":
            # A retry of a text already acted on is answered again, not acted on again.
            again = handled[form["MessageSid"]] > 1
            return twiml(f"<Message>{'Already paid.' if again else 'Paid.'}</Message>")
        if word == "BOOM":
            return f"Traceback: card {CARD} declined", 500
        if word == "HTML":
            return "<html><body>Not found</body></html>", 200
        if word == "MOVE":
            return twiml("<Message>Moving you.</Message><Redirect>/sms/next</Redirect>"
                         "<Message>Never sent.</Message>")
        if word == "LOOP":
            return twiml("<Redirect>/sms/loop</Redirect>")
        if word == "RECEIPT":
            return twiml("<Message>\n  <Body>Your receipt</Body>\n  "
                         "<Media>https://example.org/r.png</Media>\n</Message>"
                         "<Message><Media>https://example.org/r.pdf</Media></Message>")
        if word == "AGENT":
            return twiml(f'<Message to="{AGENT}">Resident asks for a call back.</Message>'
                         "<Message>An agent will call you.</Message><Say>Hello</Say>")
        if word == "LONG":
            return twiml(f"<Message>{LONG_REPLY}</Message>")
        if word == "LEAK":
            return twiml(f"<Message>We got card {CARD}.</Message>")
        return twiml(f"<Message>You said: {form['Body']} ({form['NumSegments']} segments)"
                     "</Message>")

    @app.post("/sms/next")
    @twilio_signed
    def sms_next() -> Response:
        hits.append((request.path, request.form.to_dict()))
        return twiml("<Message>Here now.</Message>")

    @app.post("/sms/loop")
    @twilio_signed
    def sms_loop() -> Response:
        hits.append((request.path, request.form.to_dict()))
        return twiml("<Redirect>/sms/loop</Redirect>")

    return app


def hits_of(app: Flask) -> list[tuple[str, dict[str, str]]]:
    hits: list[tuple[str, dict[str, str]]] = app.extensions["hits"]
    return hits


@pytest.fixture
def app() -> Flask:
    return make_app()


def thread_for(app: Flask, auth_token: str | None = None) -> tuple[TextThread, list[str]]:
    lines: list[str] = []
    thread = TextThread(FlaskTransport(app), sender=RESIDENT, echo=lines.append,
                        auth_token=auth_token)
    return thread, lines


# --- the engine -------------------------------------------------------------------------------


def test_a_text_posts_twilios_parameters_signed_for_the_public_url(app: Flask) -> None:
    thread, _ = thread_for(app)
    assert thread.send("hello") == ["You said: hello (1 segments)"]
    [(path, form)] = hits_of(app)  # only a validly signed request reaches the view
    assert path == "/sms"
    assert TWILIO_KEYS <= set(form)
    assert "MessagingServiceSid" not in form
    assert SID.fullmatch(form["MessageSid"])
    assert form["SmsSid"] == form["SmsMessageSid"] == form["MessageSid"]
    assert (form["From"], form["To"], form["Body"]) == (RESIDENT, DEFAULT_CALLED, "hello")
    assert (form["AccountSid"], form["NumMedia"], form["SmsStatus"], form["ApiVersion"]) == (
        ACCOUNT_SID, "0", "received", "2010-04-01")
    assert form["FromCountry"] == form["ToCountry"] == "US"
    assert thread.transcript.requests == [(PUBLIC + "/sms", form)]


def test_a_wrong_token_gets_the_apps_403_and_no_reply(app: Flask) -> None:
    thread, lines = thread_for(app, auth_token="not-the-apps-token")
    assert thread.send("hello") == []
    assert hits_of(app) == []
    assert thread.transcript.errors and "HTTP 403" in thread.transcript.errors[0]
    assert "PAYLINE_PUBLIC_URL" in lines[-1]


def test_each_text_gets_a_new_message_sid_and_a_retry_reuses_it(app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send("PAY") == ["Paid."]
    assert thread.resend_last() == ["Already paid."]
    thread.send("PAY")
    first, retry, second = (form for _, form in hits_of(app))
    assert retry == first  # the very same request, MessageSid included
    assert second["MessageSid"] != first["MessageSid"]
    assert SID.fullmatch(second["MessageSid"])
    assert thread.last_message_sid == second["MessageSid"]
    assert f"[Twilio retries {first['MessageSid']}: the same text again" in "\n".join(lines)
    assert thread.transcript.sent == ["PAY", "PAY"]
    assert thread.transcript.deliveries == 3


def test_nothing_to_retry_before_the_first_text(app: Flask) -> None:
    thread, _ = thread_for(app)
    with pytest.raises(SimulatorError):
        thread.resend_last()
    assert hits_of(app) == []


def test_two_messages_text_and_body_forms_arrive_in_order(app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send("help") == [HELP_FIRST, HELP_SECOND]
    assert lines == ["you> help", f"Payline> {HELP_FIRST}", f"Payline> {HELP_SECOND}"]


def test_an_empty_response_is_no_reply(app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send("STOP") == []
    assert lines[-1] == "[no reply]"
    assert thread.transcript.errors == []


def test_a_redirect_is_followed_with_the_same_parameters_and_ends_the_document(
        app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send("MOVE") == ["Moving you.", "Here now."]
    (first_path, first), (next_path, following) = hits_of(app)
    assert (first_path, next_path) == ("/sms", "/sms/next")
    assert following == first
    assert [url for url, _ in thread.transcript.requests] == [PUBLIC + "/sms",
                                                              PUBLIC + "/sms/next"]
    assert "[redirect to /sms/next]" in lines


def test_a_redirect_loop_stops(app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send("LOOP") == []
    assert len(hits_of(app)) == 1 + MAX_REDIRECTS
    assert "a <Redirect> loop?" in lines[-1]
    assert len(thread.transcript.errors) == 1


def test_an_application_error_is_reported_without_card_digits(app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send("BOOM") == []
    [error] = thread.transcript.errors
    assert error.startswith("[the app answered HTTP 500 to POST /sms: Traceback: card ")
    assert "Twilio sends no reply" in error
    assert CARD not in "\n".join(lines)


def test_an_answer_that_is_not_twiml_is_reported(app: Flask) -> None:
    thread, _ = thread_for(app)
    assert thread.send("HTML") == []
    [error] = thread.transcript.errors
    assert "HTTP 200 to POST /sms with something that is not TwiML" in error


def test_media_is_omitted_and_said_so(app: Flask) -> None:
    thread, _ = thread_for(app)
    assert thread.send("RECEIPT") == [f"Your receipt {MEDIA_OMITTED}", MEDIA_OMITTED]
    assert [m.media for m in thread.transcript.messages] == [1, 1]


def test_a_message_to_someone_else_is_not_a_reply_to_the_sender(app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send("AGENT") == ["An agent will call you."]
    forwarded = thread.transcript.messages[0]
    assert (forwarded.to, forwarded.from_) == (AGENT, DEFAULT_CALLED)
    assert f"Payline (to {AGENT})> Resident asks for a call back." in lines
    assert "[<Say> is not messaging TwiML; skipped]" in lines


def test_printed_text_never_shows_card_digits_but_the_transcript_keeps_them(
        app: Flask) -> None:
    thread, lines = thread_for(app)
    assert thread.send(f"my card is {CARD}") == [
        f"You said: my card is {CARD} (1 segments)"]
    assert thread.send("LEAK") == [f"We got card {CARD}."]  # tests can catch the leak
    printed = "\n".join(lines)
    assert CARD not in printed
    assert printed.count("[card number removed]") == 3


def test_num_segments_posted_for_long_and_unicode_texts(app: Flask) -> None:
    thread, _ = thread_for(app)
    thread.send("a" * 200)                      # GSM-7: 153 + 47
    thread.send("Gracias 👍 " + "b" * 90)        # 100 characters, one emoji: UCS-2, 67 + 34
    thread.send("👍" * 100)                      # 200 UTF-16 units, 33 emoji a part
    assert [form["NumSegments"] for _, form in hits_of(app)] == ["2", "2", "4"]


@pytest.mark.parametrize(("body", "segments"), [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("€" * 80, 1),                   # extension characters take two septets: 160
    ("€" * 81, 2),
    ("a" * 152 + "€" + "a" * 10, 2),  # the € does not fit in part one's last septet
    ("Lucía" + "a" * 65, 1),          # í is not GSM-7: UCS-2, 70 fits
    ("Lucía" + "a" * 66, 2),
    ("ñü@£ÄÖ¿¡" + "a" * 152, 1),      # all in the GSM-7 alphabet
    ("😀" * 35, 1),
    ("😀" * 36, 2),
])
def test_sms_segments(body: str, segments: int) -> None:
    assert sms_segments(body) == segments


# --- transports -------------------------------------------------------------------------------


@pytest.fixture
def served_app() -> Iterator[tuple[Flask, str]]:
    app = make_app()
    with served(app) as base:
        yield app, base


def test_http_transport_signs_for_the_public_url_and_delivers_to_the_server(
        served_app: tuple[Flask, str]) -> None:
    app, base = served_app
    thread = TextThread(HttpTransport(base), public_url=PUBLIC, auth_token=TOKEN)
    assert thread.send("HELP") == [HELP_FIRST, HELP_SECOND]
    assert hits_of(app)[0][1]["From"] == DEFAULT_CALLER


def test_nothing_listening_raises_app_unreachable() -> None:
    thread = TextThread(HttpTransport(f"http://127.0.0.1:{closed_port()}", timeout=2))
    with pytest.raises(AppUnreachable):
        thread.send("HELP")


# --- the CLI ----------------------------------------------------------------------------------


@pytest.fixture
def payline(monkeypatch: pytest.MonkeyPatch, app: Flask) -> Iterator[tuple[CliRunner, Flask]]:
    monkeypatch.setattr(cli_text, "_build_app", lambda: app)
    monkeypatch.delenv("PAYLINE_PUBLIC_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    yield CliRunner(), app


def test_cli_messages_are_sent_in_order_and_replies_printed(
        payline: tuple[CliRunner, Flask]) -> None:
    runner, app = payline
    result = runner.invoke(main, ["text", "--in-process", "--from", "312-555-0142",
                                  "-m", "HELP", "--message", "STOP", "-m", "PAY"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"[texting {DEFAULT_CALLED} from {RESIDENT}: each text is POSTed to {PUBLIC}/sms]",
        "you> HELP", f"Payline> {HELP_FIRST}", f"Payline> {HELP_SECOND}",
        "you> STOP", "[no reply]",
        "you> PAY", "Payline> Paid.",
    ]
    assert [form["Body"] for _, form in hits_of(app)] == ["HELP", "STOP", "PAY"]
    assert {form["From"] for _, form in hits_of(app)} == {RESIDENT}


def test_cli_interactive_thread_with_a_retry(payline: tuple[CliRunner, Flask]) -> None:
    runner, app = payline
    result = runner.invoke(main, ["text", "--in-process"],
                           input="/retry\nPAY\n\n/retry\nhello there\n/quit\nnever sent\n",
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert cli_text.INTERACTIVE_HELP in " ".join(result.output.split())
    assert "[nothing to retry yet]" in result.output
    assert result.output.count("you> ") == 6  # one prompt per line typed before /quit
    assert "Payline> Paid." in result.output and "Payline> Already paid." in result.output
    assert "Payline> You said: hello there (1 segments)" in result.output
    bodies = [form["Body"] for _, form in hits_of(app)]
    assert bodies == ["PAY", "PAY", "hello there"]
    sids = [form["MessageSid"] for _, form in hits_of(app)]
    assert sids[0] == sids[1] != sids[2]


def test_cli_interactive_ends_at_end_of_input(payline: tuple[CliRunner, Flask]) -> None:
    runner, app = payline
    result = runner.invoke(main, ["text", "--in-process"], input="HELP\n",
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Payline> {HELP_SECOND}" in result.output
    assert len(hits_of(app)) == 1


def test_cli_wraps_long_replies_under_the_prefix_and_keeps_links_whole(
        payline: tuple[CliRunner, Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    runner, _ = payline
    monkeypatch.setenv("COLUMNS", "61")
    result = runner.invoke(main, ["text", "--in-process", "-m", "LONG"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    reply = result.output.split("you> LONG\n", 1)[1].splitlines()
    assert reply[0].startswith("Payline> Your balance")
    assert len(reply) > 2
    assert all(line.startswith(" " * len("Payline> ")) for line in reply[1:])
    link = "https://payline.example.org/pay/tok_abcdefghijklmnopqrstuvwxyz0123456789"
    assert any(line.strip() == link for line in reply)  # longer than a line, never split
    assert all(len(line) <= 60 for line in reply if link not in line)
    assert " ".join(" ".join(reply)[len("Payline> "):].split()) == LONG_REPLY


def test_cli_exits_1_when_a_text_gets_an_error(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    result = runner.invoke(main, ["text", "--in-process", "-m", "HELP", "-m", "BOOM"])
    assert result.exit_code == 1
    assert "[the app answered HTTP 500 to POST /sms" in result.output
    assert CARD not in result.output
    assert result.stderr.strip() == (f"Error: Payline at {PUBLIC} did not answer 1 of 2 texts "
                                     "with TwiML (see above).")


def test_cli_app_without_an_sms_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_text, "_build_app", lambda: Flask("no_sms"))
    result = CliRunner().invoke(main, ["text", "--in-process", "-m", "HELP"])
    assert result.exit_code == 1
    assert "[the app answered HTTP 404 to POST /sms" in result.output
    assert result.stderr.strip().endswith("Is its SMS webhook (/sms) installed?")


def test_cli_cannot_reach_the_app(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    url = f"http://127.0.0.1:{closed_port()}"
    result = runner.invoke(main, ["text", "--url", url, "-m", "HELP"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: Could not reach Payline at {url} — is `make run` "
                                     "running? (or use --in-process)")


def test_cli_signs_for_payline_public_url_over_http(
        served_app: tuple[Flask, str], monkeypatch: pytest.MonkeyPatch) -> None:
    app, base = served_app
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.delenv("PAYLINE_PUBLIC_URL", raising=False)
    unsigned = CliRunner().invoke(main, ["text", "--url", base, "-m", "HELP"])
    assert unsigned.exit_code == 1  # signed for --url, but the app expects its public URL
    assert "HTTP 403" in unsigned.output and hits_of(app) == []

    monkeypatch.setenv("PAYLINE_PUBLIC_URL", PUBLIC)
    result = CliRunner().invoke(main, ["text", "--url", base, "-m", "HELP"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"Payline> {HELP_FIRST}" in result.output
    assert f"to {base}/sms, signed for {PUBLIC}/sms]" in " ".join(result.output.split())


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "12"], "Error: --from must be a phone number, e.g. 312-555-0101."),
    (["--to", "call me"], "Error: --to must be a phone number, e.g. 312-555-0101."),
    (["-m", " "], "Error: -m/--message must not be empty: a phone does not send an empty "
                  "text."),
])
def test_cli_rejects_bad_options(payline: tuple[CliRunner, Flask], args: list[str],
                                 message: str) -> None:
    runner, app = payline
    result = runner.invoke(main, ["text", "--in-process", *args])
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert hits_of(app) == []


def test_wrap_line_keeps_paragraphs_and_short_lines() -> None:
    assert cli_text.wrap_line("Payline> one\ntwo", 40) == "Payline> one\n         two"
    assert cli_text.wrap_line("[no reply]", 40) == "[no reply]"
    assert cli_text.wrap_line("Payline (to +13125550199)> hi", 40) == (
        "Payline (to +13125550199)> hi")
