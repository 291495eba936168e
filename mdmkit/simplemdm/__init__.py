"""The native SimpleMDM API: ``SimpleMDMClient`` and its models."""

from mdmkit.simplemdm.client import DEFAULT_BASE_URL, SimpleMDMClient

__all__ = ["DEFAULT_BASE_URL", "SimpleMDMClient"]
