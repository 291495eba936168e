"""ManageEngine credentials: Zoho OAuth for the Cloud, an API key for on-premises servers.

``ZohoOAuth`` mints access tokens from a refresh token through authlib (request parameters,
``OAuth2Token``, error classes), sending the token requests through the shared engine on the
client's own aiohttp session. It caches the token, renews it shortly before expiry (five
minutes, or a tenth of a short lifetime) with one request however many coroutines wait, and
respects Zoho's limit of about 10 mints per 10 minutes with a cool-down. What a token answer
means (lifetimes, refusals, redaction) is decided in ``tokens.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import random
import re
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import parse_qsl

import aiohttp
import anyio
import anyio.to_thread
import attrs
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from mdmkit.core.errors import (
    ConfigurationError,
    MDMError,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from mdmkit.http import jsonbody
from mdmkit.http.hooks import host_of
from mdmkit.http.logs import prefix
from mdmkit.http.paths import check_base_url
from mdmkit.http.retry import FAILED_STATUSES, RetryPolicy, backoff_delay
from mdmkit.http.transport import Transport
from mdmkit.manageengine.accounts import TOKEN_PATH, post_token_form, token_endpoint
from mdmkit.manageengine.tokens import (
    TokenRateLimitError,
    expires_at,
    lifetime_of,
    make_token,
    refresh_margin,
    token_error,
)

__all__ = [
    "DATA_CENTERS",
    "ApiKeyAuth",
    "DataCenter",
    "FileTokenStore",
    "MemoryTokenStore",
    "SharedCooldown",
    "TokenRateLimitError",
    "TokenStore",
    "ZohoOAuth",
    "make_token",
    "token_error",
]

logger: logging.Logger = logging.getLogger("mdmkit.manageengine.auth")

REFRESH_LEEWAY = 300.0  # renew at most this many seconds before the token expires
MINT_COOLDOWN = 600.0  # Zoho allows ~10 mints per 10 minutes per refresh token
MINT_LIMIT = 10
PERSISTENT_REJECTION = 60.0
"""A token minted after a 401 and refused within this many seconds means the 401 persists."""
T = TypeVar("T")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
"""What a credential sent in a header or a form may hold: visible ASCII, no space or control."""


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


class ApiKeyAuth:
    """On-premises MDM Plus: the API key as the raw ``Authorization`` header (no prefix)."""

    def __init__(self, api_key: str) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError("api_key is empty: generate one under Admin > API Key")
        if not _PRINTABLE.fullmatch(api_key):
            raise ConfigurationError(
                "api_key holds characters an API key cannot have (spaces, line breaks, NUL or "
                "other control or non-ASCII characters): copy it again from Admin > API Key"
            )
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


@runtime_checkable
class SharedCooldown(Protocol):
    """What a ``TokenStore`` may add so that Zoho's "Access Denied" cool-down binds every
    process of the store, not only the one that was refused (``RedisTokenStore`` does)."""

    async def load_cooldown(self, key: str) -> float:
        """Seconds until anyone may ask for a token again (0 when none)."""
        ...

    async def save_cooldown(self, key: str, seconds: float) -> None:
        """No process asks for a token of ``key`` for ``seconds``."""
        ...


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
        self.path: str = os.path.expanduser(os.fspath(path))
        self._local = MemoryTokenStore()  # serialises this instance's own callers

    def __repr__(self) -> str:
        return f"FileTokenStore({self.path!r})"

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as handle:
                data = jsonbody.loads(handle.read())  # bounded: a deep nesting is refused
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):  # jsonbody's InvalidJSONError is a ValueError
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


def _fingerprint(token: object) -> str | None:
    """A token's SHA-256 (hex): what is kept and compared instead of the token itself."""
    if not isinstance(token, str):
        return None
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


async def _sealed(call: Awaitable[T]) -> T:
    """``call``'s result; an MDMError it raises leaves with its traceback starting here.

    The frames of a token request hold the refresh token and client secret (the form) and
    the answered token; error trackers record frame locals, so none of them go along.
    """
    try:
        return await call
    except MDMError as exc:
        raise exc.with_traceback(None)  # noqa: B904 - the same error, its frames cut


