"""The generated structure functions give what the plain cattrs path gives, field by field.

``structure_model`` tries the function generated for a model first and takes the converter's
plain path (``plain_structure``) on anything declined. These tests hold the two apart: every
recorded fixture and every body the fakes send is structured both ways (and decoded with and
without the speed extra), and hypothesis feeds both arbitrary field values: each value is
the same with its type, or both refuse it with the same words.
"""

from __future__ import annotations

import json
import linecache
import math
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdmkit.core import models as neutral
from mdmkit.core.errors import ResponseFormatError
from mdmkit.http import compiled, jsonbody
from mdmkit.http.convert import make_converter, plain_structure, structure_model, structurer
from mdmkit.manageengine import models as me_models
from mdmkit.simplemdm import models as sm_models
from mdmkit.simplemdm import webhooks
from mdmkit.simplemdm.envelope import flatten
from mdmkit.testing import FakeManageEngine, FakeSimpleMDM
from tests.http.test_recorded_fixtures import FIXTURES, MODELS

CHECKS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _models(*modules: Any) -> list[type[Any]]:
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and attrs.has(value) and value.__module__ == module.__name__
    ]


ALL_MODELS = _models(sm_models, me_models, webhooks)


def converter_for(cls: type[Any]) -> Any:
    """The converter the model's client uses: ManageEngine's reads its "--" and 0 as None."""
    return me_models.make_converter() if cls.__module__ == me_models.__name__ else make_converter()


def typed(value: Any) -> Any:
    """``value`` with every type spelled out (``1``, ``1.0`` and ``True`` differ), in order;
    a model's ``raw`` is compared by identity elsewhere."""
    if attrs.has(type(value)):
        return (
            type(value).__qualname__,
            [(f.name, typed(getattr(value, f.name))) for f in attrs.fields(type(value))],
        )
    if isinstance(value, Mapping):
        return (type(value).__name__, [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return (type(value).__name__, [typed(v) for v in items])
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), repr(value.tzinfo))
    return (type(value).__name__, value)


def outcome(call: Any) -> Any:
    """What a call gives: its result, typed, or the words of the ResponseFormatError it raised."""
    try:
        return ("value", typed(call()))
    except ResponseFormatError as error:
        return ("error", str(error), error.excerpt)


@pytest.fixture(params=["json", "orjson"])
def decoder(request: pytest.FixtureRequest) -> Iterator[str]:
    """Bodies decoded by json alone, then with the speed extra (orjson)."""
    if request.param == "orjson":
        pytest.importorskip("orjson", reason="orjson (the speed extra) is not installed")
    jsonbody.use_fast_decoder(request.param == "orjson")
    assert jsonbody.fast_decoder() == (None if request.param == "json" else "orjson")
    yield request.param
    jsonbody.use_fast_decoder(True)


def both_ways(resource: Mapping[str, Any], cls: type[Any], *, flat: bool) -> Any:
    """The model structured by its generated function and by the plain path: the same."""
    converter = converter_for(cls)
    data = flatten(resource) if flat else resource
    generated = converter.generated(cls)
    assert generated is not None, f"{cls.__name__} has no generated function"
    fast = generated(data, resource)  # raises if it declines: a recorded body must not be
    plain = plain_structure(converter, data, cls, raw=resource)
    assert typed(fast) == typed(plain)
    assert fast.raw is resource
    assert plain.raw is resource
    assert fast == plain
    assert type(fast) is cls
    return typed(fast)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_recorded_fixture_structures_the_same_both_ways(name: str, decoder: str) -> None:
    record = json.loads((FIXTURES / name).read_text())
    body = jsonbody.loads(json.dumps(record["body"]).encode())
    assert body == record["body"]
    items = body["data"] if isinstance(body["data"], list) else [body["data"]]
    assert items
    for resource in items:
        both_ways(resource, MODELS[name], flat=True)


