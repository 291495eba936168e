"""mkdocs hooks (``hooks:`` in mkdocs.yml): the reference stays complete on its own.

``on_page_markdown`` fills the ``<!-- public-names -->`` marker of docs/reference/mdmkit.md
with a table of every name in ``mdmkit.__all__`` (from the code, so it cannot drift).
``on_post_build`` fails the build when a public name of a documented package has no entry in
the site's object inventory, so a new public class cannot go undocumented.
"""

from __future__ import annotations

import importlib
import inspect
import zlib
from pathlib import Path
from typing import Any

MARKER = "<!-- public-names -->"
PACKAGES = ("mdmkit", "mdmkit.simplemdm", "mdmkit.manageengine", "mdmkit.testing")
GROUPS = {
    "Backends": ("SimpleMDM", "ManageEngine", "Fleet", "MDM"),
    "Results": ("Paginator", "Page", "BulkResult", "Outcome"),
    "Settings": ("RetryPolicy", "Timeout"),
    "Observability": ("RequestHooks", "RequestEvent", "RawResponse", "with_raw_response"),
}


def canonical(obj: Any) -> str:
    """Where an object is defined: ``mdmkit.core.models.Device``."""
    return f"{obj.__module__}.{obj.__qualname__}"


def public_names(package: str) -> dict[str, Any]:
    """The package's ``__all__``, each name with its object (``__version__`` left out)."""
    module = importlib.import_module(package)
    return {name: getattr(module, name) for name in module.__all__ if name != "__version__"}


def _group(name: str, obj: Any) -> str:
    for title, names in GROUPS.items():
        if name in names:
            return title
    if inspect.isclass(obj) and issubclass(obj, Exception):
        return "Errors"
    return "Models and enums"


def names_table() -> str:
    """Every public name of ``mdmkit``, grouped, linked to its entry, with its summary."""
    grouped: dict[str, list[str]] = {}
    for name, obj in public_names("mdmkit").items():
        summary = (inspect.getdoc(obj) or "").split("\n", 1)[0].replace("|", "\\|")
        row = f"| [`{name}`][{canonical(obj)}] | {summary} |"
        grouped.setdefault(_group(name, obj), []).append(row)
    order = [*GROUPS, "Models and enums", "Errors"]
    parts = [
        f"## {title}\n\n| name | what it is |\n|---|---|\n" + "\n".join(grouped[title])
        for title in order
        if title in grouped
    ]
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Fill the names table in, where the page asks for it."""
    return markdown.replace(MARKER, names_table()) if MARKER in markdown else markdown


def inventory(site: Path) -> set[str]:
    """The identifiers in the site's ``objects.inv`` (Sphinx inventory, version 2)."""
    data = (site / "objects.inv").read_bytes()
    body = zlib.decompress(data.split(b"\n", 4)[4]).decode()
    return {line.split(" ", 1)[0] for line in body.splitlines() if line}


def undocumented(known: set[str]) -> list[str]:
    """Public names with no inventory entry under their package or their definition."""
    missing = []
    for package in PACKAGES:
        for name, obj in public_names(package).items():
            places = {f"{package}.{name}"}
            if hasattr(obj, "__qualname__") and hasattr(obj, "__module__"):
                places.add(canonical(obj))
            if not places & known:
                missing.append(f"{package}.{name}")
    return missing


def on_post_build(*, config: Any) -> None:
    """Fail the build when a public name is missing from the reference."""
    missing = undocumented(inventory(Path(config["site_dir"])))
    if missing:
        raise SystemExit(f"public names missing from the API reference: {', '.join(missing)}")
