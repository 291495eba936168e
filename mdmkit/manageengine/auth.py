"""ManageEngine credentials: Zoho OAuth for the Cloud, an API key for on-premises servers.

``ZohoOAuth`` mints access tokens from a refresh token through authlib (request parameters,
``OAuth2Token``, error classes) over the client's own aiohttp session. It caches the token,
refreshes it about five minutes early with one request however many coroutines wait, and
respects Zoho's limit of about 10 mints per 10 minutes with a cool-down.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

import aiohttp
import anyio
import anyio.to_thread
import attrs
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749 import errors as oauth_errors
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from mdmkit.core.errors import (
    ConfigurationError,
    OAuthError,
    RateLimitError,
    ResponseFormatError,
    TransportError,
)
from mdmkit.http import jsonbody
from mdmkit.http.response import excerpt
from mdmkit.http.transport import check_base_url

if TYPE_CHECKING:
    from mdmkit.http.transport import Transport

__all__ = [
    "DATA_CENTERS",
    "ApiKeyAuth",
    "DataCenter",
    "FileTokenStore",
    "MemoryTokenStore",
    "TokenRateLimitError",
    "TokenStore",
    "ZohoOAuth",
]

REFRESH_LEEWAY = 300.0  # refresh this many seconds before the token expires
MINT_COOLDOWN = 600.0  # Zoho allows ~10 mints per 10 minutes per refresh token


@attrs.frozen
class DataCenter:
    """Where a Zoho data center serves MDM and where its accounts (OAuth) server lives."""

    code: str
    mdm_url: str
    accounts_url: str

    @classmethod
    def get(cls, code: str) -> DataCenter:
        """The data center for a code such as "us" or "eu"; ConfigurationError if unknown."""
        try:
            return DATA_CENTERS[code.lower()]
        except (KeyError, AttributeError):
            known = ", ".join(DATA_CENTERS)
            raise ConfigurationError(
                f"unknown data center {code!r}; expected one of {known}"
            ) from None


# ManageEngine's own table is wrong for ca and cn (those hosts do not resolve); these follow
# Zoho's multi-DC table, as the research note records.
DATA_CENTERS: dict[str, DataCenter] = {
    dc.code: dc
    for dc in (
        DataCenter("us", "https://mdm.manageengine.com", "https://accounts.zoho.com"),
        DataCenter("eu", "https://mdm.manageengine.eu", "https://accounts.zoho.eu"),
        DataCenter("in", "https://mdm.manageengine.in", "https://accounts.zoho.in"),
        DataCenter("au", "https://mdm.manageengine.com.au", "https://accounts.zoho.com.au"),
        DataCenter("jp", "https://mdm.manageengine.jp", "https://accounts.zoho.jp"),
        DataCenter("ca", "https://mdm.manageengine.ca", "https://accounts.zohocloud.ca"),
        DataCenter("cn", "https://mdm.manageengine.cn", "https://accounts.zoho.com.cn"),
        DataCenter("uk", "https://mdm.manageengine.uk", "https://accounts.zoho.uk"),
        DataCenter("sa", "https://mdm.manageengine.sa", "https://accounts.zoho.sa"),
    )
}


class TokenRateLimitError(OAuthError, RateLimitError):
    """Zoho refused to mint ("Access Denied": too many token requests); wait ``retry_after``."""


class ApiKeyAuth:
    """On-premises MDM Plus: the API key as the raw ``Authorization`` header (no prefix)."""

    def __init__(self, api_key: str) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError("api_key is empty: generate one under Admin > API Key")
        self._header = {"Authorization": api_key}

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=<redacted>)"

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        return self._header

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        return False  # an API key cannot be renewed from here


class TokenStore(Protocol):
    """Where minted access tokens are kept so restarts and other processes reuse them.

    ``lock`` is held while a client checks the store and mints, so a second client sharing
    the store waits and then finds the fresh token instead of minting its own.
    """

    async def load(self, key: str) -> dict[str, Any] | None: ...

    async def save(self, key: str, token: Mapping[str, Any]) -> None: ...

    def lock(self, key: str) -> contextlib.AbstractAsyncContextManager[None]: ...


class MemoryTokenStore:
    """Tokens in memory: share one instance between clients of one process."""

    def __init__(self) -> None:
        self._tokens: dict[str, dict[str, Any]] = {}
        self._locks: dict[str, anyio.Lock] = {}

    def __repr__(self) -> str:
        return f"MemoryTokenStore({len(self._tokens)} tokens)"

    async def load(self, key: str) -> dict[str, Any] | None:
        token = self._tokens.get(key)
        return dict(token) if token else None

    async def save(self, key: str, token: Mapping[str, Any]) -> None:
        self._tokens[key] = dict(token)

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, anyio.Lock())
        async with lock:
            yield


class FileTokenStore:
    """Tokens in a JSON file (mode 0600, replaced atomically), shared by processes on a host.

    A lock file (``<path>.lock``, via ``flock`` where the OS has it) keeps two processes from
    minting at once.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.path.expanduser(os.fspath(path))
        self._local = MemoryTokenStore()  # serialises this instance's own callers

    def __repr__(self) -> str:
        return f"FileTokenStore({self.path!r})"

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a corrupt store costs one mint, never a crash
        tokens = data.get("tokens") if isinstance(data, dict) else None
        return tokens if isinstance(tokens, dict) else {}

    def _write(self, key: str, token: Mapping[str, Any]) -> None:
        tokens = self._read()
        tokens[key] = dict(token)
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".mdmkit-tokens-", dir=directory)
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"version": 1, "tokens": tokens}, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    async def load(self, key: str) -> dict[str, Any] | None:
        token = (await anyio.to_thread.run_sync(self._read)).get(key)
        return dict(token) if isinstance(token, dict) else None

    async def save(self, key: str, token: Mapping[str, Any]) -> None:
        await anyio.to_thread.run_sync(self._write, key, token)

    @contextlib.asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        async with self._local.lock(key):
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows: in-process lock only
                yield
                return
            fd = await anyio.to_thread.run_sync(_open_lock_file, self.path + ".lock")
            try:
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        await anyio.sleep(0.02)
                yield
            finally:
                os.close(fd)  # closing releases the lock


