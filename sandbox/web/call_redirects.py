"""POST /sandbox/calls/redirect: how the phone simulator learns that a 311 agent redirected
its live call, when the app plays Twilio's Calls API itself (PAYLINE_CALL_CONTROL=sandbox).

With real Twilio a redirect reaches the call inside Twilio. Offline, SandboxCallControl queues
it and the simulated call (`payline call`), while with the agent, asks here for its CallSid:
200 with {"url", "method"} hands over the next redirect (each once), 204 means none yet, 404
means this app does not use the sandbox call control (there is nothing to wait for). Signed
with the Twilio auth token like a webhook, so only the simulator (or Twilio's token holder)
can take a call's redirect.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from ivr.web.twilio_signature import twilio_signed
from sandbox.call_redirects import SandboxCallControl

sandbox_calls = Blueprint("sandbox_calls", __name__, url_prefix="/sandbox/calls")

MAX_CALL_SID = 64


@sandbox_calls.post("/redirect")
@twilio_signed
def redirect() -> Response | tuple[Response, int]:
    control = current_app.extensions["payline"].call_control()
    if not isinstance(control, SandboxCallControl):
        return jsonify(error="not_found",
                       message="This app does not use the sandbox call control."), 404
    call_sid = (request.form.get("CallSid") or "").strip()
    if not call_sid or len(call_sid) > MAX_CALL_SID:
        return jsonify(error="invalid_request", message="CallSid is required."), 400
    claimed = control.claim(call_sid)
    if claimed is None:
        return Response(status=204)
    url, method = claimed
    # The URL carries a transfer ticket: never cached by anything on the way.
    response = jsonify(url=url, method=method)
    response.headers["Cache-Control"] = "no-store"
    return response
