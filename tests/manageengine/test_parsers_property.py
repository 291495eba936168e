"""Property: whatever a server sends, ManageEngine's parsers give a model or an MDMError.

Hypothesis feeds every parser hostile input: random JSON (NaN, infinities, huge numbers,
wrong types, lists for objects), realistic objects with fields swapped for random values,
random bytes and deeply nested bodies. Envelopes, models, paging links, token answers and
error bodies may refuse, but only with an MDMError subclass: never a TypeError, ValueError,
OverflowError, RecursionError or anything else untyped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs
import pytest
from authlib.oauth2.rfc6749 import OAuth2Token
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from mdmkit.core.errors import MDMError, OAuthError, PaginationError
from mdmkit.core.models import App, AppAssignment, Device, Group, InstallMode
from mdmkit.http.convert import structure_model
from mdmkit.http.response import ErrorDetail, Response
from mdmkit.manageengine import mapping
from mdmkit.manageengine import models as native
from mdmkit.manageengine.envelope import Collection, parse_error, read_collection, read_object
from mdmkit.manageengine.paging import NextLinks
from mdmkit.manageengine.tokens import make_token, read_answer, token_error, token_error_detail

T = TypeVar("T")
CONVERTER = native.make_converter()
BASE = "https://mdm.corp.example"
LINKS = NextLinks.of(BASE, ["http://mdm-internal:9020"])
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["--", "0", "", "true", "false", "1e999", "NaN", "١٢٣", " 121", "0121"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

MODELS = [
    native.App,
    native.ReleaseLabel,
    native.UploadedFile,
    native.FileStatus,
    native.Device,
    native.DeviceSummary,
    native.InstalledApp,
    native.DeviceAction,
    native.BulkActionResult,
    native.Group,
    native.User,
    native.Profile,
]

REALISTIC: dict[type, dict[str, Any]] = {
    native.Device: {
        "device_id": 108870000001000001,
        "device_name": "iPad",
        "platform_type": "ios",
        "platform_type_id": 1,
        "imei": ["354445066521325"],
        "is_removed": "false",
        "managed_status": 2,
        "last_contact_time": 1700000000000,
        "user": {"user_id": 108870000002000001, "user_email": "a@example.com"},
        "summary": {"app_count": "3", "group_count": "1"},
        "os": {"platform_type": 1, "os_version": "17.4"},
        "network": {"wifi_mac": "--"},
        "purchase_date": 0,
    },
    native.DeviceSummary: {
        "device_id": 108870000001000001,
        "group": [{"group_id": 108870000005000001, "group_name": "Sales"}],
        "app_count": "3",
    },
    native.App: {
        "app_id": 108870000003000001,
        "app_type": 1,
        "platform_type": 1,
        "release_labels": [{"release_label_id": 108870000004000001, "release_label_type": 1}],
        "added_time": 1700000000000,
    },
    native.BulkActionResult: {
        "success_list": [{"device_id": 108870000001000001, "status": "success"}],
        "total_count": "1",
    },
}


def outcome(parse: Callable[[], T], expected: type | tuple[type, ...]) -> T | MDMError:
    """What ``parse`` gives: a value of the expected type, or the MDMError it raised."""
    try:
        result = parse()
    except MDMError as exc:
        return exc
    except Exception as exc:  # the property: nothing untyped comes out
        pytest.fail(f"untyped {type(exc).__name__}: {exc!r}")
    assert isinstance(result, expected)
    return result


def response(body: bytes, status: int = 200) -> Response:
    return Response(status=status, headers={}, body=body, method="GET", url=f"{BASE}/api")


def fields_of(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with some of ``cls``'s field names, each holding a random JSON value."""
    names = [f.name for f in attrs.fields(cls) if f.name != "raw"]
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, json_values))


@st.composite
def model_inputs(draw: st.DrawFn) -> tuple[type, Any]:
    cls = draw(st.sampled_from(MODELS))
    data: Any = draw(
        st.one_of(
            fields_of(cls),
            json_values,
            st.builds(
                lambda base, changes: {**base, **changes},
                st.just(REALISTIC.get(cls, {})),
                fields_of(cls),
            ),
        )
    )
    return cls, data


@PROPERTY
@given(model_inputs())
def test_models_give_a_model_or_an_mdm_error(case: tuple[type, Any]) -> None:
    cls, data = case
    outcome(lambda: structure_model(CONVERTER, data, cls), cls)


bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=3000).map(lambda n: b'{"devices":' * n),
    st.builds(
        lambda items, paging, meta: json.dumps(
            {"devices": items, "paging": paging, "metadata": meta}
        ).encode(),
        json_values,
        json_values,
        json_values,
    ),
)


@PROPERTY
@given(bodies)
def test_collections_give_a_page_or_an_mdm_error(body: bytes) -> None:
    outcome(lambda: read_collection(response(body), "devices"), Collection)


@PROPERTY
@given(bodies, st.sampled_from(MODELS))
def test_objects_give_a_model_or_an_mdm_error(body: bytes, cls: type) -> None:
    outcome(lambda: read_object(response(body), cls, CONVERTER), cls)


@PROPERTY
@given(bodies, st.integers(min_value=400, max_value=599))
def test_error_bodies_always_give_a_detail(body: bytes, status: int) -> None:
    detail = outcome(lambda: parse_error(status, {}, body), ErrorDetail)
    assert isinstance(detail, ErrorDetail)
    assert detail.code is None or isinstance(detail.code, str)


links = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
        st.sampled_from(
            [
                "mdm.corp.example",
                "mdm-internal",
                "evil.example",
                "[::1",
                "u@mdm.corp.example",
                "x\\@y",
                "",
            ]
        ),
        st.sampled_from(["", ":443", ":9020", ":abc", ":99999", ":-1"]),
        st.text(max_size=20),
    ),
    st.text(max_size=30).map(lambda rest: "/api/v1/mdm/devices?" + rest),
)


@PROPERTY
@given(links)
@example("https://u@mdm.corp.example/api")
@example("https://evil.example\\@mdm.corp.example/api")
@example("https://mdm.corp.example:abc/api")
@example("https://[::1/api")
def test_next_links_stay_on_the_configured_origin_or_are_refused(link: str) -> None:
    resolved = outcome(lambda: LINKS.resolve(link, f"{BASE}/api/v1/mdm/devices?limit=200"), str)
    if isinstance(resolved, MDMError):
        assert isinstance(resolved, PaginationError)
        return
    parts = urlsplit(resolved)
    assert (parts.scheme.lower(), parts.hostname, parts.port in (None, 443)) == (
        "https",
        "mdm.corp.example",
        True,
    )
    assert "@" not in parts.netloc


token_answers = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"access_token": st.one_of(st.text(max_size=40), json_values)},
        optional={
            "expires_in": json_values,
            "expires_in_sec": json_values,
            "refresh_token": json_values,
            "error": json_values,
        },
    ),
)


@PROPERTY
@given(token_answers, st.floats(min_value=0, max_value=4e9))
def test_token_answers_give_a_token_or_an_mdm_error(data: Any, now: float) -> None:
    if not isinstance(data, dict):
        return
    token = outcome(lambda: make_token(data, now), OAuth2Token)
    if isinstance(token, OAuth2Token):
        lifetime = token["expires_in"]
        assert isinstance(lifetime, float)
        assert math.isfinite(lifetime)
        assert lifetime > 0
        access = str(token["access_token"])
        assert all(0x21 <= ord(ch) <= 0x7E for ch in access)


@PROPERTY
@given(bodies)
def test_token_bodies_give_an_object_or_an_mdm_error(body: bytes) -> None:
    outcome(lambda: read_answer(response(body)), dict)
    outcome(lambda: token_error_detail(500, {}, body), ErrorDetail)


@PROPERTY
@given(st.dictionaries(st.sampled_from(["error", "error_description", "x"]), json_values))
def test_token_refusals_are_oauth_errors(data: dict[str, Any]) -> None:
    error = outcome(
        lambda: token_error(data, 200, "https://accounts.zoho.eu", cooldown=600), OAuthError
    )
    assert isinstance(error, OAuthError)


# -- the neutral mapping of whatever the parsers let through ------------------------------------

REALISTIC[native.Group] = {
    "group_id": 108870000005000001,
    "name": "Sales",
    "group_type": 6,
    "member_count": "3",
}


