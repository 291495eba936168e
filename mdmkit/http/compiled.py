"""Structure functions generated from each model's attrs fields: the converter's results, faster.

For every model the converter meets, Python source is written once: one lookup per field, the
exact-type cases inline (a ``str`` where a string belongs, ``None`` in an optional field),
every other value through the converter's own hook for that type, resolved once instead of
dispatched per value. A slotted model with no validators, converters or init hooks is filled
through its slots, as attrs' own ``__init__`` does; any other model is built by its
``__init__``. The function raises on anything it does not expect (a missing required field, a
value a hook refuses, a nested object that is not a dict): ``structure_model`` then takes the
converter's plain path, which says exactly what is wrong, or structures what was declined.
"""

from __future__ import annotations

import inspect
import keyword
import linecache
import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

import attrs
import cattrs

__all__ = ["HOOK", "ModelConverter", "StructureFn", "builder", "identity"]

T = TypeVar("T")

HOOK = "mdmkit.structure"  # the metadata key of a field's own structure hook (convert.hooked)

StructureFn = Callable[..., Any]  # (data, raw=MISSING) -> model; raises when it declines
_MISSING: Any = attrs.NOTHING  # a key the data lacks (JSON data never holds it)
_OPTIONAL = cattrs.BaseConverter._structure_optional  # cattrs' own X | None: None, or X's hook
ARRAY_HOOK = "structure_array"  # the name of convert's list/tuple hook (a JSON array only)


def identity(value: Any, _: object) -> Any:
    """The hook of a field taken as it is (``Any``, and the ``raw`` mapping)."""
    return value


