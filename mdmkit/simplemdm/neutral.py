"""What the neutral services over SimpleMDM share: the native client, the account's group
experience (read once), 409 as success, and one paginator over several native listings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import anyio
import attrs

from mdmkit.core.errors import APIError, ConflictError, InvalidRequestError
from mdmkit.core.interface import Service
from mdmkit.core.pagination import Page, Paginator
from mdmkit.simplemdm.mapping import (
    Experience,
    experience_of,
    experience_refused,
    parse_group_id,
)

if TYPE_CHECKING:
    from mdmkit.simplemdm.adapter import SimpleMDM
    from mdmkit.simplemdm.client import SimpleMDMClient

__all__ = ["Backed", "ExperienceProbe", "Listing", "already_so", "chained", "paired"]

T = TypeVar("T")
C = TypeVar("C")


class Backed(Service):
    """What every SimpleMDM service shares: the native client, the backend's name, group ids."""

    @property
    def _native(self) -> SimpleMDMClient:
        return cast("SimpleMDMClient", self._mdm.native)

    @property
    def _source(self) -> str:
        return self._mdm.name

    def _group(self, value: object) -> tuple[str, int]:
        """A group model or id as ("device_group" | "assignment_group", native id)."""
        return parse_group_id(self._id(value, "group"))

    async def _experience(self) -> Experience:
        """The account's group experience (read on first use, then kept)."""
        return await cast("SimpleMDM", self._mdm).experience()


class ExperienceProbe:
    """Which group model an account is on, read once with ``GET /device_groups?limit=1`` (one
    request however many callers ask at once) and kept: an account moves to the New Groups
    Experience once, so a long-lived process made before the move needs a new client."""

    def __init__(self) -> None:
        self._found: Experience | None = None
        self._lock = anyio.Lock()

    async def get(self, client: SimpleMDMClient) -> Experience:
        async with self._lock:
            if self._found is None:
                self._found = await self._read(client)
            return self._found

    @staticmethod
    async def _read(client: SimpleMDMClient) -> Experience:
        try:
            page = await client.device_groups.list(limit=1)
        except APIError as exc:
            refused = experience_refused(exc.status)
            if refused is None:
                raise
            return refused
        return experience_of(len(page.items))


async def already_so(call: Awaitable[None]) -> None:
    """Send an assign/unassign; SimpleMDM's 409 means it already is so, which is success."""
    with contextlib.suppress(ConflictError):
        await call


@attrs.frozen
class Listing(Generic[T]):
    """One native listing in a ``chained`` paginator: ``fetch(cursor)`` gives a native page
    (a native ``list(starting_after=cursor)`` paginator awaits to its first page) and
    ``convert`` turns each native item into zero or more neutral ones."""

    label: str
    fetch: Callable[[str | None], Awaitable[Page[Any]]]
    convert: Callable[[Any], Iterable[T]]


def paired(page: Page[T], context: C) -> Page[tuple[T, C]]:
    """A page whose every item comes with ``context`` (what its conversion needs to know)."""
    return Page(
        items=[(item, context) for item in page.items], has_more=page.has_more, cursor=page.cursor
    )


def chained(*listings: Listing[T]) -> Paginator[T]:
    """One paginator over several native listings in turn, each item converted (and possibly
    dropped). The cursor says which listing and where in it: ``"<label>:<native cursor>"``."""
    labels = [listing.label for listing in listings]

    async def fetch(cursor: str | None) -> Page[T]:
        index, inner = 0, None
        if cursor is not None:
            label, sep, rest = cursor.partition(":")
            if not sep or label not in labels:
                raise InvalidRequestError(f"not a cursor of this list: {cursor!r}", field="cursor")
            index, inner = labels.index(label), rest or None
        listing = listings[index]
        page = await listing.fetch(inner)
        items = [item for native in page.items for item in listing.convert(native)]
        if page.has_more:
            following = None if page.cursor is None else f"{listing.label}:{page.cursor}"
            return Page(items=items, has_more=True, cursor=following)
        if index + 1 < len(listings):
            return Page(items=items, has_more=True, cursor=f"{labels[index + 1]}:")
        return Page(items=items, has_more=False)

    return Paginator(fetch)
