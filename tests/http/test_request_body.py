"""The body a caller gives, checked once and opened afresh for each attempt (pure, no server)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from mdmkit.core.errors import InvalidRequestError
from mdmkit.http.request_body import FORM_TYPE, NO_JSON, RequestBody, request_body
from mdmkit.http.uploads import FileSource

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("form", [None, [], {}])
async def test_no_fields_send_no_body_and_no_content_type(form: object) -> None:
    body = request_body(form=form)  # type: ignore[arg-type]
    assert (body.streams, body.replayable) == (False, True)
    async with body.opened() as sent:
        assert sent.empty
        assert sent.data is None
        assert not sent.headers


async def test_a_form_is_encoded_for_each_attempt() -> None:
    body = request_body(form={"message": "Lost phone", "pin": "123456"})
    for _ in range(2):
        async with body.opened() as sent:
            assert sent.data == b"message=Lost+phone&pin=123456"
            assert sent.headers == {"Content-Type": FORM_TYPE}
            assert not sent.empty


@pytest.mark.parametrize(
    ("make", "sent_as"),
    [
        (lambda given: request_body(form=given), b"message=Lost+phone"),
        (lambda given: request_body(json=given), b'{"message":"Lost phone"}'),
    ],
    ids=["form", "json"],
)
async def test_a_body_is_sent_as_it_was_when_the_call_was_made(
    make: Callable[[dict[str, str]], RequestBody], sent_as: bytes
) -> None:
    given = {"message": "Lost phone"}
    body = make(given)
    given["message"] = "changed after the call was made"
    async with body.opened() as sent:
        assert sent.data == sent_as


def test_multipart_fields_are_kept_as_they_were_checked() -> None:
    parts = [("name", "Kiosk")]
    upload = request_body(multipart=parts)
    parts.append(("added", "after the call was made"))
    assert upload.multipart == (("name", "Kiosk"),)


async def test_json_says_so_and_null_is_a_body() -> None:
    async with request_body(json={"name": "Kiosk"}).opened() as sent:
        assert sent.headers == {"Content-Type": "application/json"}
    assert request_body(json=None).json == b"null"  # null is a body, unlike NO_JSON
    assert request_body().json is NO_JSON


def test_files_make_an_upload_and_say_whether_a_retry_can_resend_them() -> None:
    again = FileSource.of(b"PK\x03\x04", filename="App.ipa")
    read, write = os.pipe()  # a pipe cannot seek back: read once, it cannot be sent again
    pipe = open(read, "rb")  # noqa: SIM115 (closed below)
    os.close(write)
    once = FileSource.of(pipe, filename="App.ipa")
    content = request_body(content=again)
    assert (content.streams, content.replayable) == (True, True)
    assert not request_body(content=once).replayable
    streamed = request_body(multipart=[("name", "App"), ("binary", again), ("other", once)])
    assert (streamed.streams, streamed.replayable) == (True, False)
    fields_only = request_body(multipart=[("name", "App")])
    assert (fields_only.streams, fields_only.replayable) == (False, True)
    pipe.close()


@pytest.mark.parametrize(
    "given",
    [
        {"form": [], "json": {}},
        {"form": {"a": "b"}, "content": FileSource.of(b"x", filename="x.bin")},
        {"json": None, "multipart": []},
        {"multipart": [], "content": FileSource.of(b"x", filename="x.bin")},
    ],
)
def test_more_than_one_kind_of_body_is_refused(given: dict[str, object]) -> None:
    with pytest.raises(InvalidRequestError, match="at most one of form, json, multipart"):
        request_body(**given)  # type: ignore[arg-type]
