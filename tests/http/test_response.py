"""Which error a failed response means, with the vendor's words and request id."""

from __future__ import annotations

import pytest

from mdmkit.core.errors import (
    APIError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    ValidationError,
    error_class_for_status,
)
from mdmkit.http.response import ErrorDetail, Response, error_from_response, generic_error_detail


def response(status: int, body: bytes = b"", /, **headers: str) -> Response:
    return Response(
        status=status, headers=headers, body=body, method="POST", url="https://x/api/v1/devices/1"
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (418, APIError),
    ],
)
def test_error_class_for_status(status: int, cls: type[APIError]) -> None:
    assert error_class_for_status(status) is cls


def test_error_from_response_carries_everything() -> None:
    failed = response(429, b"{}", **{"x-request-id": "req-1", "retry-after": "3"})
    error = error_from_response(failed, lambda s, h, b: ErrorDetail("slow down", "E42"), now=0)
    assert isinstance(error, RateLimitError)
    assert (error.status, error.code, error.message) == (429, "E42", "slow down")
    assert error.request_id == "req-1"
    assert error.retry_after == 3.0
    assert error.method == "POST"
    assert "req-1" in str(error)
    assert "slow down" in str(error)


def test_permission_error_names_the_scope() -> None:
    error = error_from_response(
        response(403), lambda s, h, b: ErrorDetail("no", scope="MDMInventory"), now=0
    )
    assert isinstance(error, PermissionDeniedError)
    assert error.scope == "MDMInventory"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"message": "m"}', "m"),
        (b'{"error": "e"}', "e"),
        (b"<html>oops</html>", "<html>oops</html>"),
        (b"", "HTTP 500"),
        (b"[1]", "[1]"),
    ],
)
def test_generic_error_detail(body: bytes, message: str) -> None:
    assert generic_error_detail(500, {}, body).message == message


def test_response_json() -> None:
    assert response(200, b'{"a": 1}').json() == {"a": 1}
    assert response(204).json() is None
    with pytest.raises(ResponseFormatError, match="not JSON") as info:
        response(200, b"<html>").json()
    assert info.value.status == 200
    assert "<html>" in info.value.excerpt
    assert response(200, **{"x-request-id": "abc"}).request_id == "abc"
