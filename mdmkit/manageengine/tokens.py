"""Zoho token answers read as data: lifetimes, refresh margins, refusals, redacted excerpts.

Every function here is pure (a mapping or bytes in, a token, an error or text out), so each
rule is tested table by table without a server. ``auth.py`` sends the requests.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749 import errors as oauth_errors

from mdmkit.core.errors import OAuthError, RateLimitError, ResponseFormatError
from mdmkit.http import jsonbody
from mdmkit.http.response import ErrorDetail, Response

__all__ = [
    "DEFAULT_LIFETIME",
    "MAX_LIFETIME",
    "REFRESH_FRACTION",
    "TokenRateLimitError",
    "make_token",
    "read_answer",
    "redact",
    "refresh_margin",
    "token_error",
    "token_error_detail",
    "token_lifetime",
]

DEFAULT_LIFETIME = 3600.0
"""Seconds a token lives when the answer gives no lifetime (Zoho's tokens live an hour)."""
MAX_LIFETIME = 86400.0
"""The longest lifetime believed; a longer one (milliseconds read as seconds?) is cut to it."""
REFRESH_FRACTION = 0.1
"""A token is renewed when less than this share of its lifetime (at most the leeway) is left."""

_HEADER_SAFE = re.compile(r"[\x21-\x7e]{1,4096}")
_SECRET_FIELD = re.compile(
    r"""(["']?(?:access_token|refresh_token|id_token|client_secret)["']?\s*[:=]\s*["']?)"""
    r"""[^"'&,\s}]*""",
    re.IGNORECASE,
)
_TOKEN_RUN = re.compile(r"[A-Za-z0-9._~+/=-]{20,}")
REDACTED = "<redacted>"


class TokenRateLimitError(OAuthError, RateLimitError):
    """Zoho refused to mint ("Access Denied": too many token requests); wait ``retry_after``."""


def redact(text: str) -> str:
    """``text`` with token-shaped values replaced: secret fields and long runs holding digits."""
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + REDACTED, text)
    return _TOKEN_RUN.sub(
        lambda m: REDACTED if any(c.isdigit() for c in m.group()) else m.group(), text
    )


def redacted_excerpt(body: bytes, limit: int = 200) -> str:
    """The start of a token endpoint's body for an error message, secrets redacted first."""
    text = redact(body[: limit * 10].decode("utf-8", errors="replace"))
    return text[:limit] + ("..." if len(text) > limit or len(body) > limit * 10 else "")


def token_lifetime(data: Mapping[str, Any]) -> float:
    """Seconds the answered token lives: ``expires_in_sec`` when given, else ``expires_in``.

    Zoho's older answers carry ``expires_in_sec`` in seconds beside ``expires_in`` in
    milliseconds. No lifetime at all means an hour; one that is not a positive finite number
    is a ResponseFormatError; one above a day is cut to a day.
    """
    field = "expires_in_sec" if "expires_in_sec" in data else "expires_in"
    if field not in data or data[field] is None:
        return DEFAULT_LIFETIME
    value = data[field]
    number = math.nan
    if isinstance(value, int) and not isinstance(value, bool):
        number = float(max(min(value, 10**15), -1))  # an int too large for a float is huge
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,6})?", value):
        number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ResponseFormatError(
            f"the Zoho token answer's {field} is not a positive number of seconds",
            excerpt=repr(value)[:40],
        )
    return min(number, MAX_LIFETIME)


def refresh_margin(lifetime: float, leeway: float) -> float:
    """How long before expiry a token is renewed: ``leeway``, or a tenth of a short lifetime."""
    return max(0.0, min(leeway, lifetime * REFRESH_FRACTION))


def make_token(
    data: Mapping[str, Any], now: float, *, keep_refresh_token: bool = False
) -> OAuth2Token:
    """An authlib OAuth2Token from a token answer, expiring on our clock, not time.time().

    ``expires_in`` is kept in seconds and ``minted_at`` records ``now``; an access token
    that is blank or holds characters a header cannot carry is a ResponseFormatError.
    """
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise ResponseFormatError("the Zoho token response has no access_token")
    if not _HEADER_SAFE.fullmatch(access):
        raise ResponseFormatError(
            "the Zoho token response's access_token is not a usable token (blank, too long, "
            "or holding characters an HTTP header cannot carry)"
        )
    lifetime = token_lifetime(data)
    token = {
        key: value
        for key, value in data.items()
        if (key != "refresh_token" or keep_refresh_token) and key != "expires_in_sec"
    }
    token["expires_in"] = lifetime
    token["minted_at"] = now
    token["expires_at"] = int(now + lifetime)
    return OAuth2Token(token)