CODES = st.integers(min_value=-5, max_value=40) | st.integers(min_value=0, max_value=2**63)
TEXTS = (
    st.none() | st.sampled_from(["", "--", "0", "iPhone", "ios", "android"]) | st.text(max_size=8)
)
LABELS = st.lists(
    st.fixed_dictionaries(
        {"release_label_id": st.integers(min_value=1, max_value=2**62)},
        optional={"release_label_type": CODES | st.none(), "release_label_name": TEXTS},
    ),
    max_size=3,
)
MAPPED_FIELDS: dict[type, dict[str, st.SearchStrategy[Any]]] = {
    native.App: {"app_type": CODES, "platform_type": CODES, "release_labels": LABELS},
    native.Device: {
        "platform_type": TEXTS | CODES,
        "platform_type_id": CODES,
        "managed_status": CODES,
        "device_name": TEXTS,
        "model_name": TEXTS,
        "imei": TEXTS | st.lists(TEXTS, max_size=2),
        "user": st.none() | st.just({}) | st.fixed_dictionaries({"user_email": TEXTS}),
        "os": st.none() | st.fixed_dictionaries({"platform_type": CODES}),
    },
    native.Group: {"group_type": CODES | st.none(), "name": TEXTS},
    native.DeviceSummary: {
        "group": st.lists(
            st.fixed_dictionaries({"group_id": st.integers(min_value=1, max_value=2**62)}),
            max_size=3,
        )
    },
}


def _mostly_realistic(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """The realistic object of ``cls`` with a few of the fields the mapping reads given
    values it may not expect (unknown codes, blanks, "--"), sometimes one any JSON at all."""
    names = [f.name for f in attrs.fields(cls) if f.name != "raw"]
    anything = st.dictionaries(st.sampled_from(names), json_values, max_size=1)
    typed = st.fixed_dictionaries({}, optional=MAPPED_FIELDS[cls])
    return st.tuples(typed, anything | st.just({})).map(
        lambda swaps: {**REALISTIC[cls], **swaps[0], **swaps[1]}
    )


def _neutral(cls: type, item: Any, summary: Any) -> list[Any]:
    if cls is native.Device:
        return [mapping.device(item, "me"), mapping.device(item, "me", summary=summary)]
    if cls is native.Group:
        return [mapping.group(item, "me")]
    label = mapping.stable_label(item)
    made = [] if label is None else mapping.assignments(
        str(item.app_id), label, InstallMode.AUTOMATIC, "me", devices=["1"], groups=["2"]
    )  # fmt: skip
    return [mapping.app(item, "me"), *made]


@settings(PROPERTY, max_examples=200)
@given(
    case=st.sampled_from([native.Device, native.App, native.Group]).flatmap(
        lambda cls: st.tuples(st.just(cls), _mostly_realistic(cls))
    ),
    summary=st.just(REALISTIC[native.DeviceSummary]) | _mostly_realistic(native.DeviceSummary),
)
def test_a_parsed_model_maps_to_the_neutral_one_or_an_mdm_error(
    case: tuple[type, dict[str, Any]], summary: dict[str, Any]
) -> None:
    cls, data = case
    item = outcome(lambda: structure_model(CONVERTER, data, cls), cls)
    parsed = outcome(lambda: structure_model(CONVERTER, summary, native.DeviceSummary), object)
    event("parsed" if not isinstance(item, MDMError) else "refused by the parser")
    if isinstance(item, MDMError):
        return
    known = None if isinstance(parsed, MDMError) else parsed  # a refused summary: groups unknown
    made = outcome(lambda: _neutral(cls, item, known), list)
    event("mapped" if isinstance(made, list) else "refused by the mapping")
    if isinstance(made, list):
        assert all(isinstance(m, Device | App | Group | AppAssignment) for m in made)


error_shapes = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "error_code": json_values | st.integers() | st.sampled_from(["COM0008", "COM0013"]),
            "error_description": json_values,
            "localized_error_description": json_values,
        },
    ),
    st.fixed_dictionaries({}, optional={"errorCode": json_values, "errorMsg": json_values}),
    st.fixed_dictionaries({"error": json_values}, optional={"error_description": json_values}),
)


@PROPERTY
@given(error_shapes, st.integers(min_value=400, max_value=599))
def test_documented_error_shapes_with_any_values_give_a_detail(data: Any, status: int) -> None:
    """Both of ManageEngine's error shapes (and Zoho's), their fields holding anything."""
    body = json.dumps(data).encode()
    detail = outcome(lambda: parse_error(status, {}, body), ErrorDetail)
    assert isinstance(detail, ErrorDetail)
    assert isinstance(detail.message, str)
    assert detail.message
    assert detail.code is None or isinstance(detail.code, str)
    token = outcome(lambda: token_error_detail(status, {}, body), ErrorDetail)
    assert isinstance(token, ErrorDetail)
