"""The fake ManageEngine MDM server (``FakeManageEngine``), the Zoho accounts server it needs
(``FakeZohoAccounts``) and the in-memory state tests read."""

from mdmkit.testing.manageengine.accounts import FakeZohoAccounts
from mdmkit.testing.manageengine.server import FakeManageEngine
from mdmkit.testing.manageengine.state import ManageEngineState

__all__ = ["FakeManageEngine", "FakeZohoAccounts", "ManageEngineState"]