def test_the_decoders_agree_on_every_recorded_fixture() -> None:
    pytest.importorskip("orjson", reason="orjson (the speed extra) is not installed")
    for path in sorted(Path(FIXTURES).glob("*.json")):
        raw = json.dumps(json.loads(path.read_text())["body"]).encode()
        jsonbody.use_fast_decoder(False)
        plain = typed(jsonbody.loads(raw))
        jsonbody.use_fast_decoder(True)
        assert typed(jsonbody.loads(raw)) == plain, path.name


SM_LISTINGS = {
    "/devices?limit=100&include_awaiting_enrollment=true": sm_models.Device,
    "/apps?limit=100": sm_models.App,
    "/assignment_groups?limit=100": sm_models.AssignmentGroup,
    "/custom_attributes": sm_models.CustomAttribute,
    "/scripts?limit=100": sm_models.Script,
}
ME_LISTINGS = {
    "/api/v1/mdm/devices?limit=200": ("devices", me_models.Device),
    "/api/v1/mdm/apps?limit=200": ("apps", me_models.App),
    "/api/v1/mdm/groups?limit=200": ("groups", me_models.Group),
}


@pytest.mark.anyio
async def test_every_simplemdm_fake_listing_structures_the_same_both_ways(decoder: str) -> None:
    async with FakeSimpleMDM(devices=150, seed=3) as fake, fake.client() as client:
        for path, cls in SM_LISTINGS.items():
            response = await client.request("GET", path)
            items = response.json()["data"]
            assert items, path
            for resource in items:
                both_ways(resource, cls, flat=True)


@pytest.mark.anyio
async def test_every_manageengine_fake_listing_structures_the_same_both_ways(decoder: str) -> None:
    async with FakeManageEngine(devices=150, seed=3) as fake, fake.client() as client:
        for path, (key, cls) in ME_LISTINGS.items():
            items = (await client.request("GET", path)).json()[key]
            assert items, path
            for item in items:
                both_ways(item, cls, flat=False)


# -- arbitrary values ---------------------------------------------------------------------------

