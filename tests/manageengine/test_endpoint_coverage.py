"""Every ManageEngine native method exists and has a test against the fake."""

from __future__ import annotations

from mdmkit.manageengine import ManageEngineClient
from tests.manageengine import test_endpoints  # noqa: F401  (fills COVERED)
from tests.manageengine.endpoints import COVERED, ENDPOINTS


def test_every_method_exists_on_the_client() -> None:
    client = ManageEngineClient.on_premises("https://mdm.example.com", "key")
    names = [name for _, _, name in ENDPOINTS]
    assert len(names) == len(set(names)) == 44
    missing = [
        name
        for name in names
        if not callable(getattr(getattr(client, name.split(".")[0]), name.split(".")[1], None))
    ]
    assert missing == []


def test_every_method_has_a_test_against_the_fake() -> None:
    names = {name for _, _, name in ENDPOINTS}
    assert sorted(names - set(COVERED)) == []
    assert sorted(set(COVERED) - names) == []
