"""The exception hierarchy every mdmkit call raises from.

Errors found before any I/O (``ConfigurationError``, ``InvalidRequestError``) are kept apart
from errors the server gave (``APIError`` and its status subclasses), so callers can tell
"my input was wrong" from "the service refused".
"""

from __future__ import annotations

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceededError",
    "InvalidRequestError",
    "InvalidWebhookError",
    "MDMError",
    "NotFoundError",
    "OAuthError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "ServerError",
    "TransportError",
    "UnsupportedOperation",
    "UploadError",
    "ValidationError",
    "error_class_for_status",
]


class MDMError(Exception):
    """Base class of every error raised by mdmkit."""


class ConfigurationError(MDMError):
    """Bad settings, found before any I/O: an empty key, plain http to a remote host, ..."""


class InvalidRequestError(MDMError, ValueError):
    """Bad arguments, found before anything is sent; ``field`` names the argument at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidWebhookError(MDMError, ValueError):
    """A webhook body that is not JSON or not the documented event envelope."""


class UnsupportedOperation(MDMError):
    """The vendor lacks this neutral operation; ``mdm.capabilities`` tells in advance."""

    def __init__(self, vendor: str, capability: str, detail: str = "") -> None:
        text = f"{vendor} does not support {capability}"
        super().__init__(f"{text}: {detail}" if detail else text)
        self.vendor = vendor
        self.capability = capability


class TransportError(MDMError):
    """The connection failed or timed out, after every retry the policy allowed.

    ``error_type`` names the underlying failure (``"ServerDisconnectedError"``,
    ``"TimeoutError"``...); the aiohttp exception itself is not chained, since it carries
    the request's headers and so its credentials.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        attempts: int = 1,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.attempts = attempts
        self.error_type = error_type


class DeadlineExceededError(TransportError):
    """The call's deadline (``Timeout(deadline=...)``) passed before it could finish.

    ``attempts`` counts the requests sent; ``last_error`` is the failure that the next
    retry would have followed, if there was one (also chained as ``__cause__``).
    """

    def __init__(
        self,
        message: str,
        *,
        deadline: float,
        method: str = "",
        url: str = "",
        attempts: int = 0,
        last_error: MDMError | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url, attempts=attempts)
        self.deadline = deadline
        self.last_error = last_error


class ResponseFormatError(MDMError):
    """A body that is not the documented shape; carries the status and a short excerpt."""

    def __init__(
        self, message: str, *, status: int | None = None, excerpt: str = "", url: str = ""
    ) -> None:
        detail = f" (status {status})" if status is not None else ""
        shown = f": {excerpt!r}" if excerpt else ""
        super().__init__(f"{message}{detail}{shown}")
        self.status = status
        self.excerpt = excerpt
        self.url = url


class ResponseTooLargeError(ResponseFormatError):
    """A response body, as received or once inflated, is larger than ``max_response_size``.

    Reading stops at the limit (nothing past it is kept in memory) and the call is not
    retried: the server would send the same body again.
    """

    def __init__(
        self, message: str, *, limit: int, status: int | None = None, url: str = ""
    ) -> None:
        super().__init__(message, status=status, url=url)
        self.limit = limit


class UploadError(MDMError):
    """An uploaded file failed processing on the server, or was not ready in time."""

    def __init__(self, message: str, *, file_id: str, status: str = "failed") -> None:
        super().__init__(message)
        self.file_id = file_id
        self.status = status


class PaginationError(ResponseFormatError):
    """The server's paging went wrong: a cursor that does not advance, or a next link elsewhere."""


class APIError(MDMError):
    """The server answered with an error; the vendor's code, message and request id are kept."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        request_id: str | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.method = method
        self.url = url
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [f"{self.status} {self.message}"]
        if self.code:
            parts.append(f"code={self.code}")
        if self.method or self.url:
            parts.append(f"{self.method} {self.url}".strip())
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " | ".join(parts)


class AuthenticationError(APIError):
    """401: the credentials were refused."""


class OAuthError(AuthenticationError):
    """The OAuth token endpoint refused (Zoho can do so with HTTP 200); ``error`` is its code.

    ``oauth_error`` is the matching authlib error object, when there is one.
    """

    oauth_error: Exception | None = None

    def __init__(
        self,
        message: str,
        *,
        error: str,
        status: int = 400,
        retry_after: float | None = None,
        url: str = "",
    ) -> None:
        self.error = error
        self.retry_after = retry_after
        super().__init__(message, status=status, code=error, method="POST", url=url)


class PermissionDeniedError(APIError):
    """403: the credentials lack the permission (or OAuth scope) for this call.

    ``scope`` names the missing OAuth scope family when the server said which.
    """

    scope: str | None = None


class NotFoundError(APIError):
    """404: no such object."""


class ConflictError(APIError):
    """409: the object is already in that state (SimpleMDM assign/unassign)."""


class ValidationError(APIError):
    """400 or 422: the server rejected the arguments."""


class RateLimitError(APIError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if it gave one."""

    retry_after: float | None = None


class ServerError(APIError):
    """5xx: the service failed."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIError]:
    """The APIError subclass that stands for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)
