"""The app catalog: create (store id, bundle id or uploaded binary), update, delete, Munki
package info, and managed app configurations.

An uploaded ``.ipa`` is read like SimpleMDM does (its Info.plist names the app, bundle id and
version); a ``.pkg`` or an unreadable ipa falls back to the file name.
"""

from __future__ import annotations

import datetime as dt
import io
import plistlib
import re
import zipfile
from typing import Any

from aiohttp import web

from mdmkit.testing._server import FilePart, Problem
from mdmkit.testing.simplemdm.common import (
    Routes,
    SCall,
    choice,
    find,
    listing,
    listing_of,
    one,
    require,
    status_only,
)
from mdmkit.testing.simplemdm.records import App, ManagedConfig
from mdmkit.testing.simplemdm.render import app_json, managed_config_json

__all__ = ["BinaryInfo", "inspect_binary", "routes"]

routes = Routes()
DEPLOY_TO = ("none", "outdated", "all")
VALUE_TYPES = (
    "boolean",
    "date",
    "float",
    "float array",
    "integer",
    "integer array",
    "string",
    "string array",
)
BinaryInfo = tuple[str, str, str, str]
"""(name, bundle id, version, platform_support) of an uploaded binary."""


def _plist_of_ipa(data: bytes) -> dict[str, Any] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.namelist():
                if re.fullmatch(r"Payload/[^/]+\.app/Info\.plist", entry):
                    loaded = plistlib.loads(archive.read(entry))
                    return loaded if isinstance(loaded, dict) else None
    except (zipfile.BadZipFile, plistlib.InvalidFileException, ValueError, KeyError):
        return None
    return None


def inspect_binary(part: FilePart) -> BinaryInfo:
    """Name, bundle id, version and platform of an ``.ipa`` or ``.pkg`` (422 for others)."""
    filename = part.filename or ""
    stem, _, extension = filename.rpartition(".")
    extension = extension.lower()
    if extension not in ("ipa", "pkg"):
        raise Problem(422, "binary must be an .ipa or .pkg file")
    slug = re.sub(r"[^a-z0-9]+", "", stem.lower()) or "app"
    name, bundle, version = stem or "App", f"com.example.{slug}", "1.0"
    plist = _plist_of_ipa(part.data) if extension == "ipa" else None
    if plist is not None:
        name = str(plist.get("CFBundleDisplayName") or plist.get("CFBundleName") or name)
        bundle = str(plist.get("CFBundleIdentifier") or bundle)
        version = str(
            plist.get("CFBundleShortVersionString") or plist.get("CFBundleVersion") or version
        )
    return name, bundle, version, "iOS" if extension == "ipa" else "macOS"


@routes.get("/apps")
def list_apps(call: SCall) -> web.Response:
    shared = call.boolean("include_shared", False)
    return listing(call, call.state.apps.after, app_json, accept=lambda a: shared or not a.shared)


@routes.get("/apps/{app_id}")
def get_app(call: SCall) -> web.Response:
    return one(app_json(find(call.state.apps, call, "app_id")))


def _store_app(call: SCall, app_id: int, store_id: str | None, bundle_id: str | None) -> App:
    """An App Store app, named from the generated catalog when it knows the app."""
    for gen in call.state.fleet.apps:
        if (store_id and str(gen.store_id) == store_id) or (
            bundle_id and gen.bundle_id == bundle_id
        ):
            return App(app_id, gen.name, "app store", gen.bundle_id, gen.store_id, gen.version)
    if store_id is not None:
        if not store_id.isdigit():
            raise Problem(422, "app_store_id must be a number")
        return App(
            app_id, f"App {store_id}", "app store", f"com.example.app{store_id}", int(store_id)
        )
    assert bundle_id is not None
    return App(app_id, bundle_id.rsplit(".", 1)[-1], "app store", bundle_id, 1_000_000 + app_id)


