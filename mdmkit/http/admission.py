"""Turns to send: at most as many calls at work on a request as there are send slots.

A program that gathers 2,000 calls would otherwise have every one of them build its request,
fetch its credentials and queue for a slot before the event loop reads the first answer; with
turns, the calls past the first few wait in order, having done no work yet. A turn lasts
until its call's first send ends, so the next in line wakes once, to a free slot, instead of
once for its turn and again for a slot. A turn is only waited for while a send is on the
wire, and the end of the last one lets every waiter in, so a call waiting for a turn never
waits on a call that is itself waiting for it (an ``Auth`` that sends through its own
transport).
"""

from __future__ import annotations

import asyncio
from collections import deque

__all__ = ["Admission"]


class Admission:
    """At most ``limit`` turns out at once, handed on in the order they were asked for."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.out = 0  # turns held: calls between asking for a turn and their first send's end
        self._waiting: deque[asyncio.Future[None]] = deque()

    def __repr__(self) -> str:
        return f"<Admission {self.out}/{self.limit} out, {self.waiting} waiting>"

    @property
    def waiting(self) -> int:
        """Calls waiting for a turn."""
        return sum(not future.done() for future in self._waiting)

    async def enter(self, sending: bool) -> bool:
        """Take a turn, waiting for one while ``sending`` (a send is on the wire to end and
        hand turns on); False when the call goes on without one, every turn out and nothing
        on the wire that would hand one back."""
        if self.out < self.limit and not self._waiting:
            self.out += 1
            return True
        if not sending:
            return False
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.leave()  # handed a turn it will not use: the next in line has it
            raise
        return True

    def leave(self) -> None:
        """Give a turn back (its call's send ended, or the call did): the first waiter has it."""
        if not self._hand_on():
            self.out -= 1

    def let_everyone_in(self) -> None:
        """Nothing is on the wire to hand turns on: every waiter goes, each with a turn."""
        while self._hand_on():
            self.out += 1

    def _hand_on(self) -> bool:
        """Wake the first call still waiting (cancelled ones are passed over); False if none."""
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)
                return True
        return False
