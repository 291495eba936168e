"""mdmkit: one async interface over SimpleMDM and ManageEngine MDM (re-exports only).

``SimpleMDM`` and ``ManageEngine`` are the vendor-neutral backends, ``Fleet`` several as one;
each backend's complete native client is ``backend.native`` (``mdmkit.simplemdm``,
``mdmkit.manageengine``). The fakes for tests live in ``mdmkit.testing``.

Names are imported on first use (a module ``__getattr__``), so ``import mdmkit`` costs only
what a program touches: ``mdmkit --help`` never loads aiohttp.
"""

from __future__ import annotations

import importlib

from mdmkit._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every program
if TYPE_CHECKING:  # what type checkers and IDEs see: the same names, imported eagerly
    from typing import Any

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
    from mdmkit.http.hooks import RequestEvent, RequestHooks
    from mdmkit.http.raw import RawResponse, with_raw_response
    from mdmkit.http.retry import RetryPolicy
    from mdmkit.http.transport import Timeout
    from mdmkit.manageengine import ManageEngine
    from mdmkit.simplemdm import SimpleMDM

_HOMES = {
    "mdmkit.core.bulk": ("BulkResult", "Outcome"),
    "mdmkit.core.errors": (
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
    ),
    "mdmkit.core.fleet": ("Fleet",),
    "mdmkit.core.interface": ("MDM",),
    "mdmkit.core.models": (
        "App",
        "AppAssignment",
        "AppChannel",
        "AppKind",
        "Capability",
        "Carrier",
        "Device",
        "DeviceStatus",
        "Group",
        "GroupKind",
        "InstallMode",
        "Platform",
        "Target",
        "TargetKind",
        "Vendor",
    ),
    "mdmkit.core.pagination": ("Page", "Paginator"),
    "mdmkit.http.hooks": ("RequestEvent", "RequestHooks"),
    "mdmkit.http.raw": ("RawResponse", "with_raw_response"),
    "mdmkit.http.retry": ("RetryPolicy",),
    "mdmkit.http.transport": ("Timeout",),
    "mdmkit.manageengine": ("ManageEngine",),
    "mdmkit.simplemdm": ("SimpleMDM",),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names}
_SUBPACKAGES = frozenset({"cli", "core", "http", "manageengine", "simplemdm", "testing"})

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
    "RawResponse",
    "RequestEvent",
    "RequestHooks",
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
    "with_raw_response",
]


def __getattr__(name: str) -> Any:
    """Import a public name (or a subpackage such as ``mdmkit.simplemdm``) on first use."""
    module = _WHERE.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
