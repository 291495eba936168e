"""Zoho token answers as data, table by table: lifetimes, margins, redaction, error bodies."""

from __future__ import annotations

import math

import pytest

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http.response import Response
from mdmkit.manageengine.tokens import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    expires_at,
    lifetime_of,
    make_token,
    read_answer,
    redact,
    redacted_excerpt,
    refresh_margin,
    token_error_detail,
    token_lifetime,
)

ZOHO_TOKEN = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"


@pytest.mark.parametrize(
    ("answer", "seconds"),
    [
        ({"expires_in": 3600}, 3600),
        ({"expires_in_sec": 3600, "expires_in": 3600000}, 3600),  # the older format
        ({"expires_in_sec": 2, "expires_in": 2000}, 2),
        ({"expires_in_sec": None, "expires_in": 3600000}, DEFAULT_LIFETIME),
        ({}, DEFAULT_LIFETIME),
        ({"expires_in": None}, DEFAULT_LIFETIME),
        ({"expires_in": "3600"}, 3600),  # a number sent as a string
        ({"expires_in": 0.5}, 0.5),
        ({"expires_in": 3600000}, MAX_LIFETIME),  # milliseconds alone: cut to a day
        ({"expires_in": 1e300}, MAX_LIFETIME),
        ({"expires_in": 10**400}, MAX_LIFETIME),  # an int no float can hold
    ],
)
def test_token_lifetime(answer: dict[str, object], seconds: float) -> None:
    assert token_lifetime(answer) == seconds


@pytest.mark.parametrize(
    "value",
    [math.inf, -math.inf, math.nan, -5, 0, -(10**400), True, "soon", "", " 12 ", "1e3", [], {}],
)
def test_a_token_lifetime_that_is_not_a_positive_number_is_refused(value: object) -> None:
    with pytest.raises(ResponseFormatError, match="expires_in is not a positive number"):
        token_lifetime({"expires_in": value})


@pytest.mark.parametrize(
    ("lifetime", "leeway", "margin"),
    [
        (3600, 300, 300),  # an hour: renewed five minutes early, as before
        (600, 300, 60),  # ten minutes: a tenth
        (2, 300, 0.2),
        (3600, 0, 0),
        (0, 300, 0),
    ],
)
def test_refresh_margin_fits_the_lifetime(lifetime: float, leeway: float, margin: float) -> None:
    assert refresh_margin(lifetime, leeway) == pytest.approx(margin)


def test_make_token_keeps_the_lifetime_in_seconds_and_when_it_was_minted() -> None:
    token = make_token({"access_token": "a", "expires_in_sec": 2, "expires_in": 2000}, 10.5)
    assert (token["expires_in"], token["minted_at"], token["expires_at"]) == (2, 10.5, 12)
    assert "expires_in_sec" not in token


@pytest.mark.parametrize(
    ("stored", "at", "lifetime"),
    [
        ({"minted_at": 10.5, "expires_in": 2.0, "expires_at": 12}, 12.5, 2.0),
        ({"expires_at": 4600, "expires_in": 3600}, 4600.0, 3600.0),  # stored before minted_at
        ({"expires_at": 4600}, 4600.0, None),
        ({"expires_at": "soon", "expires_in": True}, None, None),
        ({}, None, None),
    ],
)
def test_when_a_stored_token_expires(
    stored: dict[str, object], at: float | None, lifetime: float | None
) -> None:
    assert (expires_at(stored), lifetime_of(stored)) == (at, lifetime)


@pytest.mark.parametrize(
    "text",
    [
        f'{{"access_token":"{ZOHO_TOKEN}","expires_in":3600}}garbage',
        f'{{"access_token": "{ZOHO_TOKEN[:12]}',  # cut off inside the token
        f"access_token={ZOHO_TOKEN}&x=1",
        f'{{"refresh_token": "{ZOHO_TOKEN}"}}',
        '{"client_secret": "s3cr3t"}',
        f'{{"token": "{ZOHO_TOKEN}"}}',  # under an unknown name: its shape gives it away
    ],
)
def test_redact_hides_token_shaped_values(text: str) -> None:
    shown = redact(text)
    assert ZOHO_TOKEN[:12] not in shown
    assert "s3cr3t" not in shown
    assert "<redacted>" in shown


def test_redact_keeps_the_words() -> None:
    text = '{"error": "Access Denied", "api_domain": "https://www.zohoapis.com"}'
    assert redact(text) == text


def test_redacted_excerpt_redacts_before_cutting() -> None:
    body = b'{"pad": "' + b"x" * 180 + b'", "access_token": "' + ZOHO_TOKEN.encode() + b'"}'
    shown = redacted_excerpt(body)
    assert ZOHO_TOKEN[:8] not in shown
    assert len(shown) <= 203


def answer(body: bytes, status: int = 200) -> Response:
    return Response(
        status=status, headers={}, body=body, method="POST", url="https://a.example/oauth/v2/token"
    )


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'"text"', b"[" * 5000 + b"]" * 5000, b'{"a": 1} trailing'],
)
def test_read_answer_wants_one_json_object(body: bytes) -> None:
    with pytest.raises(ResponseFormatError, match="did not answer with a JSON object") as info:
        read_answer(answer(body))
    assert info.value.__context__ is None


def test_read_answer() -> None:
    assert read_answer(answer(b'{"access_token": "a"}')) == {"access_token": "a"}


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        (b'{"error": "invalid_code"}', "invalid_code", "invalid_code"),
        (b'{"error": "x", "error_description": "why"}', "why", "x"),
        (b'{"error": 5}', "{", None),  # not Zoho's shape: the excerpt
        (b"<html>busy</html>", "<html>busy</html>", None),
        (b"", "HTTP 503", None),
        (b"[" * 5000, "[[[", None),
        (f'{{"access_token": "{ZOHO_TOKEN}"}}'.encode(), '{"access_token": "<redacted>"}', None),
    ],
)
def test_token_error_detail(body: bytes, message: str, code: str | None) -> None:
    detail = token_error_detail(503, {}, body)
    assert detail.message.startswith(message)
    assert detail.code == code
