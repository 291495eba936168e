"""The native ManageEngine MDM API (Cloud with Zoho OAuth, or on-premises with an API key)."""

from mdmkit.manageengine.auth import (
    DATA_CENTERS,
    ApiKeyAuth,
    DataCenter,
    FileTokenStore,
    MemoryTokenStore,
    TokenRateLimitError,
    TokenStore,
    ZohoOAuth,
)
from mdmkit.manageengine.client import ManageEngineClient

__all__ = [
    "DATA_CENTERS",
    "ApiKeyAuth",
    "DataCenter",
    "FileTokenStore",
    "ManageEngineClient",
    "MemoryTokenStore",
    "TokenRateLimitError",
    "TokenStore",
    "ZohoOAuth",
]
