"""What every call to Twilio's REST API reads from an answer: its JSON body and error code."""

from __future__ import annotations

import requests


def answer_json(response: requests.Response) -> dict[str, object]:
    """The answer's JSON object; {} for anything else (an HTML error page from a proxy)."""
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def error_code(answer: dict[str, object]) -> int | None:
    """Twilio's error code (a number; tolerated as a string), if the answer has one."""
    value = answer.get("code")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