class ModelConverter(cattrs.Converter):
    """A cattrs Converter that also generates, and keeps, a fast structure function per model.

    ``pass_through`` names the hooks that return a value of exactly their type unchanged
    (``to_str`` for ``str``...; a float only when finite): generated code skips the call for
    such values. A function is
    written from the hooks registered when a model is first met: a hook registered for an
    ``X | None`` is called as it is, cattrs' own optional handling is inlined. Models nested
    in it are written from their fields (a hook registered for a model class is not consulted).
    ``optional_pass_through`` names hooks for ``X | None`` (or a field's own hook) that give
    None for None and pass a value of exactly X unchanged unless it is one of the spellings
    listed with it (ManageEngine's ``"--"``): generated code calls them for the others only.
    With None for X, only None skips the call.
    """

    def __init__(
        self, *, pass_through: Mapping[Callable[..., Any], type] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.pass_through: dict[Callable[..., Any], type] = dict(pass_through or {})
        self.optional_pass_through: dict[
            Callable[..., Any], tuple[type | None, tuple[object, ...]]
        ] = {}
        self._generated: dict[type, StructureFn | None] = {}

    def generated(self, cls: type) -> StructureFn | None:
        """``cls``'s generated structure function (written on first use), or None if it has none."""
        try:
            return self._generated[cls]
        except KeyError:
            return _Writer(self).function(cls)


class _Writer:
    """Writes the structure function of one model (and of the models nested in it)."""

    def __init__(self, converter: ModelConverter) -> None:
        self.converter = converter
        self.cache = converter._generated
        self.writing: set[type] = set()

    def function(self, cls: type) -> StructureFn | None:
        if cls in self.cache:
            return self.cache[cls]
        if cls in self.writing:
            return None  # a model nested in itself keeps the converter's hook there
        if not _supported(cls):
            self.cache[cls] = None
            return None
        self.writing.add(cls)
        try:
            made: StructureFn | None = self._write(cls)
        except Exception:  # a model this writer cannot handle keeps the converter's plain path
            made = None
        finally:
            self.writing.discard(cls)
        self.cache[cls] = made
        return made

    def _write(self, cls: type) -> StructureFn:
        hints = get_type_hints(cls)
        fields = attrs.fields(cls)
        names: dict[str, Any] = {
            "_cls": cls,
            "_new": object.__new__,
            "_map": map,
            "_MISSING": _MISSING,
            "_keys": tuple(f.name for f in fields),
            # what a missing key reads as: None where that is the field's value for it
            "_markers": tuple(
                None if _none_default(f, hints[f.name]) else _MISSING for f in fields
            ),
        }
        values = [f"v{i}" for i in range(len(fields))]
        lines = [f"  {', '.join(values)}, = _map(o.get, _keys, _markers)"] if fields else []
        for i, field in enumerate(fields):
            lines += self._field(i, field, hints[field.name], names)
        lines += _construct(cls, fields, [f"v{i}" for i in range(len(fields))], names)
        function: StructureFn = _define(cls, "structure", "o, raw=_MISSING", lines, names)
        return function

    def _field(self, i: int, field: Any, type_: Any, names: dict[str, Any]) -> list[str]:
        """The lines that turn ``v<i>`` (the data's value, or a marker) into the field's value."""
        v = f"v{i}"
        lines: list[str] = []
        if field.name == "raw":  # the input at the top (structure_model's raw), as is when nested
            lines.append(f"  if raw is not _MISSING: {v} = raw")
            convert: list[str] = []
        elif HOOK in field.metadata:
            names[f"_h{i}"], names[f"_t{i}"] = field.metadata[HOOK], type_
            convert = self._skipping(v, field.metadata[HOOK], f"{i}", names)
        else:
            convert = self._convert(v, type_, f"{i}", names)
        default = field.default
        if default is attrs.NOTHING:
            lines.append(f"  if {v} is _MISSING: raise KeyError({field.name!r})")
            lines += [f"  {line}" for line in convert]
        elif _none_default(field, type_):
            lines += [f"  {line}" for line in convert]
        else:
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                names[f"_f{i}"] = default.factory
                fill = f"_f{i}()"
            else:
                names[f"_d{i}"] = default
                fill = f"_d{i}"
            lines.append(f"  {'elif' if lines else 'if'} {v} is _MISSING: {v} = {fill}")
            if convert:
                lines.append("  else:")
                lines += [f"    {line}" for line in convert]
        return lines

    def _convert(self, v: str, type_: Any, tag: str, names: dict[str, Any]) -> list[str]:
        """Lines that structure the value in ``v`` as ``type_`` (it is never the marker)."""
        inner = _optional(type_)
        hook = self.converter.get_structure_hook(type_)
        if inner is not None and getattr(hook, "__func__", None) is _OPTIONAL:
            body = self._convert(v, inner, tag, names)
            if not body:
                return []
            if len(body) == 1 and body[0].startswith("if "):  # merge the two conditions
                return [f"if {v} is not None and {body[0][3:]}"]
            return [f"if {v} is not None:", *[f"  {line}" for line in body]]
        if hook is identity:
            return []
        names[f"_h{tag}"], names[f"_t{tag}"] = hook, type_
        if hook in self.converter.optional_pass_through:
            return self._skipping(v, hook, tag, names)
        slow = f"{v} = _h{tag}({v}, _t{tag})"
        exact = self.converter.pass_through.get(hook)
        if exact is type_:
            names[f"_{exact.__name__}"] = exact
            return [f"if {_not_passed(v, exact)}: {slow}"]
        nested = self.function(type_) if attrs.has(type_) else None
        if nested is not None:
            names[f"_s{tag}"] = nested
            return [f"{v} = _s{tag}({v})"]
        items = _tuple_items(type_)
        if items is not None and getattr(hook, "__name__", "") == ARRAY_HOOK:
            return self._tuple(v, items, tag, slow, names)
        return [slow]

    def _skipping(self, v: str, hook: Any, tag: str, names: dict[str, Any]) -> list[str]:
        """The call to ``_h<tag>``, skipped for None and for values it passes unchanged."""
        slow = f"{v} = _h{tag}({v}, _t{tag})"
        known = self.converter.optional_pass_through.get(hook)
        if known is None:
            return [slow]
        exact, spellings = known
        if exact is None:
            return [f"if {v} is not None: {slow}"]
        names[f"_{exact.__name__}"], names[f"_u{tag}"] = exact, spellings
        test = _not_passed(v, exact)
        if spellings:
            test = f"({test} or {v} in _u{tag})"
        return [f"if {v} is not None and {test}: {slow}"]

    def _tuple(self, v: str, items: Any, tag: str, slow: str, names: dict[str, Any]) -> list[str]:
        """``tuple[X, ...]`` from a list: kept as is when every element already is an X."""
        hook = self.converter.get_structure_hook(items)
        if hook is identity:
            return [f"if type({v}) is list: {v} = tuple({v})", "else:", f"  {slow}"]
        exact = self.converter.pass_through.get(hook)
        if exact is items:
            names[f"_{exact.__name__}"] = exact
            if exact is float:  # exactly float is not enough: finite too
                check = f"not any([{_not_passed('e', exact)} for e in {v}])"
            else:  # every element's type is the one (map and the set work in C)
                names[f"_only_{exact.__name__}"] = frozenset({exact})
                check = f"_only_{exact.__name__}.issuperset(map(type, {v}))"
            return [f"if type({v}) is list and {check}: {v} = tuple({v})", "else:", f"  {slow}"]
        nested = self.function(items) if attrs.has(items) else None
        if nested is not None:
            names[f"_s{tag}"] = nested
            return [f"if type({v}) is not list: raise TypeError", f"{v} = tuple(map(_s{tag}, {v}))"]
        return [slow]


def _not_passed(v: str, exact: type) -> str:
    """The test that ``v`` needs its pass-through hook: it is not exactly ``exact``, or, for a
    float, not finite (``v - v`` is 0.0 for a finite float, NaN for the others)."""
    test = f"type({v}) is not _{exact.__name__}"
    return f"({test} or {v} - {v})" if exact is float else test


def builder(cls: type[T]) -> Callable[..., T]:
    """A function taking ``cls``'s ``__init__`` arguments that builds what ``cls(...)`` would,
    without one setattr call a field where that is legal (see ``_construct``); else ``cls``."""
    fields = attrs.fields(cls) if _supported(cls) else ()  # type: ignore[arg-type]
    if not fields or not _fillable(cls, fields):
        return cls
    names: dict[str, Any] = {"_cls": cls, "_new": object.__new__, "_MISSING": _MISSING}
    params, lines = [], []
    for i, field in enumerate(fields):
        default = field.default
        if default is attrs.NOTHING:
            params.append(field.alias)
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            names[f"_f{i}"] = default.factory
            params.append(f"{field.alias}=_MISSING")
            lines.append(f"  if {field.alias} is _MISSING: {field.alias} = _f{i}()")
        else:
            names[f"_d{i}"] = default
            params.append(f"{field.alias}=_d{i}")
    lines += _construct(cls, fields, [f.alias for f in fields], names)
    built: Callable[..., T] = _define(cls, "build", "*, " + ", ".join(params), lines, names)
    return built


def _define(cls: type, verb: str, params: str, lines: list[str], names: dict[str, Any]) -> Any:
    """Compile the function ``<verb>_<cls>(<params>)`` with ``lines`` as its body, findable by
    tracebacks and ``inspect`` under a name that says what wrote it."""
    source = f"def {verb}_{cls.__name__}({params}):\n" + "\n".join(lines) + "\n"
    filename = f"<mdmkit generated {verb} {cls.__module__}.{cls.__qualname__}>"
    exec(compile(source, filename, "exec"), names)  # source built from attrs fields only
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return names[f"{verb}_{cls.__name__}"]


def _construct(cls: type, fields: Any, values: list[str], names: dict[str, Any]) -> list[str]:
    """The lines that build the model from the variables ``values`` (one a field), field by
    field where that is legal, else through ``cls(...)``."""
    keywords = ", ".join(f"{f.alias}={v}" for f, v in zip(fields, values, strict=True))
    if not _fillable(cls, fields):
        return [f"  return _cls({keywords})"]
    # attrs' frozen __init__ stores each field with object.__setattr__, one call a field. A
    # subclass that adds no storage and keeps object's own __setattr__ lets plain attribute
    # stores (which CPython specialises for slots) do the same; the finished object is then
    # given its real class, an assignment Python allows between such layout-identical classes.
    try:
        made = type(
            f"_{cls.__name__}Builder",
            (cls,),
            {"__slots__": (), "__setattr__": object.__setattr__, "__delattr__": object.__delattr__},
        )
        probe: Any = object.__new__(made)
        probe.__class__ = cls  # the assignment every built object ends with
    except TypeError:  # a layout Python will not reassign: build through __init__
        return [f"  return _cls({keywords})"]
    names["_builder"] = made
    lines = ["  _m = _new(_builder)"]  # attrs aliases never start with "_": no clash
    lines += [f"  _m.{f.name} = {v}" for f, v in zip(fields, values, strict=True)]
    return [*lines, "  _m.__class__ = _cls", "  return _m"]


def _fillable(cls: type, fields: Any) -> bool:
    """Whether storing the fields builds what ``cls(...)`` would: a slotted class whose
    ``__init__`` is attrs' own, running no validator, converter or hook and storing nothing
    but the fields (no cached hash), with attrs' frozen ``__setattr__`` or object's."""
    init = getattr(cls, "__init__", None)
    code = getattr(init, "__code__", None)
    setter = getattr(cls.__setattr__, "__name__", "")
    return (
        code is not None
        and code.co_filename.startswith("<attrs generated")
        and "__dict__" not in dir(cls)
        and all(
            type(inspect.getattr_static(cls, f.name, None)) is types.MemberDescriptorType
            for f in fields
        )
        and all(f.validator is None and f.converter is None for f in fields)
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and inspect.getattr_static(cls, "_attrs_cached_hash", None) is None
        and (setter == "_frozen_setattrs" or cls.__setattr__ is object.__setattr__)  # type: ignore[comparison-overlap]
    )


def _supported(cls: type) -> bool:
    """A model whose fields the writer understands: every one set by ``__init__`` from its name."""
    if not attrs.has(cls):
        return False
    try:
        get_type_hints(cls)
    except Exception:  # an annotation that does not resolve: the converter's hook decides
        return False
    return all(
        f.init
        and f.name.isidentifier()
        and not keyword.iskeyword(f.name)
        and not (f.name == "raw" and HOOK in f.metadata)
        and not (isinstance(f.default, attrs.Factory) and f.default.takes_self)  # type: ignore[arg-type]
        for f in attrs.fields(cls)
    )


def _none_default(field: Any, type_: Any) -> bool:
    """Whether a missing key and ``null`` give the same value: an optional field defaulting to
    None (the lookup then hands None for a missing key, and no marker check is needed)."""
    return field.default is None and _optional(type_) is not None and HOOK not in field.metadata


def _optional(type_: Any) -> Any:
    """``X`` for ``X | None`` (cattrs' optional dispatch), else None."""
    if get_origin(type_) not in (Union, types.UnionType):
        return None
    args = get_args(type_)
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def _tuple_items(type_: Any) -> Any:
    """``X`` for ``tuple[X, ...]``, else None."""
    args = get_args(type_)
    if get_origin(type_) is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None
