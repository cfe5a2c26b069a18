"""JSON request bodies read safely: a body that is not JSON, not UTF-8, or nested deeper than
any real request is simply unreadable (None), never an exception.

`json.loads` raises RecursionError (not ValueError) on deep nesting such as 5,000 `[`s, which
fits in a 16 KB body; and a merely deep value that parses can still blow the stack of whatever
walks it later (`str()` of it, a validator). So the nesting is measured before parsing, on the
text with its strings removed, and anything deeper than MAX_DEPTH is refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Our JSON APIs (web chat, the pay connector) take flat objects; 20 levels is generous.
MAX_DEPTH = 20
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def load_json(raw: bytes | str) -> Any | None:
    """The JSON value of `raw`, or None when it is not JSON, not UTF-8 or too deep."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if nesting(data) > MAX_DEPTH:
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # not JSON, not UTF-8 (UnicodeDecodeError), deep
        return None


def load_json_object(raw: bytes | str) -> dict[str, Any] | None:
    """Like load_json, for bodies that must be one JSON object."""
    value = load_json(raw)
    return value if isinstance(value, dict) else None


def nesting(data: bytes) -> int:
    """How deeply arrays and objects nest in `data` (brackets inside strings not counted)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", data)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest
