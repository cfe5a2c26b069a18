"""The floor for `payline benchmark-calls`: the least a Flask app on waitress can do per turn.

One POST route returns a fixed TwiML document (a <Say> inside a <Gather>, about the size of a
Payline menu) with no database, no session and no template. It does NOT check the Twilio
signature: it is a yardstick, never a webhook to point Twilio at. Served by the same command as
the app, so the two measurements differ only in what the view does:

    waitress-serve --host 127.0.0.1 --port 5099 --threads 8 \\
        --call sandbox.benchmarks.floor:create_floor_app
"""

from __future__ import annotations

from flask import Flask, Response

FLOOR_PATH = "/floor"

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    "<Response>"
    '<Gather input="dtmf speech" action="/floor" timeout="5" numDigits="1" language="en-US">'
    '<Say language="en-US">Main menu. For your balance, press 1. To pay now, press 2. To '
    "schedule a payment, press 3. To review or cancel a scheduled payment, press 4. For "
    "paperless billing, press 5. To speak with a 311 agent, press 0. To hear these options "
    "again, press 9. You can also tell me what you need.</Say>"
    "</Gather>"
    "<Redirect>/floor</Redirect>"
    "</Response>"
)


def create_floor_app() -> Flask:
    """The floor app: waitress's `--call` target."""
    app = Flask(__name__)

    @app.post(FLOOR_PATH)
    def floor() -> Response:
        return Response(TWIML, mimetype="text/xml")

    return app
