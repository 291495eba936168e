"""Fake MDM services for tests, demos and users' own test suites.

Real aiohttp servers on 127.0.0.1 that keep state, enforce what the vendors' references say,
inject faults on demand and record every request. Written from the vendors' documentation:
nothing here imports mdmkit's clients.
"""

from mdmkit.testing.clock import FakeClock
from mdmkit.testing.faults import (
    Drop,
    Faults,
    Latency,
    Malformed,
    RateLimited,
    Reply,
    ServerError,
    Throttle,
)
from mdmkit.testing.manageengine import FakeManageEngine, FakeZohoAccounts
from mdmkit.testing.redisserver import RedisServer
from mdmkit.testing.requestlog import RecordedRequest, RequestLog, UploadedFile
from mdmkit.testing.simplemdm import FakeSimpleMDM
from mdmkit.testing.simplemdm.webhooks import DeliveryAttempt, FakeWebhooks, WebhookDelivery

__all__ = [
    "DeliveryAttempt",
    "Drop",
    "FakeClock",
    "FakeManageEngine",
    "FakeSimpleMDM",
    "FakeWebhooks",
    "FakeZohoAccounts",
    "Faults",
    "Latency",
    "Malformed",
    "RateLimited",
    "RecordedRequest",
    "RedisServer",
    "Reply",
    "RequestLog",
    "ServerError",
    "Throttle",
    "UploadedFile",
    "WebhookDelivery",
]