NEAR_MISSES = st.sampled_from(
    ["yes", "true", "FALSE", "--", "0", "0121", " 121", "121", "-5", "75.13", "1e999", "nan", "",
     "Z", "2022-06-21T21:09:52.000Z", "2022-06-21", "1655845792", "1655845792000", "\u0661",
     "18446744073709551616", "12:00"]
)  # fmt: skip
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | NEAR_MISSES
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def valid_for(type_: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """JSON a field of ``type_`` accepts, tolerated quirks included."""
    origin, args = get_origin(type_), get_args(type_)
    if type(None) in args:
        inner = next(a for a in args if a is not type(None))
        return st.none() | valid_for(inner, depth)
    if type_ is bool:
        return st.booleans() | st.sampled_from(["true", "false", "True"])
    if type_ is int:
        return st.integers(min_value=-(10**20), max_value=10**20) | st.sampled_from(["121", "-3"])
    if type_ is float:
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers() | st.just("75.13")
    if type_ is str:
        return (
            st.text(max_size=8) | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
        )
    if type_ is datetime:
        return st.sampled_from(
            ["2022-06-21T21:09:52.000Z", "2024-01-02T03:04:05+02:00"]
        ) | st.integers(min_value=0, max_value=2_000_000_000_000)
    if origin is tuple:
        return st.lists(valid_for(args[0], depth), max_size=3)
    if attrs.has(type_) and depth < 2:
        return model_data(type_, depth + 1, valid=True)
    return JSON_VALUES


def model_data(cls: type[Any], depth: int = 0, *, valid: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Objects for ``cls``: each field absent, or a value (valid for it, or anything at all)."""
    hints = get_type_hints(cls)
    fields = [f for f in attrs.fields(cls) if f.name != "raw"]
    values = {
        f.name: (
            valid_for(hints[f.name], depth)
            if valid
            else valid_for(hints[f.name], depth) | JSON_VALUES
        )
        for f in fields
    }
    required = {f.name for f in fields if f.default is attrs.NOTHING}
    return st.fixed_dictionaries(
        {name: values[name] for name in required},
        optional={name: v for name, v in values.items() if name not in required},
    )


@CHECKS
@given(data=st.data(), cls=st.sampled_from(ALL_MODELS), valid=st.booleans())
def test_arbitrary_field_values_give_the_same_outcome_both_ways(
    data: st.DataObject, cls: type[Any], valid: bool
) -> None:
    converter = converter_for(cls)
    payload = data.draw(model_data(cls, valid=valid))
    fast = outcome(lambda: structure_model(converter, payload, cls))
    plain = outcome(lambda: plain_structure(converter, payload, cls))
    assert fast == plain
    assert outcome(lambda: structurer(converter, cls)(payload)) == plain  # a page's way
    generated = converter.generated(cls)
    assert generated is not None
    try:
        declined = typed(generated(payload, payload))
    except Exception:
        declined = None
    # it never takes what the plain path refuses, and gives what the plain path gives ...
    if declined is not None:
        assert ("value", declined) == plain
    # ... and it takes every value of the documented shape (the plain path also takes a few
    # shapes it declines, such as [] for an object whose fields are all optional)
    if valid and plain[0] == "value":
        assert declined is not None


def test_a_missing_required_field_is_declined_and_named_by_the_plain_path() -> None:
    converter = make_converter()
    generated = converter.generated(sm_models.Device)
    assert generated is not None
    with pytest.raises(KeyError):
        generated({"name": "x"}, {})
    with pytest.raises(ResponseFormatError, match="id"):
        structure_model(converter, {"name": "x"}, sm_models.Device)


@pytest.mark.parametrize("number", [math.inf, -math.inf, math.nan], ids=repr)
@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (sm_models.Device, {"id": 1, "device_capacity": 0.0}),  # to_float for float | None
        (me_models.Device, {"device_id": 1, "battery_level": 0.0}),  # ManageEngine's "--" hook
    ],
    ids=["simplemdm", "manageengine"],
)
def test_a_float_that_is_not_finite_is_refused_though_floats_skip_their_hook(
    number: float, cls: type[Any], data: dict[str, Any]
) -> None:
    converter = converter_for(cls)
    generated = converter.generated(cls)
    assert generated is not None
    assert typed(generated(data, data)) == typed(plain_structure(converter, data, cls))
    field = next(name for name in data if name not in ("id", "device_id"))
    hostile = {**data, field: number}
    with pytest.raises(ValueError, match="not a finite number"):
        generated(hostile, hostile)
    with pytest.raises(ResponseFormatError, match=field):
        structure_model(converter, hostile, cls)


@attrs.frozen(kw_only=True)
class Inner:
    id: int
    raw: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Outer:
    inner: Inner | None = None
    inners: tuple[Inner, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict)


def test_a_nested_models_raw_is_its_own_raw_key_as_on_the_plain_path() -> None:
    converter = make_converter()
    item = {"inner": {"id": "1", "raw": {"kept": True}}, "inners": [{"id": 2}, {"id": "3"}]}
    model = structure_model(converter, item, Outer)
    assert model.raw is item
    assert model.inner is not None
    assert (model.inner.id, model.inner.raw) == (1, {"kept": True})
    assert [i.raw for i in model.inners] == [{}, {}]
    assert typed(model) == typed(plain_structure(converter, item, Outer))
    with pytest.raises(ResponseFormatError, match="inners"):
        structure_model(converter, {"inners": [{"id": 1}, "two"]}, Outer)


# -- building without __init__ -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Validated:
    """A model whose __init__ checks a value: filling its slots would skip the check."""

    count: int = attrs.field(validator=attrs.validators.ge(0))
    raw: Mapping[str, Any] = attrs.field(factory=dict)


def _stripped(value: str) -> str:
    return value.strip()


@attrs.frozen(kw_only=True)
class Converted:
    name: str = attrs.field(converter=_stripped)


@attrs.frozen(kw_only=True)
class Hooked:
    total: int = 0

    def __attrs_post_init__(self) -> None:
        if self.total > 10:
            raise ValueError("too many")


@pytest.mark.parametrize("cls", [Validated, Converted, Hooked])
def test_a_model_with_a_validator_converter_or_hook_is_built_by_its_init(cls: type[Any]) -> None:
    assert compiled.builder(cls) is cls
    generated = make_converter().generated(cls)
    assert generated is not None
    assert "  return _cls(" in _source(generated)
    assert "_builder" not in _source(generated)


def test_a_plain_frozen_model_is_filled_through_its_slots() -> None:
    generated = make_converter().generated(sm_models.Device)
    assert generated is not None
    assert "_m.__class__ = _cls" in _source(generated)


def test_validators_still_run_through_the_generated_function() -> None:
    converter = make_converter()
    with pytest.raises(ResponseFormatError, match="count"):
        structure_model(converter, {"count": -1}, Validated)
    with pytest.raises(ResponseFormatError):
        structure_model(converter, {"total": 11}, Hooked)
    assert structure_model(converter, {"name": " x "}, Converted).name == "x"


def _source(function: Any) -> str:
    return "".join(linecache.getlines(function.__code__.co_filename))


@CHECKS
@given(
    ident=st.text(max_size=5),
    name=st.none() | st.text(max_size=5),
    imei=st.lists(st.text(max_size=3), max_size=2).map(tuple),
    supervised=st.none() | st.booleans(),
)
def test_the_neutral_device_builder_builds_what_its_init_builds(
    ident: str, name: str | None, imei: tuple[str, ...], supervised: bool | None
) -> None:
    build = compiled.builder(neutral.Device)
    assert build is not neutral.Device
    args: dict[str, Any] = {"id": ident, "name": name, "imei": imei, "supervised": supervised}
    made = build(**args, vendor=neutral.Vendor.SIMPLEMDM, source="sm", native=object())
    expected = neutral.Device(**args, vendor=neutral.Vendor.SIMPLEMDM, source="sm")
    assert type(made) is neutral.Device
    assert typed(made)[1][:-1] == typed(expected)[1][:-1]  # all but native
    assert made == expected
    assert hash(made) == hash(expected)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.name = "changed"  # type: ignore[misc]


# -- hooks the generated code skips ---------------------------------------------------------------

UNKNOWN_SPELLINGS: list[Any] = [None, "", "--", "  --", "x", 0, 5, "5", True, 1.5, [], {}]


@pytest.mark.parametrize("value", UNKNOWN_SPELLINGS, ids=repr)
@pytest.mark.parametrize(
    "field", ["device_name", "owned_by", "managed_status", "battery_level", "is_supervised"]
)
def test_manageengine_unknown_spellings_read_the_same_when_the_hook_call_is_skipped(
    field: str, value: Any
) -> None:
    """ManageEngine's ``X | None`` hooks and optional_int are skipped for None and exact
    values: "--" and "" still reach them (None), everything else reads as on the plain path."""
    converter: Any = me_models.make_converter()
    payload = {"device_id": 1, field: value}
    generated = converter.generated(me_models.Device)
    assert generated is not None
    plain = outcome(lambda: plain_structure(converter, payload, me_models.Device))
    try:
        fast: Any = ("value", typed(generated(payload, payload)))
    except Exception:
        fast = None  # declined: structure_model falls back to the plain path
    assert fast is None or fast == plain
    assert outcome(lambda: structure_model(converter, payload, me_models.Device)) == plain
    if value in ("", "--"):  # the server's "unknown": None, never the text
        assert getattr(structure_model(converter, payload, me_models.Device), field) is None


def test_manageengine_generated_code_calls_the_unknown_hooks_only_for_other_values() -> None:
    converter: Any = me_models.make_converter()
    generated = converter.generated(me_models.Device)
    assert generated is not None
    source = "".join(linecache.getlines(generated.__code__.co_filename))
    assert "is not _str or v1 in _u1" in source  # device_name: "--" and "" still go to the hook
    assert "v12 is not None and type(v12) is not _int:" in source  # owned_by (optional_int)
