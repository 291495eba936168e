"""Clients wired to a running fake: its URL, its credentials and its clock, in one call.

``fake.client()`` and ``fake.mdm()`` on both fakes come here. The fake servers never import
client code (a bug shared by a client and its fake would hide itself), so the joining lives in
this module, which like ``pytest_plugin`` may import both sides; the fakes import it lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from mdmkit.manageengine import ManageEngine, ManageEngineClient
from mdmkit.simplemdm import SimpleMDM, SimpleMDMClient
from mdmkit.testing._server import Clock
from mdmkit.testing.clock import FakeClock
from mdmkit.testing.manageengine import FakeManageEngine
from mdmkit.testing.simplemdm import FakeSimpleMDM

__all__ = [
    "FAKE_UPLOAD_DEFAULTS",
    "manageengine_client",
    "manageengine_mdm",
    "simplemdm_client",
    "simplemdm_mdm",
]

ME = TypeVar("ME", ManageEngine, ManageEngineClient)

FAKE_UPLOAD_DEFAULTS: Mapping[str, Any] = {"app_category_id": 1}
"""What ``FakeManageEngine.mdm()`` passes as ``upload_defaults`` unless told otherwise:
ManageEngine wants an app category for every new app, and the fake knows category 1."""


def _on_clock(clock: Clock, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with the fake's virtual clock as ``clock``/``sleep`` unless given."""
    if isinstance(clock, FakeClock):
        options.setdefault("clock", clock.time)
        options.setdefault("sleep", clock.sleep)
    return options


def simplemdm_client(fake: FakeSimpleMDM, **options: Any) -> SimpleMDMClient:
    """A ``SimpleMDMClient`` on ``fake`` (its URL and API key, and its clock if virtual)."""
    return SimpleMDMClient(fake.api_key, base_url=fake.url, **_on_clock(fake.clock, options))


def simplemdm_mdm(fake: FakeSimpleMDM, **options: Any) -> SimpleMDM:
    """The neutral ``SimpleMDM`` on ``fake``; ``options`` are the constructor's (``name=``...)."""
    return SimpleMDM(fake.api_key, base_url=fake.url, **_on_clock(fake.clock, options))


def _manageengine(kind: type[ME], fake: FakeManageEngine, options: dict[str, Any]) -> ME:
    """``kind`` (the native client or the neutral backend, built alike) on ``fake``."""
    options = _on_clock(fake.clock, options)
    if fake.on_premises:
        return kind.on_premises(fake.base_url, fake.api_key, **options)
    return kind(
        fake.client_id,
        fake.client_secret,
        fake.refresh_token,
        base_url=fake.base_url,
        accounts_url=fake.accounts_url,
        **options,
    )


def manageengine_client(fake: FakeManageEngine, **options: Any) -> ManageEngineClient:
    """A ``ManageEngineClient`` on ``fake``: Zoho OAuth with the fake's self client and refresh
    token, or the API key of an on-premises fake; its clock if virtual."""
    return _manageengine(ManageEngineClient, fake, options)


def manageengine_mdm(fake: FakeManageEngine, **options: Any) -> ManageEngine:
    """The neutral ``ManageEngine`` on ``fake``, with ``FAKE_UPLOAD_DEFAULTS`` unless
    ``upload_defaults=`` is given; ``options`` are the constructor's."""
    options.setdefault("upload_defaults", FAKE_UPLOAD_DEFAULTS)
    return _manageengine(ManageEngine, fake, options)
