"""The command's Redis settings: ``[redis]`` in the config file or ``MDMKIT_REDIS_URL``; backends
built on them share a Zoho token and a SimpleMDM budget with every other process."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING

import pytest

from mdmkit.cli.backends import build, close_shared
from mdmkit.cli.exits import ConfigError
from mdmkit.cli.secrets import SecretRef
from mdmkit.cli.settings import RedisSettings, from_environment, parse
from mdmkit.http.redis import RedisBudget, RedisTokenStore
from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient
from mdmkit.testing.redisserver import RedisServer

if TYPE_CHECKING:
    from tests.cli.conftest import FakeProcess, InProcess

SM = '[backends.sm]\nvendor = "simplemdm"\napi_key = { env = "K" }\n'
ME = (
    '[backends.me]\nvendor = "manageengine"\nclient_id = "x"\n'
    'client_secret = { env = "S" }\nrefresh_token = { env = "R" }\n'
)


def parsed(text: str) -> dict[str, RedisSettings | None]:
    settings = parse(tomllib.loads(text), origin="my.toml")
    return {name: backend.redis for name, backend in settings.backends.items()}


def test_a_redis_table_reaches_every_backend() -> None:
    shared = parsed('[redis]\nurl = "redis://cache:6379/2"\n' + SM + ME)
    assert shared == {
        "sm": RedisSettings(url="redis://cache:6379/2"),
        "me": RedisSettings(url="redis://cache:6379/2"),
    }
    secret = parsed('[redis]\nurl = { env = "REDIS_URL" }\nprefix = "svc"\n' + SM)
    assert secret["sm"] == RedisSettings(
        url=SecretRef("env", ("REDIS_URL",), "redis.url"), prefix="svc"
    )
    assert parsed(SM) == {"sm": None}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[redis]\nprefix = "p"\n' + SM, "[redis] needs url"),
        ('[redis]\nurl = "http://cache"\n' + SM, "must start with redis://"),
        ('[redis]\nurl = "redis://c"\nport = 1\n' + SM, "redis.port is not a [redis] setting"),
        ('redis = "redis://c"\n' + SM, "[redis] must be a table"),
        (SM + 'budget_key = "acme"\n', "budget_key needs a [redis] table"),
    ],
)
def test_a_wrong_redis_setting_is_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(tomllib.loads(text), origin="my.toml")
    assert caught.value.message.startswith("my.toml: ")
    assert message in caught.value.message


def test_a_password_in_a_clear_url_is_refused_without_being_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(tomllib.loads('[redis]\nurl = "redis://:hunter2@cache:6379"\n' + SM))
    assert "password in clear" in caught.value.message
    assert "hunter2" not in caught.value.message


def test_mdmkit_redis_url_shares_the_environment_backends() -> None:
    settings = from_environment(
        {"SIMPLEMDM_API_KEY": "k", "MANAGEENGINE_CLIENT_ID": "c", "MDMKIT_REDIS_URL": "redis://c"}
    )
    expected = RedisSettings(url=SecretRef("env", ("MDMKIT_REDIS_URL",), "MDMKIT_REDIS_URL"))
    assert {b.redis for b in settings.backends.values()} == {expected}
    assert from_environment({"SIMPLEMDM_API_KEY": "k"}).backends["simplemdm"].redis is None


@pytest.mark.anyio
async def test_backends_built_on_redis_share_one_client(redis_server: RedisServer) -> None:
    text = f'[redis]\nurl = "{redis_server.url}"\n' + SM + "requests_per_second = 5\n" + ME
    settings = parse(tomllib.loads(text))
    environ = {"K": "key", "S": "secret", "R": "refresh"}
    simplemdm = build(settings.backends["sm"], environ)
    manageengine = build(settings.backends["me"], environ)
    try:
        assert isinstance(simplemdm.native, SimpleMDMClient)
        budget = simplemdm.native.transport.rate_limiter
        assert isinstance(budget, RedisBudget)
        assert budget.rate == 5
        assert isinstance(manageengine.native, ManageEngineClient)
        store = manageengine.native.auth.token_store  # type: ignore[attr-defined]
        assert isinstance(store, RedisTokenStore)
        assert store.client is budget.client  # one connection pool per URL and run
    finally:
        await simplemdm.aclose()
        await manageengine.aclose()
        await close_shared()


def test_devices_list_mints_through_redis(
    cli: InProcess, sm: FakeProcess, me: FakeProcess, redis_server: RedisServer
) -> None:
    import redis

    cli.use(sm.env)
    cli.use(me.env)
    cli.use({"MDMKIT_REDIS_URL": redis_server.url})
    result = cli("devices", "list", "-f", "json")
    assert result.code == 0, result.err
    raw = redis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        names = [str(name) for name in raw.keys("mdmkit:token:*")]
    finally:
        raw.close()
    assert len(names) == 1  # the Zoho token, for the next run and every other process
