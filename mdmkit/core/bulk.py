"""Run one call over many objects with a concurrency cap, and report one outcome per object.

Outcomes come back in input order, one per input, nothing dropped: a failure is kept as its
typed error and never cancels the other calls. Cancellation of the whole run still
propagates. Workers pull from the input, so memory grows with the cap, not the input.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import anyio
import anyio.abc
import attrs

from mdmkit.core.errors import InvalidRequestError

__all__ = ["BulkResult", "Outcome", "ProgressCallback", "first_error", "run_bulk", "task_group"]

T = TypeVar("T")
X = TypeVar("X")


@attrs.frozen
class Outcome(Generic[T]):
    """What happened to one input: its ``value`` on success, else its ``error``."""

    index: int
    target: Any
    value: T | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None


ProgressCallback = Callable[[Outcome[Any], int, int], "Awaitable[None] | None"]


@attrs.frozen
class BulkResult(Generic[T]):
    """Every outcome of a bulk run, in input order."""

    outcomes: tuple[Outcome[T], ...]

    def __len__(self) -> int:
        return len(self.outcomes)

    def __iter__(self) -> Iterator[Outcome[T]]:
        return iter(self.outcomes)

    def __getitem__(self, index: int) -> Outcome[T]:
        return self.outcomes[index]

    @property
    def succeeded(self) -> list[Outcome[T]]:
        """The outcomes that succeeded."""
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome[T]]:
        """The outcomes that failed, each with its error."""
        return [o for o in self.outcomes if not o.ok]

    @property
    def all_ok(self) -> bool:
        """Whether every call succeeded."""
        return all(o.ok for o in self.outcomes)

    def raise_for_errors(self) -> None:
        """Raise the first failure's error (the others stay in ``failed``)."""
        for outcome in self.outcomes:
            if outcome.error is not None:
                raise outcome.error

    def summary(self) -> str:
        """A one-line count, such as "198 ok, 2 failed (TransportError: 2)"."""
        errors: dict[str, int] = {}
        for outcome in self.failed:
            name = type(outcome.error).__name__
            errors[name] = errors.get(name, 0) + 1
        detail = ", ".join(f"{name}: {count}" for name, count in sorted(errors.items()))
        text = f"{len(self.succeeded)} ok, {len(self.failed)} failed"
        return f"{text} ({detail})" if detail else text


def first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error to raise for a failed task group: its first error as itself, the others named
    in its notes; a group holding anything but errors (KeyboardInterrupt...) stays as it is."""
    errors = list(_leaves(group))
    if not all(isinstance(error, Exception) for error in errors):
        return group
    first, *others = errors
    if others:
        named = "; ".join(f"{type(e).__name__}: {e}" for e in others)
        first.add_note(f"{len(others)} more failed at the same time: {named}")
    return first


def _leaves(group: BaseExceptionGroup[BaseException]) -> Iterator[BaseException]:
    for error in group.exceptions:
        if isinstance(error, BaseExceptionGroup):
            yield from _leaves(error)
        else:
            yield error


@contextlib.asynccontextmanager
async def task_group() -> AsyncIterator[anyio.abc.TaskGroup]:
    """An anyio task group whose failure comes out as ``first_error``, not an ExceptionGroup,
    so ``except NotFoundError`` around it works as it reads."""
    failed: BaseExceptionGroup[BaseException] | None = None
    try:
        async with anyio.create_task_group() as group:
            yield group
    except BaseExceptionGroup as error:
        failed = error
    if failed is not None:
        raise first_error(failed)  # raised here, not in the except: no group as __context__


async def run_bulk(
    call: Callable[[X], Awaitable[T]],
    items: Sequence[X],
    *,
    concurrency: int,
    on_progress: ProgressCallback | None = None,
) -> BulkResult[T]:
    """``call(item)`` for every item, at most ``concurrency`` at once; every outcome kept.

    ``on_progress(outcome, done, total)`` (plain or async) runs after each call finishes.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(
            f"concurrency must be a positive int, got {concurrency!r}", field="concurrency"
        )
    total = len(items)
    outcomes: list[Outcome[T] | None] = [None] * total
    pending = iter(range(total))
    done = 0

    async def worker() -> None:
        nonlocal done
        for index in pending:
            item = items[index]
            try:
                outcome: Outcome[T] = Outcome(index, item, value=await call(item))
            except Exception as error:  # kept as data: one failure stops nothing
                outcome = Outcome(index, item, error=error)
            outcomes[index] = outcome
            done += 1
            if on_progress is not None:
                reported = on_progress(outcome, done, total)
                if inspect.isawaitable(reported):
                    await reported

    async with task_group() as group:  # a raising on_progress stops the run, as itself
        for _ in range(min(concurrency, total)):
            group.start_soon(worker)
    return BulkResult(tuple(o for o in outcomes if o is not None))
