"""Redis implementations of what worker processes share: a token store and a request budget.

``RedisTokenStore`` fills the token-store seam (``load``/``save``/``lock``, plus a shared mint
cool-down) so every process on every host uses one access token per refresh token, and
``RedisBudget`` fills the limiter seam (``acquire``/``throttled``) so they share one request
rate and one 429 pause per account. redis-py (the ``redis`` extra) is imported only when a
client is made; nothing here knows a vendor. If Redis cannot be reached both carry on locally
(a local token, a local limiter) and log one WARNING per outage, then share again once it
answers.
"""

from mdmkit.http.redis.budget import BudgetKeys, RedisBudget, default_burst
from mdmkit.http.redis.link import DEFAULT_PREFIX, redis_client
from mdmkit.http.redis.tokens import RedisTokenStore, TokenKeys

__all__ = [
    "DEFAULT_PREFIX",
    "BudgetKeys",
    "RedisBudget",
    "RedisTokenStore",
    "TokenKeys",
    "default_burst",
    "redis_client",
]