@routes.post("/apps")
def create_app(call: SCall) -> web.Response:
    state = call.state
    store_id, bundle_id, binary = (
        call.arg("app_store_id"),
        call.arg("bundle_id"),
        call.file("binary"),
    )
    if sum(x is not None and x != "" for x in (store_id, bundle_id, binary)) != 1:
        raise Problem(422, "one and only one of app_store_id, bundle_id or binary must be given")
    app_id = state.apps.next_id()
    if binary is not None:
        name, bundle, version, platform = inspect_binary(binary)
        app = App(app_id, name, "enterprise", bundle, None, version, platform_support=platform)
        app.binary = binary.summary()
    else:
        app = _store_app(call, app_id, store_id or None, bundle_id or None)
    app.name = call.arg("name") or app.name
    app.created_at = app.updated_at = call.now
    state.apps.add(app_id, app)
    return one(app_json(app), 201)


@routes.patch("/apps/{app_id}")
def update_app(call: SCall) -> web.Response:
    app = find(call.state.apps, call, "app_id")
    if app.shared:
        raise Problem(422, "shared apps cannot be updated")
    binary = call.file("binary")
    deploy = choice(call, "deploy_to", DEPLOY_TO, "none")
    if binary is not None:
        if app.app_type != "enterprise":
            raise Problem(422, "only uploaded apps take a new binary")
        app.name, app.bundle_identifier, app.version, app.platform_support = inspect_binary(binary)
        app.binary = binary.summary()
    app.name = call.arg("name") or app.name
    app.deploys.append(deploy or "none")
    app.updated_at = call.now
    return one(app_json(app))


@routes.delete("/apps/{app_id}")
def delete_app(call: SCall) -> web.Response:
    state = call.state
    app = find(state.apps, call, "app_id")
    if app.shared:
        raise Problem(422, "shared apps cannot be deleted")
    state.apps.remove(app.id)
    for group in state.assignment_groups.values():
        if app.id in group.app_ids:
            group.app_ids.remove(app.id)
    return status_only(204)


@routes.post("/apps/{app_id}/munki_pkginfo")
def update_munki_pkginfo(call: SCall) -> web.Response:
    app = find(call.state.apps, call, "app_id")
    part = call.file("file")
    if part is None:
        raise Problem(422, "file is required")
    app.munki_pkginfo = part.summary()
    return status_only(202)


@routes.delete("/apps/{app_id}/munki_pkginfo")
def delete_munki_pkginfo(call: SCall) -> web.Response:
    find(call.state.apps, call, "app_id").munki_pkginfo = None
    return status_only(204)


@routes.get("/apps/{app_id}/managed_configs")
def list_managed_configs(call: SCall) -> web.Response:
    app = find(call.state.apps, call, "app_id")
    return listing_of(call, app.managed_configs.values(), lambda c: c.id, managed_config_json)


def _check_value(value: str, value_type: str) -> None:
    """Reject values that do not fit their ``value_type`` (the reference's format table)."""
    items = [v.strip() for v in value.split(",")] if value_type.endswith("array") else [value]
    try:
        for item in items:
            if value_type == "boolean" and item not in ("0", "1"):
                raise ValueError(item)
            if value_type.startswith("integer"):
                int(item)
            elif value_type.startswith("float"):
                float(item)
            elif value_type == "date":
                dt.datetime.fromisoformat(item)
    except ValueError:
        raise Problem(422, f"value is not a valid {value_type}") from None


@routes.post("/apps/{app_id}/managed_configs")
def create_managed_config(call: SCall) -> web.Response:
    state = call.state
    app = find(state.apps, call, "app_id")
    key = require(call, "key")
    value_type = choice(call, "value_type", VALUE_TYPES, "string") or "string"
    value = call.arg("value") or ""
    _check_value(value, value_type)
    ident = 1 + max(
        (c.id for a in state.apps.values() for c in a.managed_configs.values()), default=0
    )
    app.managed_configs[ident] = ManagedConfig(ident, key, value, value_type)
    return one(managed_config_json(app.managed_configs[ident]), 201)


@routes.delete("/apps/{app_id}/managed_configs/{managed_config_id}")
def delete_managed_config(call: SCall) -> web.Response:
    app = find(call.state.apps, call, "app_id")
    ident = call.path_int("managed_config_id")
    if app.managed_configs.pop(ident, None) is None:
        raise Problem(404, "object not found")
    return status_only(204)


@routes.post("/apps/{app_id}/managed_configs/push")
def push_managed_configs(call: SCall) -> web.Response:
    find(call.state.apps, call, "app_id").managed_config_pushes += 1
    return status_only(202)