def expires_at(token: Mapping[str, Any]) -> float | None:
    """When a stored token expires, to the fraction of a second when it says when it was minted."""
    minted, lifetime = token.get("minted_at"), token.get("expires_in")
    if _number(minted) and _number(lifetime):
        return float(minted) + float(lifetime)  # type: ignore[arg-type]
    at = token.get("expires_at")
    return float(at) if _number(at) else None  # type: ignore[arg-type]


def lifetime_of(token: Mapping[str, Any]) -> float | None:
    """The lifetime a stored token was minted with, when it says."""
    lifetime = token.get("expires_in")
    return float(lifetime) if _number(lifetime) else None  # type: ignore[arg-type]


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def read_answer(response: Response) -> dict[str, Any]:
    """The JSON object a token endpoint answered; anything else is a ResponseFormatError.

    The error's excerpt is redacted (a broken answer may still hold a token) and chains
    nothing, so no secret is reachable from it.
    """
    data: Any = None
    try:
        data = response.json()
    except (ResponseFormatError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise ResponseFormatError(
            "the Zoho accounts server did not answer with a JSON object",
            status=response.status,
            excerpt=redacted_excerpt(response.body),
            url=response.url,
        )
    return data


def token_error_detail(status: int, headers: Mapping[str, str], body: bytes) -> ErrorDetail:
    """The error parser of the token endpoint: Zoho's ``error`` and ``error_description``."""
    try:
        data = jsonbody.loads(body) if body.strip() else None
    except ValueError:  # jsonbody's InvalidJSONError is one
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        described = data.get("error_description")
        message = described if isinstance(described, str) and described else data["error"]
        return ErrorDetail(redact(message), redact(data["error"]))
    return ErrorDetail(redacted_excerpt(body) if body.strip() else f"HTTP {status}")


def token_error(
    data: Mapping[str, Any], status: int, accounts_url: str, *, cooldown: float
) -> OAuthError:
    """The typed error for a refused token request (Zoho may refuse with HTTP 200)."""
    url = accounts_url + "/oauth/v2/token"
    code = _rfc6749_text(redact(str(data.get("error") or "")))[:100] or f"HTTP {status}"
    described = _rfc6749_text(redact(str(data.get("error_description") or "")))[:300]
    cause: Exception
    if code.lower() in ("access denied", "access_denied") or "too many requests" in described:
        error: OAuthError = TokenRateLimitError(
            "Zoho refused to mint a token: 'Access Denied' (more than 10 token requests in "
            f"10 minutes); no token request will be sent for {cooldown:.0f}s",
            error=code,
            status=429,
            retry_after=cooldown,
            url=url,
        )
        cause = oauth_errors.AccessDeniedError(described or code)
    elif code == "invalid_code":
        error = OAuthError(
            "the refresh token (or code) is revoked, expired or invalid (Zoho: invalid_code); "
            "generate a new one from your Zoho self client",
            error=code,
            status=401,
            url=url,
        )
        cause = oauth_errors.InvalidGrantError(described or code)
    elif code == "invalid_client":
        error = OAuthError(
            "Zoho rejected the client (invalid_client): the client id or secret is wrong, or "
            f"the data center is; the token request went to {accounts_url}",
            error=code,
            status=401,
            url=url,
        )
        cause = oauth_errors.InvalidClientError(described or code)
    else:
        detail = f" ({described})" if described and described != code else ""
        error = OAuthError(
            f"Zoho refused the token request: {code}{detail}",
            error=code,
            status=status if status >= 400 else 400,
            url=url,
        )
        cause = oauth_errors.OAuth2Error(described or code, error=code)
    error.__cause__ = cause
    error.oauth_error = cause
    return error


def _rfc6749_text(text: str) -> str:
    """``text`` in the characters RFC 6749 allows in error fields (authlib refuses others)."""
    return "".join(
        ch if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\' else "?" for ch in text
    ).strip()


def rate_limited(retry_after: float | None, url: str) -> TokenRateLimitError:
    """A 429 from the token endpoint that outlasted the retries, with the wait it asked for."""
    wait = f"; it asked to wait {retry_after:.0f}s" if retry_after is not None else ""
    return TokenRateLimitError(
        f"the Zoho accounts server answered 429 Too Many Requests{wait}",
        error="rate_limited",
        status=429,
        retry_after=retry_after,
        url=url,
    )
