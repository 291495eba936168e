"""SimpleMDM's JSON:API-style envelopes: ``{"data": ..., "has_more": ...}`` to models and back.

A resource object ``{type, id, attributes, relationships}`` is flattened into one mapping
(relationships become ``<name>_id`` / ``<name>_ids``) and structured into a native model
that keeps the untouched resource object as ``raw``.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import cattrs

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http import jsonbody
from mdmkit.http.convert import structurer
from mdmkit.http.response import ErrorDetail, Response, excerpt

__all__ = [
    "flatten",
    "parse_error",
    "read_envelope",
    "read_list",
    "read_one",
    "read_resources",
    "resource_id",
]

T = TypeVar("T")


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> ErrorDetail:
    """The message of SimpleMDM's error body ``{"errors": [{"title": ...}]}``; any other body
    (not JSON, nested too deep to read, another shape) gives its excerpt, never an exception."""
    try:
        data = jsonbody.loads(body) if body.strip() else None
    except ValueError:
        data = None
    if isinstance(data, Mapping) and isinstance(data.get("errors"), list):
        titles = [
            str(item.get("title") or item.get("detail") or item)
            for item in data["errors"]
            if isinstance(item, Mapping)
        ]
        if titles:
            return ErrorDetail("; ".join(titles))
    return ErrorDetail(excerpt(body) if body.strip() else f"HTTP {status}")


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _shape_error(what: str, value: object) -> ResponseFormatError:
    return ResponseFormatError(f"{what} is not the documented shape", excerpt=_short(value))


def _short(value: object) -> str:
    """A short repr of a piece of a body, for an error message (never the whole body)."""
    return reprlib.repr(value)


def _linked(name: str, item: object) -> Any:
    """The id of one entry of a to-many relationship: ``{"type": ..., "id": ...}``."""
    if not isinstance(item, Mapping) or "id" not in item:
        raise _shape_error(f"an entry of relationship {name!r} (an object with an 'id')", item)
    return item["id"]


def _custom_attribute_values(data: list[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in data:
        attributes = item.get("attributes") if isinstance(item, Mapping) else None
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise _shape_error(
                "a custom_attribute_values entry (an object whose id is a name)", item
            )
        if attributes is not None and not isinstance(attributes, Mapping):
            raise _shape_error("the attributes of a custom attribute value (an object)", item)
        values[item["id"]] = (attributes or {}).get("value")
    return values


def _job_devices(data: list[Any]) -> list[Mapping[str, Any]]:
    """Each device of a script job with its status (every entry an object with an id: flatten
    checked that first)."""
    return data


# Relationships whose entries carry more than an id: read into a field of their own.
RICH_RELATIONSHIPS: dict[str, tuple[str, Callable[[list[Any]], Any]]] = {
    "custom_attribute_values": ("custom_attribute_values", _custom_attribute_values),
    "device": ("devices", _job_devices),  # script jobs list their devices with a status each
}


def _object(resource: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``resource[key]`` when it is an object; absent or null reads as empty."""
    value = resource.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _shape_error(f"'{key}' of a {resource.get('type') or 'resource'} (an object)", value)
    return value


def flatten(resource: Mapping[str, Any]) -> dict[str, Any]:
    """One flat mapping from a resource object: id, attributes and relationship ids.

    ``attributes`` and ``relationships`` must be objects and each relationship
    ``{"data": null | {...} | [{...}, ...]}``: anything else is a ResponseFormatError.
    """
    attributes = resource.get("attributes")
    flat: dict[str, Any] = (
        attributes.copy() if type(attributes) is dict else dict(_object(resource, "attributes"))
    )
    if "id" in resource:
        flat["id"] = resource["id"]
    if "type" in resource:
        flat["resource_type"] = resource["type"]
    relationships = resource.get("relationships")
    if relationships is not None:
        if type(relationships) is not dict:
            relationships = _object(resource, "relationships")
        for name, relation in relationships.items():
            data = relation.get("data") if type(relation) is dict else _MISSING
            if type(data) is dict:  # the common case, inline: one related object
                flat[f"{name}_id"] = data.get("id")
            else:
                _relate(flat, name, relation)
    return flat


def _relate(flat: dict[str, Any], name: str, relation: object) -> None:
    """Add one relationship to ``flat``: ``<name>_id``, or ``<singular>_ids`` for a list."""
    data = (
        relation.get("data")
        if type(relation) is dict or isinstance(relation, Mapping)
        else _MISSING
    )
    if type(data) is dict or data is None:
        flat[f"{name}_id"] = None if data is None else data.get("id")
    elif isinstance(data, list):
        flat[f"{_singular(name)}_ids"] = [_linked(name, item) for item in data]
        if name in RICH_RELATIONSHIPS:
            field, read = RICH_RELATIONSHIPS[name]
            flat[field] = read(data)
    elif data is _MISSING:
        raise _shape_error(f"relationship {name!r} (an object with 'data')", relation)
    elif isinstance(data, Mapping):
        flat[f"{name}_id"] = data.get("id")
    else:
        raise _shape_error(f"the data of relationship {name!r} (null, an object or a list)", data)


_MISSING: Any = object()  # a relationship that is not an object has no "data"


def _structure(structure: Callable[..., T], resource: object, cls: type[T]) -> T:
    """One resource object as a model, through ``structure`` (``convert.structurer``)."""
    if type(resource) is not dict and not isinstance(resource, Mapping):
        raise ResponseFormatError(
            f"expected a {cls.__name__} resource object", excerpt=repr(resource)[:200]
        )
    return structure(flatten(resource), resource)


def read_one(response: Response, cls: type[T], converter: cattrs.Converter) -> T:
    """The model in a one-object envelope (a bare resource object is accepted too)."""
    body = response.json()
    if isinstance(body, Mapping) and "data" in body:
        body = body["data"]
    if not isinstance(body, Mapping):
        raise ResponseFormatError(
            f"expected one {cls.__name__} in 'data'",
            status=response.status,
            excerpt=excerpt(response.body),
            url=response.url,
        )
    return _structure(structurer(converter, cls), body, cls)


def read_list(
    response: Response, cls: type[T], converter: cattrs.Converter
) -> tuple[list[T], bool, str | None]:
    """The models in a list envelope, ``has_more``, and the id of the last object."""
    items, has_more = read_envelope(response)
    models = read_resources(items, cls, converter)
    last = resource_id(items[-1]) if items else None
    return models, has_more, last


def read_resources(items: list[Any], cls: type[T], converter: cattrs.Converter) -> list[T]:
    """The resource objects of a list envelope as models."""
    structure = structurer(converter, cls)
    return [_structure(structure, item, cls) for item in items]


def read_envelope(response: Response) -> tuple[list[Any], bool]:
    """The resource objects of a list envelope (not yet models) and ``has_more``."""
    body = response.json()
    items = body.get("data") if isinstance(body, Mapping) else None
    has_more = body.get("has_more", False) if isinstance(body, Mapping) else None
    if not isinstance(items, list) or not isinstance(has_more, bool):
        raise ResponseFormatError(
            "expected a list envelope with 'data' and 'has_more'",
            status=response.status,
            excerpt=excerpt(response.body),
            url=response.url,
        )
    return items, has_more


def resource_id(resource: object) -> str | None:
    """The id of a resource object as a cursor string."""
    if isinstance(resource, Mapping) and resource.get("id") is not None:
        return str(resource["id"])
    return None
