"""Every one of the 123 endpoints has a method on the client and a test against the fake."""

from __future__ import annotations

from mdmkit.simplemdm import SimpleMDMClient
from tests.simplemdm import test_endpoints_catalog, test_endpoints_devices  # noqa: F401  (fill COVERED)
from tests.simplemdm.endpoints import COVERED, ENDPOINTS


def test_the_table_has_123_distinct_endpoints() -> None:
    assert len(ENDPOINTS) == 123
    assert len({name for _, _, name in ENDPOINTS}) == 123
    assert len({(method, path) for method, path, _ in ENDPOINTS}) == 123


def test_every_endpoint_is_a_client_method() -> None:
    client = SimpleMDMClient("k")
    missing = [
        name
        for _, _, name in ENDPOINTS
        if not callable(
            getattr(getattr(client, name.split(".")[0], None), name.split(".")[1], None)
        )
    ]
    assert missing == []


def test_every_endpoint_has_a_test_against_the_fake() -> None:
    untested = sorted({name for _, _, name in ENDPOINTS} - set(COVERED))
    assert untested == []
    unknown = sorted(set(COVERED) - {name for _, _, name in ENDPOINTS})
    assert unknown == []
