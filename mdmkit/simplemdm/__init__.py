"""SimpleMDM: the native API (``SimpleMDMClient`` and its models) and ``SimpleMDM``, the common
interface over it."""

from mdmkit.simplemdm.adapter import SimpleMDM
from mdmkit.simplemdm.client import DEFAULT_BASE_URL, SimpleMDMClient

__all__ = ["DEFAULT_BASE_URL", "SimpleMDM", "SimpleMDMClient"]
