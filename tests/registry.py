"""A registry of which native methods have a test, filled by a decorator at import time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


class Registry:
    """``@registry.covers("devices.lock")`` records that a test exercises that method."""

    def __init__(self) -> None:
        self.covered: dict[str, list[str]] = {}

    def covers(self, *names: str) -> Callable[[F], F]:
        """Mark a test as the one that exercises these native methods against the fake."""

        def mark(test: F) -> F:
            for name in names:
                self.covered.setdefault(name, []).append(getattr(test, "__name__", repr(test)))
            return test

        return mark
