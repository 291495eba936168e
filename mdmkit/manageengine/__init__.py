"""ManageEngine MDM (Cloud with Zoho OAuth, or on-premises with an API key): the native API
(``ManageEngineClient``) and the common interface over it (``ManageEngine``)."""

from mdmkit.manageengine.adapter import ManageEngine
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
    "ManageEngine",
    "ManageEngineClient",
    "MemoryTokenStore",
    "TokenRateLimitError",
    "TokenStore",
    "ZohoOAuth",
]
