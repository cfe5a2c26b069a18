"""ivr/web/json_body.py: request JSON that is not JSON, not UTF-8 or absurdly nested is
unreadable (None), never an exception (json.loads raises RecursionError on deep nesting)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.web.json_body import MAX_DEPTH, load_json, load_json_object, nesting


@pytest.mark.parametrize(("raw", "depth"), [
    (b"1", 0), (b"[]", 1), (b'{"a": [1, {"b": []}]}', 4), (b'"[[[[{{"', 0),
    (b'{"a": "]]]", "b": [[2]]}', 3), (b'["\\"[[[", [3]]', 2),
])
def test_nesting_ignores_brackets_inside_strings(raw: bytes, depth: int) -> None:
    assert nesting(raw) == depth


@pytest.mark.parametrize("raw", [
    b"[" * 100_000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode(),
])
def test_too_deep_is_unreadable(raw: bytes) -> None:
    assert load_json(raw) is None


def test_the_deepest_allowed_is_read() -> None:
    raw = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_json(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", [b"", b"{", b"\xff\xfe", b"nope", b'{"a": 1}}', "\ud800"])
def test_not_json_is_unreadable(raw: bytes | str) -> None:
    assert load_json(raw) is None


def test_only_objects_are_objects() -> None:
    assert load_json_object(b'{"message": "hi"}') == {"message": "hi"}
    assert load_json_object(b'["message"]') is None
    assert load_json_object(b"null") is None


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                    max_leaves=40))
def test_shallow_json_round_trips(value: object) -> None:
    raw = json.dumps(value)
    if nesting(raw.encode()) <= MAX_DEPTH:
        assert load_json(raw) == value
    else:
        assert load_json(raw) is None


@given(st.binary(max_size=300))
def test_any_bytes_get_an_answer(raw: bytes) -> None:
    load_json(raw)  # never raises
