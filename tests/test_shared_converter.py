"""Clients share one converter a vendor: its structure functions are written once a process."""

from __future__ import annotations

import pytest

from mdmkit.manageengine import ManageEngineClient
from mdmkit.simplemdm import SimpleMDMClient


@pytest.mark.anyio
async def test_clients_of_one_vendor_share_their_converter() -> None:
    async with SimpleMDMClient("k1") as a, SimpleMDMClient("k2") as b:
        assert a._converter is b._converter
    async with (
        ManageEngineClient.on_premises("https://mdm.example.com", "k1") as c,
        ManageEngineClient.on_premises("https://mdm.example.com", "k2") as d,
    ):
        assert c._converter is d._converter
        assert c._converter is not a._converter  # ManageEngine's reads its "--" as None