def _open_lock_file(path: str) -> int:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("Authorization", "")
    return value.removeprefix("Zoho-oauthtoken ") if value.startswith("Zoho-oauthtoken ") else None


class ZohoOAuth:
    """Zoho OAuth for ManageEngine MDM Cloud: refresh-token grant, cached and single-flight.

    Sends ``Authorization: Zoho-oauthtoken <token>``. On a 401 the transport calls ``refresh``
    once; if the rejected token is still the current one, a new one is minted.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        accounts_url: str,
        token_store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
        allow_insecure: bool = False,
        refresh_leeway: float = REFRESH_LEEWAY,
        cooldown: float = MINT_COOLDOWN,
    ) -> None:
        for name, value in (
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("refresh_token", refresh_token),
        ):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"{name} is empty")
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.accounts_url = check_base_url(
            accounts_url, allow_insecure=allow_insecure, setting="accounts_url"
        )
        self.token_url = self.accounts_url + "/oauth/v2/token"
        self.token_store: TokenStore = token_store or MemoryTokenStore()
        self._clock = clock
        self._leeway = refresh_leeway
        self._cooldown = cooldown
        self._cooldown_until = 0.0
        self._token: OAuth2Token | None = None
        self._lock: anyio.Lock | None = None
        self.mints = 0  # token requests this instance sent, for monitoring
        digest = hashlib.sha256(f"{self.accounts_url}\0{client_id}\0{refresh_token}".encode())
        self.store_key = digest.hexdigest()[:32]

    def __repr__(self) -> str:
        return f"ZohoOAuth(client_id={self.client_id!r}, accounts_url={self.accounts_url!r})"

    @property
    def token(self) -> OAuth2Token | None:
        """The cached token (an authlib ``OAuth2Token`` with ``expires_at``), if any."""
        return self._token

    def _fresh(self, token: Mapping[str, Any] | None) -> bool:
        if not token or not token.get("access_token"):
            return False
        expires_at = token.get("expires_at")
        return isinstance(expires_at, int | float) and expires_at - self._leeway > self._clock()

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        token = await self.access_token(transport)
        return {"Authorization": f"Zoho-oauthtoken {token}"}

    async def access_token(self, transport: Transport) -> str:
        """A valid access token: cached, from the store, or freshly minted (one at a time)."""
        if self._fresh(self._token):
            return str(self._token["access_token"])  # type: ignore[index]
        return await self._renew(transport, rejected=None)

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        """After a 401: replace the rejected token (unless another caller already did)."""
        await self._renew(transport, rejected=_bearer(rejected))
        return True

    async def _renew(self, transport: Transport, rejected: str | None) -> str:
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            current = self._token
            # fresh and not the token the server just rejected: renewed while we waited
            if current is not None and self._fresh(current) and current["access_token"] != rejected:
                return str(current["access_token"])
            async with self.token_store.lock(self.store_key):
                stored = await self.token_store.load(self.store_key)
                if (
                    self._fresh(stored)
                    and stored is not None
                    and stored["access_token"] != rejected
                ):
                    self._token = OAuth2Token(stored)
                else:
                    self._token = await self._mint(transport)
                    await self.token_store.save(self.store_key, self._token)
            return str(self._token["access_token"])

    async def _mint(self, transport: Transport) -> OAuth2Token:
        now = self._clock()
        if now < self._cooldown_until:
            wait = self._cooldown_until - now
            raise TokenRateLimitError(
                f"not asking Zoho for a token for another {wait:.0f}s: it refused with "
                "'Access Denied' (more than 10 token requests in 10 minutes)",
                error="Access Denied",
                status=429,
                retry_after=wait,
                url=self.token_url,
            )
        body = prepare_token_request(
            "refresh_token",
            refresh_token=self._refresh_token,
            client_id=self.client_id,
            client_secret=self._client_secret,
        )
        self.mints += 1
        status, data = await post_form(
            await transport.session(), self.token_url, body, seconds=transport.timeout.read
        )
        if "error" in data or status >= 400:
            error = token_error(data, status, self.accounts_url, cooldown=self._cooldown)
            if isinstance(error, TokenRateLimitError):
                self._cooldown_until = self._clock() + self._cooldown
            raise error
        return make_token(data, self._clock())

    async def revoke(self, transport: Transport) -> None:
        """Revoke the refresh token (and with it every access token minted from it)."""
        status, data = await post_form(
            await transport.session(),
            self.token_url + "/revoke",
            urlencode({"token": self._refresh_token}),
            seconds=transport.timeout.read,
        )
        if status >= 400 or "error" in data:
            raise token_error(data, status, self.accounts_url, cooldown=self._cooldown)
        self._token = None

    @staticmethod
    async def exchange_code(
        code: str,
        *,
        client_id: str,
        client_secret: str,
        data_center: str = "us",
        accounts_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
        allow_insecure: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> OAuth2Token:
        """Trade a self-client authorization code for tokens, including the refresh token.

        Generate the code in the Zoho API console (Self Client > Generate Code) with the
        MDM scopes; it is valid for a few minutes and only once.
        """
        for name, value in (
            ("code", code),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"{name} is empty")
        root = check_base_url(
            accounts_url or DataCenter.get(data_center).accounts_url,
            allow_insecure=allow_insecure,
            setting="accounts_url",
        )
        body = prepare_token_request(
            "authorization_code", code=code, client_id=client_id, client_secret=client_secret
        )
        owned = session is None
        active = session or aiohttp.ClientSession()
        try:
            status, data = await post_form(active, root + "/oauth/v2/token", body, seconds=60.0)
        finally:
            if owned:
                await active.close()
        if "error" in data or status >= 400:
            raise token_error(data, status, root, cooldown=MINT_COOLDOWN)
        token = make_token(data, clock(), keep_refresh_token=True)
        if not token.get("refresh_token"):
            raise ResponseFormatError(
                "Zoho returned no refresh_token: the code was not generated for offline access",
                url=root + "/oauth/v2/token",
            )
        return token


async def post_form(
    session: aiohttp.ClientSession, url: str, body: str, *, seconds: float
) -> tuple[int, dict[str, Any]]:
    """POST a form to the Zoho accounts server: the status and the JSON object it answered."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        async with session.post(
            url,
            data=body.encode(),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=seconds),
            allow_redirects=False,
        ) as response:
            raw = await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransportError(
            f"token request to {url} failed: {type(exc).__name__}", method="POST", url=url
        ) from exc
    try:
        data = jsonbody.loads(raw) if raw.strip() else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ResponseFormatError(
            "the Zoho accounts server did not answer with a JSON object",
            status=status,
            excerpt=excerpt(raw),
            url=url,
        )
    return status, data


def token_error(
    data: Mapping[str, Any], status: int, accounts_url: str, *, cooldown: float
) -> OAuthError:
    """The typed error for a refused token request (Zoho may refuse with HTTP 200)."""
    url = accounts_url + "/oauth/v2/token"
    code = str(data.get("error") or f"HTTP {status}")
    described = str(data.get("error_description") or "")
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
        detail = f" ({described})" if described else ""
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


def make_token(
    data: Mapping[str, Any], now: float, *, keep_refresh_token: bool = False
) -> OAuth2Token:
    """An authlib OAuth2Token from a token response, expiring on our clock, not time.time()."""
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise ResponseFormatError("the Zoho token response has no access_token")
    try:
        expires_in = float(data.get("expires_in", 3600))
    except (TypeError, ValueError):
        expires_in = 3600.0
    token = {
        key: value for key, value in data.items() if key != "refresh_token" or keep_refresh_token
    }
    token["expires_at"] = int(now + expires_in)
    return OAuth2Token(token)
