"""The engine tests use the pytest plugin's fakes and virtual clock, as users' tests do."""

from mdmkit.testing.pytest_plugin import fake_clock, fake_manageengine, fake_simplemdm

__all__ = ["fake_clock", "fake_manageengine", "fake_simplemdm"]
