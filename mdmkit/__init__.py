"""mdmkit: an async SDK for SimpleMDM and ManageEngine MDM (re-exports only).

The native clients live in ``mdmkit.simplemdm`` and ``mdmkit.manageengine``; the fakes for
tests in ``mdmkit.testing``.
"""

from mdmkit._version import __version__
from mdmkit.core.errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    InvalidRequestError,
    InvalidWebhookError,
    MDMError,
    NotFoundError,
    OAuthError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
    UnsupportedOperation,
    ValidationError,
)
from mdmkit.core.pagination import Page, Paginator
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout

__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "InvalidRequestError",
    "InvalidWebhookError",
    "MDMError",
    "NotFoundError",
    "OAuthError",
    "Page",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseFormatError",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "TransportError",
    "UnsupportedOperation",
    "ValidationError",
    "__version__",
]
