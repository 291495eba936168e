"""What a request sends: the caller's body, checked once, then opened afresh for each attempt.

A body is a form, JSON, multipart fields or one file's content, at most one of them. It is
checked when the call is made and kept as checked (JSON written once, a form's pairs and
multipart fields copied): what JSON cannot hold is refused before anything is sent, and
what the caller changes afterwards is not sent. Files are opened for each attempt and closed
after it, so a retry sends them whole again. (Response bodies are read in ``body.py``.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import attrs

from mdmkit.core.errors import InvalidRequestError
from mdmkit.http.params import check_form_text, json_body
from mdmkit.http.uploads import FileSource, FormField, multipart_body

__all__ = ["FORM_TYPE", "NO_JSON", "Body", "Form", "RequestBody", "request_body"]

NO_JSON: Any = object()  # no ``json`` was given (None is JSON's null, a body of its own)
FORM_TYPE = "application/x-www-form-urlencoded"
Form = Mapping[str, str] | Sequence[tuple[str, str]]  # a form body: a dict, or pairs


@attrs.frozen
class Body:
    """What one attempt sends; bytes or nothing, so entering it as a context opens nothing."""

    data: Any = None
    headers: Mapping[str, str] = attrs.Factory(dict)
    empty: bool = True  # nothing to send, so no Content-Type either

    async def __aenter__(self) -> Body:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None


_NO_BODY = Body()


@attrs.frozen
class RequestBody:
    """The body a caller gave, checked; ``opened()`` gives each attempt its own ``Body``.

    ``streams``: it streams files (an upload, with the longer timeout); ``replayable``:
    every file in it can be read again, so a retry may send it.
    """

    form: Sequence[tuple[str, str]] | None
    json: Any
    multipart: Sequence[FormField] | None
    content: FileSource | None
    streams: bool = False
    replayable: bool = True

    def opened(self) -> AbstractAsyncContextManager[Body]:
        """One attempt's body: files and multipart streams are closed after the attempt;
        bytes (JSON, a form, nothing) need no opening and are their own context."""
        if self.multipart is not None:
            return _opened_multipart(self.multipart)
        if self.content is not None:
            return _opened_content(self.content)
        if self.json is not NO_JSON:
            return Body(self.json, {"Content-Type": "application/json"}, empty=False)
        if self.form:
            return Body(urlencode(self.form).encode(), {"Content-Type": FORM_TYPE}, empty=False)
        return _NO_BODY


_NOTHING = RequestBody(None, NO_JSON, None, None)


def request_body(
    form: Form | None = None,
    json: Any = NO_JSON,
    multipart: Sequence[FormField] | None = None,
    content: FileSource | None = None,
) -> RequestBody:
    """The body given, checked: InvalidRequestError (nothing sent) for more than one kind of
    body, text that UTF-8 cannot write, or JSON that JSON cannot hold."""
    given = (form is not None) + (json is not NO_JSON)
    given += (multipart is not None) + (content is not None)
    if given > 1:
        raise InvalidRequestError("give at most one of form, json, multipart or content")
    if not form and json is NO_JSON and multipart is None and content is None:
        return _NOTHING  # a command without fields: the one body most calls send
    if form is not None:  # its pairs kept as checked: a later change to the caller's dict
        pairs = _pairs(form)  # is not sent, as JSON is written once
        check_form_text(pairs)
        return RequestBody(pairs, NO_JSON, None, None)
    if json is not NO_JSON:
        return RequestBody(None, json_body(json), None, None)
    if multipart is not None:
        multipart = tuple(multipart)  # kept as checked, as a form's pairs are
        check_form_text((name, value) for name, value in multipart if isinstance(value, str))
    files = [value for _, value in multipart or () if isinstance(value, FileSource)]
    if content is not None:
        files.append(content)
    replayable = all(file.replayable for file in files)
    return RequestBody(None, NO_JSON, multipart, content, bool(files), replayable)


@asynccontextmanager
async def _opened_multipart(multipart: Sequence[FormField]) -> AsyncIterator[Body]:
    async with multipart_body(multipart) as writer:
        yield Body(writer, empty=False)


@asynccontextmanager
async def _opened_content(content: FileSource) -> AsyncIterator[Body]:
    async with content.payload() as payload:
        yield Body(payload, {"Content-Type": content.content_type}, empty=False)


def _pairs(form: Form) -> Sequence[tuple[str, str]]:
    return list(form.items()) if isinstance(form, Mapping) else list(form)
