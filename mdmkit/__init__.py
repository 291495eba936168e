"""mdmkit: one async interface over SimpleMDM and ManageEngine MDM (re-exports only).

``SimpleMDM`` and ``ManageEngine`` are the vendor-neutral backends, ``Fleet`` several as one;
each backend's complete native client is ``backend.native`` (``mdmkit.simplemdm``,
``mdmkit.manageengine``). The fakes for tests live in ``mdmkit.testing``.
"""

from mdmkit._version import __version__
from mdmkit.core.bulk import BulkResult, Outcome
from mdmkit.core.errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DeadlineExceededError,
    InvalidRequestError,
    InvalidWebhookError,
    MDMError,
    NotFoundError,
    OAuthError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    UnsupportedOperation,
    UploadError,
    ValidationError,
)
from mdmkit.core.fleet import Fleet
from mdmkit.core.interface import MDM
from mdmkit.core.models import (
    App,
    AppAssignment,
    AppChannel,
    AppKind,
    Capability,
    Carrier,
    Device,
    DeviceStatus,
    Group,
    GroupKind,
    InstallMode,
    Platform,
    Target,
    TargetKind,
    Vendor,
)
from mdmkit.core.pagination import Page, Paginator
from mdmkit.http.retry import RetryPolicy
from mdmkit.http.transport import Timeout
from mdmkit.manageengine import ManageEngine
from mdmkit.simplemdm import SimpleMDM

__all__ = [
    "MDM",
    "APIError",
    "App",
    "AppAssignment",
    "AppChannel",
    "AppKind",
    "AuthenticationError",
    "BulkResult",
    "Capability",
    "Carrier",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceededError",
    "Device",
    "DeviceStatus",
    "Fleet",
    "Group",
    "GroupKind",
    "InstallMode",
    "InvalidRequestError",
    "InvalidWebhookError",
    "MDMError",
    "ManageEngine",
    "NotFoundError",
    "OAuthError",
    "Outcome",
    "Page",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "Platform",
    "RateLimitError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "SimpleMDM",
    "Target",
    "TargetKind",
    "Timeout",
    "TransportError",
    "UnsupportedOperation",
    "UploadError",
    "ValidationError",
    "Vendor",
    "__version__",
]
