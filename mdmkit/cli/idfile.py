"""Device ids from the command line (``121``, ``prod:121``) and from ``--from FILE``.

A file is JSON (an array of ids or of objects with ``id`` and ``backend`` or ``source``), JSON
Lines (one such object per line, as ``inventory export --format jsonl`` writes), or CSV: with
a header naming an ``id`` column (and ``backend`` or ``source``), as ``devices list --format
csv`` writes, or without one, an id (or ``backend:id``) per line. Blank lines and lines
starting with ``#`` are skipped. Pure: every mistake is a UsageError naming the line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from mdmkit.cli.exits import UsageError

__all__ = ["Ref", "assign_backends", "parse_ids", "parse_ref", "read_id_file"]

_FORBIDDEN = frozenset("/?#\\%")
_BACKEND_KEYS = ("backend", "source")


@attrs.frozen
class Ref:
    """A device named on the command line or in a file: its id and, if given, its backend."""

    id: str
    backend: str | None = None

    def __str__(self) -> str:
        return f"{self.backend}:{self.id}" if self.backend else self.id


def _checked(text: str, where: str) -> str:
    value = text.strip()
    if not value:
        raise UsageError(f"{where}: empty device id")
    if ".." in value or any(c in _FORBIDDEN or c.isspace() or ord(c) < 0x20 for c in value):
        raise UsageError(f"{where}: {value!r} is not a device id")
    return value


def parse_ref(text: str, where: str = "device") -> Ref:
    """``121`` or ``backend:121``."""
    backend, sep, rest = text.strip().partition(":")
    if sep:
        if not backend:
            raise UsageError(f"{where}: {text!r} has an empty backend name before ':'")
        return Ref(_checked(rest, where), backend)
    return Ref(_checked(text, where))


def _from_item(item: Any, where: str) -> Ref:
    if isinstance(item, bool):
        raise UsageError(f"{where}: expected a device id, got {item!r}")
    if isinstance(item, int):
        return Ref(str(item))
    if isinstance(item, str):
        return parse_ref(item, where)
    if isinstance(item, dict):
        raw = item.get("id")
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise UsageError(f'{where}: an object needs an "id" (a string or a number)')
        backend = next((item[k] for k in _BACKEND_KEYS if item.get(k)), None)
        if backend is not None and not isinstance(backend, str):
            raise UsageError(f'{where}: "backend" must be a string')
        return Ref(_checked(str(raw), where), backend)
    raise UsageError(f'{where}: expected a device id or an object with "id", got {item!r}')


def _from_json(text: str, name: str) -> list[Ref]:
    try:
        data = json.loads(text)
    except ValueError:
        return _from_json_lines(text, name)
    if isinstance(data, dict):
        return [_from_item(data, f"{name}: item 1")]
    if not isinstance(data, list):
        raise UsageError(f"{name}: expected a JSON array of device ids")
    return [_from_item(item, f"{name}: item {n}") for n, item in enumerate(data, start=1)]


def _from_json_lines(text: str, name: str) -> list[Ref]:
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{name}: line {number} is not JSON ({exc.msg})") from None
        refs.append(_from_item(item, f"{name}: line {number}"))
    return refs


def _from_csv(text: str, name: str) -> list[Ref]:
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0][1]]
    if "id" not in header:
        return [parse_ref(row[0], f"{name}: line {number}") for number, row in rows]
    id_at = header.index("id")
    backend_at = next((header.index(k) for k in _BACKEND_KEYS if k in header), None)
    refs = []
    for number, row in rows[1:]:
        where = f"{name}: line {number}"
        if id_at >= len(row):
            raise UsageError(f"{where}: no id column")
        backend = (
            row[backend_at].strip() if backend_at is not None and backend_at < len(row) else ""
        )
        refs.append(Ref(_checked(row[id_at], where), backend or None))
    return refs


def parse_ids(text: str, name: str = "ids") -> list[Ref]:
    """The device references in a file's text (JSON, JSON Lines or CSV, told by its content)."""
    start = text.lstrip()[:1]
    refs = _from_json(text, name) if start in ("[", "{") else _from_csv(text, name)
    if not refs:
        raise UsageError(f"{name}: no device ids in it")
    return refs


def read_id_file(path: str) -> list[Ref]:
    """The device references in the file at ``path`` (``-`` reads stdin)."""
    import sys

    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
    except FileNotFoundError:
        raise UsageError(f"--from: no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--from: cannot read {path}: {exc}") from None
    return parse_ids(text, path)


def assign_backends(
    refs: Iterable[Ref], known: Sequence[str], default: str | None
) -> tuple[list[Ref], int]:
    """Every ref with its backend (``default`` when unsaid), duplicates dropped, and how many.

    A usage error names a ref whose backend is unknown, or unsaid while several are configured.
    """
    chosen: dict[Ref, None] = {}
    given = 0
    for ref in refs:
        given += 1
        backend = ref.backend or default
        if backend is None:
            raise UsageError(
                f"device {ref.id} does not say its backend and several are configured "
                f"({', '.join(known)})",
                hint=f"write {known[0]}:{ref.id}, add a backend column, or pass --backend",
            )
        if backend not in known:
            raise UsageError(
                f"device {ref} names unknown backend {backend!r}; configured: {', '.join(known)}"
            )
        chosen.setdefault(Ref(ref.id, backend), None)
    return list(chosen), given - len(chosen)