class ZohoOAuth:
    """Zoho OAuth for ManageEngine MDM Cloud: refresh-token grant, cached and single-flight.

    Sends ``Authorization: Zoho-oauthtoken <token>``. On a 401 the transport calls ``refresh``
    once; if the rejected token is still the current one, a new one is minted, once per
    rejected token however many callers saw the 401. When a token minted to replace a
    rejected one is refused too (within ``PERSISTENT_REJECTION`` seconds), the 401 is not
    about the token: no more tokens are minted for it and callers get the AuthenticationError.

    Token requests go through the shared engine (``token_endpoint``) on the API client's
    aiohttp session: 429 and 503 are retried as for any call; a 5xx or a dropped connection
    after the request left is retried once when losing one mint is affordable (Zoho allows
    ``MINT_LIMIT`` mints per ``MINT_COOLDOWN`` seconds; each mint that may have happened counts).
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
            if not _PRINTABLE.fullmatch(value):
                raise ConfigurationError(f"{name} holds characters a credential cannot have")
        self.client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.accounts_url: str = check_base_url(
            accounts_url, allow_insecure=allow_insecure, setting="accounts_url"
        )
        self.token_url: str = self.accounts_url + TOKEN_PATH
        self.token_store: TokenStore = token_store or MemoryTokenStore()
        self._clock = clock
        self._allow_insecure = allow_insecure
        self._leeway = refresh_leeway
        self._cooldown = cooldown
        self._cooldown_until = 0.0
        self._cooldown_reason = ""
        self._token: OAuth2Token | None = None
        self._lock: anyio.Lock | None = None
        self._endpoint: tuple[Transport, Transport] | None = None  # (API transport, token's)
        self._replacement: tuple[str, float] | None = None  # minted after a 401, and when
        self._refused: set[str] = set()  # replacements refused too: the 401 persists
        self._confirmed: set[str] = set()  # replacements the server accepted
        self._maybe_minted: list[float] = []  # when a token request may have minted
        self.mints: int = 0  # access tokens this instance minted, for monitoring
        digest = hashlib.sha256(f"{self.accounts_url}\0{client_id}\0{refresh_token}".encode())
        self.store_key: str = digest.hexdigest()[:32]

    def __repr__(self) -> str:
        return f"ZohoOAuth(client_id={self.client_id!r}, accounts_url={self.accounts_url!r})"

    @property
    def token(self) -> OAuth2Token | None:
        """The cached token (an authlib ``OAuth2Token`` with ``expires_at``), if any."""
        return self._token

    def _fresh(self, token: Mapping[str, Any] | None) -> bool:
        """Usable for a while yet: the margin is the leeway, or a tenth of a short lifetime."""
        if not token or not token.get("access_token"):
            return False
        deadline = expires_at(token)
        if deadline is None:
            return False
        lifetime = lifetime_of(token)
        margin = self._leeway if lifetime is None else refresh_margin(lifetime, self._leeway)
        return deadline - margin > self._clock()

    async def headers(self, transport: Transport) -> Mapping[str, str]:
        token = await self.access_token(transport)
        return {"Authorization": f"Zoho-oauthtoken {token}"}

    async def access_token(self, transport: Transport) -> str:
        """A valid access token: cached, from the store, or freshly minted (one at a time)."""
        if self._fresh(self._token):
            return str(self._token["access_token"])  # type: ignore[index]
        return await self._renew(transport, rejected=None)

    async def refresh(self, transport: Transport, rejected: Mapping[str, str]) -> bool:
        """After a 401: replace the rejected token (unless another caller already did).

        False (no replay) when the rejected token was itself minted to replace a refused one
        and has not been accepted since: the server refuses whatever token it gets, and
        minting more would only exhaust Zoho's limit.
        """
        token = _fingerprint(_bearer(rejected))
        del rejected  # it holds the token: out of this frame (error trackers record locals)
        if token is not None and token == self._current_id() and self._persistent(token):
            return False
        await self._renew(transport, rejected=token)
        return True

    async def replayed(self, transport: Transport, headers: Mapping[str, str], status: int) -> None:
        """The transport's word on a replay: a replacement refused too means the 401 persists."""
        token = _fingerprint(_bearer(headers))
        if token is None or self._replacement is None or self._replacement[0] != token:
            return
        if status == 401 and token not in self._confirmed:
            self._refused.add(token)
        elif status < 500 and status not in (401, 429):  # the server got past the token
            self._confirmed.add(token)

    def _persistent(self, rejected: str) -> bool:
        """Whether ``rejected`` was minted a moment ago to replace a refused token, and the
        server has not accepted it since (then it is never renewed; its expiry ends that)."""
        if rejected in self._refused:
            return True
        replacement = self._replacement
        if replacement is None or replacement[0] != rejected or rejected in self._confirmed:
            return False
        if self._clock() - replacement[1] >= PERSISTENT_REJECTION:
            return False
        self._refused.add(rejected)
        return True

    def _current_id(self) -> str | None:
        """The fingerprint of the cached token (None without one)."""
        return None if self._token is None else _fingerprint(self._token["access_token"])

    def _usable(self, token: Mapping[str, Any] | None, rejected: str | None) -> bool:
        """Fresh, and not the token the server just rejected."""
        if token is None or not self._fresh(token):
            return False
        return _fingerprint(token["access_token"]) != rejected

    async def _renew(self, transport: Transport, rejected: str | None) -> str:
        """A token to send instead of ``rejected`` (its fingerprint; None: nothing was sent).

        This frame holds no token in a local: it is on the traceback of every error a mint
        raises, and error trackers record frame locals.
        """
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            if not self._usable(self._token, rejected):  # else renewed while we waited
                async with self.token_store.lock(self.store_key):
                    if not self._adopt(await self.token_store.load(self.store_key), rejected):
                        await self._replace(transport, rejected)
            return str(self._token["access_token"])  # type: ignore[index]

    def _adopt(self, stored: dict[str, Any] | None, rejected: str | None) -> bool:
        """Take the store's token when it is usable (another process renewed it) and was not
        refused for good here."""
        if not self._usable(stored, rejected) or stored is None:
            return False
        if _fingerprint(stored["access_token"]) in self._refused:
            return False
        self._token = OAuth2Token(stored)
        return True

    async def _replace(self, transport: Transport, rejected: str | None) -> None:
        """Mint a token, save it, and remember that it replaced ``rejected`` (if anything)."""
        self._token = await self._mint(transport)
        await self.token_store.save(self.store_key, self._token)
        if rejected is not None:
            self._replacement = (_fingerprint(self._token["access_token"]) or "", self._clock())
            self._refused.clear()  # keep the sets small: only the newest counts
            self._confirmed.clear()

    def _check_cooldown(self) -> None:
        now = self._clock()
        if now < self._cooldown_until:
            wait = self._cooldown_until - now
            raise TokenRateLimitError(
                f"not asking Zoho for a token for another {wait:.0f}s: {self._cooldown_reason}",
                error="Access Denied",
                status=429,
                retry_after=wait,
                url=self.token_url,
            )

    def _start_cooldown(self, seconds: float, reason: str) -> None:
        self._cooldown_until = self._clock() + seconds
        self._cooldown_reason = reason

    async def _adopt_shared_cooldown(self) -> None:
        """Take over a cool-down that another process sharing the token store started."""
        if isinstance(self.token_store, SharedCooldown):
            remaining = await self.token_store.load_cooldown(self.store_key)
            if self._clock() + remaining > self._cooldown_until:
                self._start_cooldown(
                    remaining, "Zoho refused another worker that shares this token store"
                )

    async def _share_cooldown(self) -> None:
        """Let every process sharing the token store wait out the cool-down just started."""
        remaining = self._cooldown_until - self._clock()
        if remaining > 0 and isinstance(self.token_store, SharedCooldown):
            await self.token_store.save_cooldown(self.store_key, remaining)

    def _lost_mint_affordable(self) -> bool:
        """Whether one more mint still leaves one spare in Zoho's window, counting lost ones."""
        since = self._clock() - MINT_COOLDOWN
        self._maybe_minted = [t for t in self._maybe_minted if t > since]
        return len(self._maybe_minted) + 2 <= MINT_LIMIT

    async def _endpoint_for(self, transport: Transport) -> Transport:
        """The token endpoint's transport, sharing ``transport``'s session, retries and clock."""
        if self._endpoint is None or self._endpoint[0] is not transport:
            endpoint = token_endpoint(
                self.accounts_url,
                session=await transport.session(),
                retry=transport.retry,
                timeout=transport.timeout,
                allow_insecure=self._allow_insecure,
                clock=transport.clock,
                sleep=transport.sleep,
                max_response_size=transport.max_response_size,
                name=transport.name,  # token requests are logged and hooked as the backend's
                hooks=transport.hooks,
            )
            self._endpoint = (transport, endpoint)
        return self._endpoint[1]

    async def _mint(self, transport: Transport) -> OAuth2Token:
        await self._adopt_shared_cooldown()
        self._check_cooldown()
        endpoint = await self._endpoint_for(transport)
        return await _sealed(self._mint_with(endpoint, transport))

    async def _mint_with(self, endpoint: Transport, transport: Transport) -> OAuth2Token:
        """Ask for a token, once more when one may have been lost (these frames hold secrets)."""
        form = parse_qsl(
            prepare_token_request(
                "refresh_token",
                refresh_token=self._refresh_token,
                client_id=self.client_id,
                client_secret=self._client_secret,
            )
        )
        retried = False
        while True:
            try:
                data = await post_token_form(endpoint, TOKEN_PATH, form, cooldown=self._cooldown)
            except TokenRateLimitError as exc:
                if exc.error == "rate_limited" and exc.retry_after is not None:
                    self._start_cooldown(exc.retry_after, "it answered 429 Too Many Requests")
                elif exc.error != "rate_limited":
                    self._start_cooldown(
                        self._cooldown,
                        "it refused with 'Access Denied' (more than 10 token requests in "
                        "10 minutes)",
                    )
                await self._share_cooldown()
                raise
            except (ServerError, TransportError) as exc:
                if not self._maybe_lost(exc, transport.retry):
                    raise
                self._maybe_minted.append(self._clock())
                if retried or not self._lost_mint_affordable():
                    raise
                retried = True
                await transport.sleep(backoff_delay(1, transport.retry, random.random()))
                continue
            self._maybe_minted.append(self._clock())
            self.mints += 1
            token = make_token(data, self._clock())
            self._log_mint(transport, token)
            return token

    def _log_mint(self, transport: Transport, token: OAuth2Token) -> None:
        """One INFO line per token minted: whose, from where, how many so far, how long valid."""
        if logger.isEnabledFor(logging.INFO):
            expires = token.get("expires_at")
            valid = expires - self._clock() if isinstance(expires, int | float) else 0.0
            logger.info(
                f"{prefix(transport.name, host_of(self.token_url))}: minted a Zoho access "
                f"token (mint {self.mints} of this client, valid {valid:.0f}s)"
            )

    @staticmethod
    def _maybe_lost(exc: MDMError, policy: RetryPolicy) -> bool:
        """Whether a failed token request may have minted, and the policy allows a retry."""
        if policy.max_attempts < 2:
            return False
        if isinstance(exc, ServerError):
            return exc.status in FAILED_STATUSES
        # the engine stops before its last attempt only when the request may have arrived
        return isinstance(exc, TransportError) and exc.attempts < policy.max_attempts

    async def revoke(self, transport: Transport) -> None:
        """Revoke the refresh token (and with it every access token minted from it)."""
        endpoint = await self._endpoint_for(transport)
        await _sealed(
            post_token_form(
                endpoint,
                TOKEN_PATH + "/revoke",
                [("token", self._refresh_token)],
                cooldown=self._cooldown,
            )
        )
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
        form = parse_qsl(
            prepare_token_request(
                "authorization_code", code=code, client_id=client_id, client_secret=client_secret
            )
        )
        async with token_endpoint(
            root, session=session, allow_insecure=allow_insecure, clock=clock
        ) as endpoint:
            data = await post_token_form(endpoint, TOKEN_PATH, form, cooldown=MINT_COOLDOWN)
        token = make_token(data, clock(), keep_refresh_token=True)
        if not token.get("refresh_token"):
            raise ResponseFormatError(
                "Zoho returned no refresh_token: the code was not generated for offline access",
                url=root + TOKEN_PATH,
            )
        return token
