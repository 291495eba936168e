"""``async with`` for the objects that hold connections: opened on entry, closed on exit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["AsyncClosing"]


class AsyncClosing:
    """``async with obj`` awaits ``obj._enter()`` (nothing by default) and gives ``obj``; the
    block's end awaits ``obj.aclose()`` however it ends. Subclasses write ``aclose``."""

    __slots__ = ()

    async def _enter(self) -> None:
        """What entering does before the block runs (open a session, start a server)."""

    async def aclose(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self._enter()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
