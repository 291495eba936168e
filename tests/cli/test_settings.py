"""The configuration, parsed without a server: named backends from TOML, secrets by reference
only, the environment as the fallback; every mistake named by its setting."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from mdmkit.cli.config import EXAMPLE
from mdmkit.cli.exits import ConfigError, UsageError
from mdmkit.cli.secrets import SecretRef
from mdmkit.cli.settings import config_path, from_environment, load, parse

SM = '[backends.a]\nvendor = "simplemdm"\n'
SM_OK = SM + 'api_key = { env = "A" }\n'
ME = '[backends.a]\nvendor = "manageengine"\n'
ME_OK = ME + 'client_id = "x"\nclient_secret = { env = "S" }\nrefresh_token = { env = "R" }\n'
ONPREM = ME + 'server_url = "https://m"\n'
DEFAULTS = "[defaults]\n"


def toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def test_the_example_config_parses_into_four_backends() -> None:
    settings = parse(toml(EXAMPLE), origin="example.toml")
    assert list(settings.backends) == ["simplemdm-prod", "simplemdm-lab", "me-eu", "me-onprem"]
    assert settings.defaults == ("simplemdm-prod", "me-eu")
    prod, lab, eu, onprem = settings.backends.values()
    assert prod.secrets["api_key"] == SecretRef(
        "env", ("SIMPLEMDM_PROD_KEY",), "backends.simplemdm-prod.api_key"
    )
    assert lab.secrets["api_key"].kind == "command"  # type: ignore[union-attr]
    assert lab.options == {"requests_per_second": 5}
    assert eu.kind == "manageengine"
    assert eu.secrets["client_id"] == "1000.ABCDEF"  # an identifier may be plain text
    assert eu.options["upload_defaults"] == {"app_category_id": 5}
    assert onprem.kind == "manageengine on-premises"
    assert onprem.options == {"server_url": "https://mdm.example.com:8383"}


def test_command_secrets_may_be_a_list_or_a_shell_style_string() -> None:
    settings = parse(
        toml("""
