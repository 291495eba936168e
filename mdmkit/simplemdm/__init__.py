"""SimpleMDM: the native API (``SimpleMDMClient`` and its models) and ``SimpleMDM``, the common
interface over it; ``WebhookReceiver`` for its webhooks."""

from mdmkit.simplemdm.adapter import SimpleMDM
from mdmkit.simplemdm.client import DEFAULT_BASE_URL, SimpleMDMClient
from mdmkit.simplemdm.mapping import Experience
from mdmkit.simplemdm.webhook_receiver import RecentDeliveries, WebhookReceiver

__all__ = [
    "DEFAULT_BASE_URL",
    "Experience",
    "RecentDeliveries",
    "SimpleMDM",
    "SimpleMDMClient",
    "WebhookReceiver",
]
