"""``mdmkit config check`` (what is configured, and does it authenticate) and ``config example``.

``check`` prints where each backend's secrets come from, never their values, then makes one
cheap authenticated call per backend, all at once.
"""

from __future__ import annotations

import argparse

from mdmkit.cli.options import add_backend_option, add_group, run_async

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would slow --help
if TYPE_CHECKING:
    from typing import Any

    from mdmkit.cli.settings import BackendSettings

__all__ = ["EXAMPLE", "register"]

EXAMPLE = """\
# mdmkit config file: ~/.config/mdmkit/config.toml (or --config FILE, or $MDMKIT_CONFIG).
# Secrets are never written here: each one names an environment variable, a file
# readable by you alone (chmod 600), or a command that prints it.

[defaults]
backends = ["simplemdm-prod", "me-eu"]   # what commands use without --backend (default: all)

[backends.simplemdm-prod]
vendor = "simplemdm"
api_key = { env = "SIMPLEMDM_PROD_KEY" }

[backends.simplemdm-lab]
vendor = "simplemdm"
api_key = { command = ["pass", "show", "mdm/simplemdm-lab"] }
requests_per_second = 5

[backends.me-eu]
vendor = "manageengine"
data_center = "eu"
client_id = "1000.ABCDEF"                      # not a secret: plain text allowed
client_secret = { file = "~/.config/mdmkit/me-eu.secret" }
refresh_token = { env = "ME_EU_REFRESH_TOKEN" }
upload_defaults = { app_category_id = 5 }
# token_cache = false                          # default: ~/.cache/mdmkit/zoho-tokens.json

[backends.me-onprem]
vendor = "manageengine"
server_url = "https://mdm.example.com:8383"
api_key = { env = "ME_ONPREM_KEY" }
"""


def register(commands: Any) -> None:
    """Add ``config check`` and ``config example``."""
    actions = add_group(
        commands,
        "config",
        "show and check the configuration",
        "What is configured, and whether each backend authenticates.",
    )
    check = actions.add_parser(
        "check",
        help="say what is configured and whether each backend authenticates",
        description="List the configured backends (where each secret comes from, never its "
        "value) and make one cheap authenticated call to each.",
    )
    add_backend_option(check)
    check.add_argument(
        "--offline", action="store_true", help="only read the configuration; send nothing"
    )
    check.set_defaults(run=lambda args: run_async(_check(args)))
    example = actions.add_parser("example", help="print an example config file")
    example.set_defaults(run=_example)


def _example(args: argparse.Namespace) -> int:
    print(EXAMPLE, end="")
    return 0


def _describe(backend: BackendSettings) -> list[str]:
    lines = [f"{backend.name}: {backend.kind}"]
    if backend.origin == "environment":
        lines.append(f"  from the environment: {', '.join(backend.env_names)}")
    for key, secret in backend.secrets.items():
        source = secret if isinstance(secret, str) else secret.describe()
        lines.append(f"  {key}: {source}")
    for key, value in backend.options.items():
        lines.append(f"  {key}: {value}")
    return lines


async def _check(args: argparse.Namespace) -> int:
    import asyncio

    from mdmkit.cli import backends as build
    from mdmkit.cli.exits import CLIError, ExitCode, exit_code_for
    from mdmkit.cli.options import selected, settings
    from mdmkit.core.errors import MDMError

    config = settings(args)
    source = config.source
    print(f"configuration: {source if source != 'environment' else 'the environment'}")
    chosen = selected(args)
    for backend in chosen:
        print("\n".join(_describe(backend)))
    if args.offline:
        return 0

    async def one(backend: BackendSettings) -> tuple[str, ExitCode]:
        try:
            async with build.build(backend) as mdm:
                found = await build.check(mdm)
        except (CLIError, MDMError) as error:  # one backend's failure, reported with the rest
            return f"{backend.name}: FAILED {type(error).__name__}: {error}", exit_code_for(error)
        return f"{backend.name}: ok, authenticated ({found})", ExitCode.OK

    results = await asyncio.gather(*(one(b) for b in chosen))
    for line, _ in results:
        print(line)
    return max(code for _, code in results)