[backends.a]
vendor = "simplemdm"
api_key = { command = "pass show 'mdm/a key'" }
""")
    )
    assert settings.backends["a"].secrets["api_key"] == SecretRef(
        "command", ("pass", "show", "mdm/a key"), "backends.a.api_key"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            SM + 'api_key = "abc123"',
            "backends.a.api_key is written in clear",
        ),
        (
            ME + 'client_id = "x"\nclient_secret = "s"\nrefresh_token = { env = "R" }',
            "client_secret is written in clear",
        ),
        (
            SM + 'api_key = { vault = "x" }',
            "backends.a.api_key must be one of",
        ),
        (
            SM + 'api_key = { env = "A", file = "b" }',
            "must be one of",
        ),
        (SM + "api_key = { command = [] }", "must be one of"),
        (SM + 'api_key = { env = "" }', "must be one of"),
        ('[backends.a]\nvendor = "simplemdm"', "backends.a (simplemdm) needs api_key"),
        (
            ME + 'client_id = "x"',
            "needs client_secret, refresh_token",
        ),
        (
            ONPREM,
            "(manageengine on-premises) needs api_key",
        ),
        (
            '[backends.a]\nvendor = "jamf"',
            "backends.a.vendor must be 'simplemdm' or 'manageengine'",
        ),
        ('[backends.a]\napi_key = { env = "A" }', "backends.a.vendor must be"),
        (
            SM_OK + 'base_ur1 = "x"',
            "backends.a.base_ur1 is not a simplemdm setting; known: allow_insecure, api_key",
        ),
        (
            ONPREM + 'api_key = { env = "K" }\nclient_id = "x"',
            "client_id is not a manageengine on-premises setting",
        ),
        (
            SM_OK + "max_concurrency = 0",
            "max_concurrency must be a positive integer",
        ),
        (
            SM_OK + "max_concurrency = true",
            "max_concurrency must be a positive integer",
        ),
        (
            SM_OK + 'requests_per_second = "fast"',
            "requests_per_second must be a positive number",
        ),
        (
            SM_OK + 'allow_insecure = "yes"',
            "allow_insecure must be true or false",
        ),
        (
            SM_OK + 'base_url = ""',
            "base_url must be a non-empty string",
        ),
        (
            ME_OK + "token_cache = true",
            "token_cache must be a path, or false",
        ),
        (
            ME_OK + "upload_defaults = 5",
            "upload_defaults must be a table",
        ),
        (
            '[backends."a:b"]\nvendor = "simplemdm"\napi_key = { env = "A" }',
            "backend name 'a:b' must be letters",
        ),
        ("[backends]", "no backends"),
        ("title = 1", "unknown table 'title'"),
        (
            DEFAULTS + 'backends = ["x"]\n' + SM_OK,
            "defaults.backends names unknown backend 'x'",
        ),
        (
            DEFAULTS + 'backends = "a"\n' + SM_OK,
            "defaults.backends must be a list",
        ),
        (
            DEFAULTS + 'backend = ["a"]\n' + SM_OK,
            "[defaults] takes only backends",
        ),
    ],
)
def test_a_wrong_setting_is_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(toml(text), origin="my.toml")
    assert message in caught.value.message
    assert caught.value.message.startswith("my.toml: ")


def test_a_clear_text_secret_never_reaches_the_message() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(toml('[backends.a]\nvendor = "simplemdm"\napi_key = "s3cr3t-value"'))
    assert "s3cr3t-value" not in caught.value.message


def test_select_uses_defaults_names_or_says_what_is_unknown() -> None:
    settings = parse(toml(EXAMPLE))
    assert [b.name for b in settings.select()] == ["simplemdm-prod", "me-eu"]
    assert [b.name for b in settings.select(["me-onprem", "me-onprem"])] == ["me-onprem"]
    with pytest.raises(UsageError, match="unknown backend 'nope'; configured: simplemdm-prod"):
        settings.select(["nope"])
    with pytest.raises(ConfigError, match="no backend is configured") as caught:
        from_environment({}).select()
    assert caught.value.hint is not None
    assert "SIMPLEMDM_API_KEY" in caught.value.hint


@pytest.mark.parametrize(
    ("environ", "backends"),
    [
        ({}, {}),
        ({"SIMPLEMDM_API_KEY": "  "}, {}),
        ({"SIMPLEMDM_API_KEY": "k"}, {"simplemdm": ("SIMPLEMDM_API_KEY",)}),
        (
            {"SIMPLEMDM_API_KEY": "k", "SIMPLEMDM_BASE_URL": "http://127.0.0.1:1/api/v1"},
            {"simplemdm": ("SIMPLEMDM_API_KEY", "SIMPLEMDM_BASE_URL")},
        ),
        (
            {"MANAGEENGINE_CLIENT_ID": "c", "MANAGEENGINE_DATA_CENTER": "eu"},
            {"manageengine": ("MANAGEENGINE_CLIENT_ID", "MANAGEENGINE_DATA_CENTER")},
        ),
        ({"MANAGEENGINE_DATA_CENTER": "eu"}, {}),  # no credential: not configured
        (
            {
                "MANAGEENGINE_API_KEY": "k",
                "MANAGEENGINE_SERVER_URL": "https://m",
                "SIMPLEMDM_API_KEY": "s",
            },
            {
                "simplemdm": ("SIMPLEMDM_API_KEY",),
                "manageengine": ("MANAGEENGINE_API_KEY", "MANAGEENGINE_SERVER_URL"),
            },
        ),
    ],
)
def test_the_environment_configures_one_backend_per_vendor(
    environ: dict[str, str], backends: dict[str, tuple[str, ...]]
) -> None:
    settings = from_environment(environ)
    assert {name: b.env_names for name, b in settings.backends.items()} == backends
    assert settings.source == "environment"


def test_on_premises_from_the_environment_and_the_token_cache_switch() -> None:
    onprem = from_environment({"MANAGEENGINE_API_KEY": "k", "MANAGEENGINE_SERVER_URL": "https://m"})
    assert onprem.backends["manageengine"].on_premises
    off = from_environment({"MANAGEENGINE_CLIENT_ID": "c", "MDMKIT_TOKEN_CACHE": "off"})
    assert off.backends["manageengine"].options == {"token_cache": False}
    moved = from_environment({"MANAGEENGINE_CLIENT_ID": "c", "MDMKIT_TOKEN_CACHE": "/run/t.json"})
    assert moved.backends["manageengine"].options == {"token_cache": "/run/t.json"}


def test_where_the_config_file_is_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config_path("~/x.toml", {"MDMKIT_CONFIG": "/ignored"}) == (
        str(tmp_path / "x.toml"),
        True,
    )
    assert config_path(None, {"MDMKIT_CONFIG": "/etc/m.toml"}) == ("/etc/m.toml", True)
    assert config_path(None, {"XDG_CONFIG_HOME": "/cfg"}) == ("/cfg/mdmkit/config.toml", False)
    default = str(tmp_path / ".config" / "mdmkit" / "config.toml")
    assert config_path(None, {}) == (default, False)


def test_load_reads_the_file_or_falls_back_to_the_environment(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path), "SIMPLEMDM_API_KEY": "k"}
    assert list(load(None, environ).backends) == ["simplemdm"]  # no file: the environment
    path = tmp_path / "mdmkit" / "config.toml"
    path.parent.mkdir()
    path.write_text(EXAMPLE)
    settings = load(None, environ)  # a file wins over the environment
    assert settings.source == str(path)
    assert "simplemdm" not in settings.backends
    with pytest.raises(ConfigError, match=r"config file .*nope.toml does not exist"):
        load(str(tmp_path / "nope.toml"), environ)
    path.write_text("[backends\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load(None, environ)
