"""SimpleMDM's JSON:API-style envelopes: ``{"data": ..., "has_more": ...}`` to models and back.

A resource object ``{type, id, attributes, relationships}`` is flattened into one mapping
(relationships become ``<name>_id`` / ``<name>_ids``) and structured into a native model
that keeps the untouched resource object as ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import cattrs

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http import jsonbody
from mdmkit.http.convert import structure_model
from mdmkit.http.response import ErrorDetail, Response, excerpt

__all__ = ["flatten", "parse_error", "read_list", "read_one", "resource_id"]

T = TypeVar("T")


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> ErrorDetail:
    """The message of SimpleMDM's error body ``{"errors": [{"title": ...}]}``."""
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


def _custom_attribute_values(data: list[Any]) -> dict[str, Any]:
    return {
        str(item.get("id")): (item.get("attributes") or {}).get("value")
        for item in data
        if isinstance(item, Mapping)
    }


def _job_devices(data: list[Any]) -> list[Mapping[str, Any]]:
    return [item for item in data if isinstance(item, Mapping)]


# Relationships whose entries carry more than an id: read into a field of their own.
RICH_RELATIONSHIPS: dict[str, tuple[str, Callable[[list[Any]], Any]]] = {
    "custom_attribute_values": ("custom_attribute_values", _custom_attribute_values),
    "device": ("devices", _job_devices),  # script jobs list their devices with a status each
}


def flatten(resource: Mapping[str, Any]) -> dict[str, Any]:
    """One flat mapping from a resource object: id, attributes and relationship ids."""
    flat: dict[str, Any] = dict(resource.get("attributes") or {})
    if "id" in resource:
        flat["id"] = resource["id"]
    if "type" in resource:
        flat["resource_type"] = resource["type"]
    relationships = resource.get("relationships") or {}
    if not isinstance(relationships, Mapping):
        return flat
    for name, relation in relationships.items():
        data = relation.get("data") if isinstance(relation, Mapping) else None
        if isinstance(data, list):
            flat[f"{_singular(name)}_ids"] = [
                item["id"] for item in data if isinstance(item, Mapping) and "id" in item
            ]
            if name in RICH_RELATIONSHIPS:
                field, read = RICH_RELATIONSHIPS[name]
                flat[field] = read(data)
        else:
            flat[f"{name}_id"] = data.get("id") if isinstance(data, Mapping) else None
    return flat


def _structure(converter: cattrs.Converter, resource: object, cls: type[T]) -> T:
    if not isinstance(resource, Mapping):
        raise ResponseFormatError(
            f"expected a {cls.__name__} resource object", excerpt=repr(resource)[:200]
        )
    return structure_model(converter, flatten(resource), cls, raw=resource)


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
    return _structure(converter, body, cls)


def read_list(
    response: Response, cls: type[T], converter: cattrs.Converter
) -> tuple[list[T], bool, str | None]:
    """The models in a list envelope, ``has_more``, and the id of the last object."""
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
    models = [_structure(converter, item, cls) for item in items]
    last = resource_id(items[-1]) if items else None
    return models, has_more, last


def resource_id(resource: object) -> str | None:
    """The id of a resource object as a cursor string."""
    if isinstance(resource, Mapping) and resource.get("id") is not None:
        return str(resource["id"])
    return None
