"""SimpleMDM: the native API (``SimpleMDMClient`` and its models) and ``SimpleMDM``, the common
interface over it."""

from mdmkit.simplemdm.adapter import SimpleMDM
from mdmkit.simplemdm.client import DEFAULT_BASE_URL, SimpleMDMClient
from mdmkit.simplemdm.mapping import Experience

__all__ = ["DEFAULT_BASE_URL", "Experience", "SimpleMDM", "SimpleMDMClient"]
