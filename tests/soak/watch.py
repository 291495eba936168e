"""The soak's two watchers: secrets where a tracker or a log would record them, and leftovers.

``SecretScan`` searches every text it is shown (exception graphs walked by tests.leaks, log
lines, reprs) for every secret known so far; ``Leftovers`` records ResourceWarnings, reports
to the loop's exception handler, and the tasks and sockets still open after a run.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.leaks import exception_texts, frame_texts
from tests.soak.figures import Figures

__all__ = ["TOKEN_SHAPE", "Leftovers", "SecretScan", "open_sockets"]

TOKEN_SHAPE = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")
"""A Zoho access token as the fakes (and the fuzz server) mint them."""


class SecretScan(logging.Handler):
    """Counts every secret found in what it is shown; also a logging handler for every record.

    Secrets are added as they become known (a token when the fake mints it), so every text is
    searched for the secrets that existed when it was made.
    """

    def __init__(self, figures: Figures) -> None:
        super().__init__(logging.DEBUG)
        self.figures = figures
        self._secrets: set[str] = set()
        self._tokens: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.texts = 0
        self._log: list[tuple[str, str]] = []
        self._formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def add(self, *secrets: str) -> None:
        """Search for these too (empty or very short strings are ignored: they match anything).

        Tokens shaped like Zoho's (``1000.<hex>.<hex>``: thousands in a fuzz run) go in a set
        looked up for every token-shaped word of a text; the other secrets in one pattern.
        """
        for secret in secrets:
            if not isinstance(secret, str) or len(secret) < 8:
                continue
            if TOKEN_SHAPE.fullmatch(secret):
                self._tokens.add(secret)
            elif secret not in self._secrets:
                self._secrets.add(secret)
                alternatives = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, alternatives)))

    def _find(self, text: str) -> str | None:
        match = self._pattern.search(text) if self._pattern is not None else None
        if match is not None:
            return match.group()
        if self._tokens and "1000." in text:
            for word in TOKEN_SHAPE.finditer(text):
                if word.group() in self._tokens:
                    return word.group()
        return None

    def texts_of(self, where: str, texts: Iterable[tuple[str, str]]) -> int:
        """Search ``(place, text)`` pairs; count and keep each place a secret shows up."""
        found = 0
        for place, text in texts:
            self.texts += 1
            secret = self._find(text)
            if secret is not None:
                found += 1
                self.figures.defect("secrets", f"{where} {place}: {secret[:6]}...")
        return found

    def error(self, where: str, error: BaseException) -> int:
        """The whole graph of ``error`` (message, args, attributes, chain) and its frames."""
        return self.texts_of(where, _chain(exception_texts(error), frame_texts(error)))

    def objects(self, where: str, holders: dict[str, object]) -> int:
        """The repr and str of each object that holds a credential."""
        return self.texts_of(
            where,
            ((f"{how}({name})", render(obj)) for name, obj in holders.items()
             for how, render in (("repr", repr), ("str", str))),
        )  # fmt: skip

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record as text (with any traceback); ``flush()`` searches them all."""
        try:
            text = self._formatter.format(record) + " " + repr(record.args)
        except Exception as exc:  # a record that cannot be formatted is itself worth a look
            text = f"<unformattable record {record.name}: {type(exc).__name__}>"
        self._log.append((record.name, text))

    def flush(self) -> None:
        """Search the log lines kept so far, with every secret known by now."""
        lines, self._log = self._log, []
        self.texts_of("log", lines)

    @contextmanager
    def logging(self) -> Iterator[None]:
        """Every logger at DEBUG (mdmkit's, aiohttp's, asyncio's) into this scan."""
        root = logging.getLogger()
        level = root.level
        root.addHandler(self)
        root.setLevel(logging.DEBUG)
        try:
            yield
        finally:
            root.removeHandler(self)
            root.setLevel(level)


def _chain(*groups: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for group in groups:
        yield from group


def open_sockets() -> int | None:
    """How many sockets this process holds open (None where /proc/self/fd is missing)."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    count = 0
    for name in names:
        try:
            count += os.readlink(f"/proc/self/fd/{name}").startswith("socket:")
        except OSError:
            continue
    return count


class Leftovers:
    """What a run leaves behind: warnings, loop error reports, tasks and sockets.

    ``start()`` takes the baseline (after the servers are up, before any client exists);
    ``finish()`` waits up to ``settle`` seconds for the count to come back and records a
    defect for each warning, report, task and socket still there.
    """

    def __init__(self, figures: Figures) -> None:
        self.figures = figures
        self.reports: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sockets: int | None = None
        self._caught: list[warnings.WarningMessage] = []
        self._previous_handler: Any = None

    @contextmanager
    def warnings(self) -> Iterator[None]:
        """Record every warning (ResourceWarning included) raised inside."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                gc.collect()  # unclosed objects warn when collected
                self._caught = list(caught)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._previous_handler = loop.get_exception_handler()
        loop.set_exception_handler(lambda _loop, context: self.reports.append(context))
        self._tasks = set(asyncio.all_tasks())
        self._sockets = open_sockets()

    async def finish(self, settle: float = 5.0) -> None:
        gc.collect()
        ends = time.monotonic() + settle
        while True:
            tasks = self._new_tasks()
            sockets = open_sockets()
            extra = 0 if sockets is None or self._sockets is None else sockets - self._sockets
            if (not tasks and extra <= 0) or time.monotonic() > ends:
                break
            await asyncio.sleep(0.05)
            gc.collect()
        for task in tasks:
            self.figures.defect("unclosed", f"task left running: {task!r:.200}")
        if extra > 0:
            self.figures.defect("unclosed", f"{extra} socket(s) left open", count=extra)
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(self._previous_handler)
        for context in self.reports:
            self.figures.defect("unclosed", f"loop reported: {context.get('message')!s:.200}")

    def _new_tasks(self) -> list[asyncio.Task[Any]]:
        current = asyncio.current_task()
        return [t for t in asyncio.all_tasks() if t not in self._tasks and t is not current]

    def count_warnings(self) -> None:
        """Record the warnings caught by ``warnings()`` (call it after that block)."""
        for caught in self._caught:
            kind = "unclosed" if _is_unclosed(caught) else "warnings"
            self.figures.defect(kind, f"{caught.category.__name__}: {caught.message!s:.200}")


def _is_unclosed(caught: warnings.WarningMessage) -> bool:
    text = str(caught.message)
    return issubclass(caught.category, ResourceWarning) or "never awaited" in text
