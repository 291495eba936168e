"""An id-keyed store that keeps its keys sorted, so cursor pages cost a bisect, not a sort.

Shared by the fakes: ``Table`` is a read-only mapping for tests (``fake.state.devices[121]``)
with ``add``/``remove`` for the server, ``after(cursor, desc)`` to walk from a cursor and
``slice(start, stop)`` for offset pages.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, Generic, TypeVar

__all__ = ["Table", "take_page"]

K = TypeVar("K", int, str)
V = TypeVar("V")
T = TypeVar("T")


class Table(Mapping[K, V], Generic[K, V]):
    """Objects by id (all ints or all strings), with the ids kept in ascending order."""

    def __init__(self, items: Iterable[tuple[K, V]] = ()) -> None:
        self._items: dict[K, V] = {}
        self._keys: list[K] = []
        for key, value in items:
            self.add(key, value)

    def add(self, key: K, value: V) -> V:
        """Insert or replace; appending a larger id than any so far is O(1)."""
        if key not in self._items:
            if not self._keys or key > self._keys[-1]:
                self._keys.append(key)
            else:
                bisect.insort(self._keys, key)
        self._items[key] = value
        return value

    def remove(self, key: K) -> V:
        """Delete and return the object (KeyError when absent)."""
        value = self._items.pop(key)
        del self._keys[bisect.bisect_left(self._keys, key)]
        return value

    def next_id(self, floor: int = 1) -> int:
        """One more than the largest integer id (at least ``floor``)."""
        last = self._keys[-1] if self._keys else 0
        return max(int(last) + 1, floor)

    def after(self, cursor: K | None = None, desc: bool = False) -> Iterator[V]:
        """Objects past ``cursor`` (exclusive) in id order, or reverse order when ``desc``."""
        keys = self._keys
        if desc:
            start = len(keys) if cursor is None else bisect.bisect_left(keys, cursor)
            return (self._items[keys[i]] for i in range(start - 1, -1, -1))
        start = 0 if cursor is None else bisect.bisect_right(keys, cursor)
        return (self._items[keys[i]] for i in range(start, len(keys)))

    def slice(self, start: int, stop: int) -> list[V]:
        """The objects at positions ``start`` to ``stop`` (exclusive) in id order (offset pages)."""
        return [self._items[key] for key in self._keys[start:stop]]

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._keys))

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Table({len(self)} items)"


def take_page(
    items: Iterable[T], limit: int, accept: Callable[[T], Any] | None = None
) -> tuple[list[T], bool]:
    """The first ``limit`` accepted items, and whether at least one more exists."""
    chosen = items if accept is None else (item for item in items if accept(item))
    page = list(islice(chosen, limit + 1))
    return page[:limit], len(page) > limit
