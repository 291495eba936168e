"""The fake SimpleMDM server (``FakeSimpleMDM``) and its in-memory state."""

from mdmkit.testing.simplemdm.server import FakeSimpleMDM
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = ["FakeSimpleMDM", "SimpleMDMState"]
