"""The app repository and release labels, as the Apps reference (seeds/) describes them.

Create takes ``app_name``, ``app_type`` (1 free store, 2 paid store, 3 enterprise),
``app_category_id`` and ``supported_devices`` (1, 2 or 3), all required as the reference
marks them; ``release_label_id`` is optional (default Stable: the reference marks it required
but also says an app without one goes to the Stable channel). An enterprise app needs
``app_file``: a completed, unexpired app package upload; its platform follows the package
(apk Android, ipa/pkg iOS, the rest Windows) and its bundle identifier, unless sent, the file
name. A store app's platform is ``platform_type`` (default 1). Create answers 200 with the app.

``PUT /apps/{id}/labels/{label}`` updates the app and its version in that label; when the
label already holds a version, ``force_update_in_label`` must be true (else 400), and when it
does not, the update adds a version there (an enterprise app then needs ``app_file``).
Approve makes the label's version the approved one (``retire_old_version`` deletes the old
approved version and moves its associations; ``distribute_update`` moves them without
deleting). The approved version cannot be deleted (400). Associating devices or groups with a
label replaces any earlier label for the same target; the targets must exist (400 otherwise)
and the label must hold a version of the app (400). ``POST /labels`` creates a channel of type
2; a duplicate name answers 400.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from mdmkit.testing.manageengine.common import (
    MDM,
    MCall,
    Routes,
    body_object,
    find,
    flag,
    id_list,
    invalid,
    listing,
    not_found,
    number,
    reply,
    status_only,
    text,
)
from mdmkit.testing.manageengine.files import usable_app_file
from mdmkit.testing.manageengine.records import (
    ANDROID,
    BETA,
    IOS,
    WINDOWS,
    App,
    AppVersion,
    Association,
    Label,
)
from mdmkit.testing.manageengine.render import app_json, app_label_json
from mdmkit.testing.manageengine.state import APP_BASE, LABEL_BASE, ManageEngineState

__all__ = ["routes"]

routes = Routes(MDM)
APP = "/apps/{app_id}"
LABEL = APP + "/labels/{label_id}"
_PACKAGE_PLATFORMS = {"apk": ANDROID, "ipa": IOS, "pkg": IOS}


def _choice(body: dict[str, Any], name: str, allowed: tuple[int, ...], default: int | None) -> int:
    value = number(body, name, required=default is None)
    if value is None and default is not None:
        return default
    if value is None or value not in allowed:
        raise invalid(name, f"{name} must be one of {', '.join(map(str, allowed))}")
    return value


def _label(state: ManageEngineState, call: MCall) -> Label:
    return find(state.labels, call, "label_id", "Release label")


def _version_of(app: App, label: Label) -> AppVersion:
    version = app.versions.get(label.id)
    if version is None:
        raise not_found("App version in this release label")
    return version


def _apply(app: App, body: dict[str, Any]) -> None:
    """The descriptive fields create and update share."""
    app.name = text(body, "app_name") or app.name
    app.description = text(body, "description") or app.description
    app.bundle_identifier = text(body, "bundle_identifier") or app.bundle_identifier
    app.country_code = text(body, "app_store_country_code") or app.country_code
    category = number(body, "app_category_id")
    if category is not None:
        if category < 1:
            raise invalid("app_category_id")
        app.category_id = category
    if body.get("supported_devices") is not None:
        app.supported_devices = _choice(body, "supported_devices", (1, 2, 3), None)
    app.prevent_backup = flag(body, "prevent_backup", app.prevent_backup)
    app.remove_app_with_profile = flag(body, "remove_app_with_profile", app.remove_app_with_profile)


@routes.get("/apps")
def list_apps(call: MCall) -> web.Response:
    state = call.state
    search = (call.arg("search") or "").strip().lower()
    items = [a for a in state.apps.values() if search in a.name.lower()] if search else state.apps
    return listing(call, "apps", items, lambda a: app_json(state, a))


@routes.post("/apps")
def create_app(call: MCall) -> web.Response:
    state = call.state
    body = body_object(call)
    name = text(body, "app_name", required=True)
    assert name is not None
    app_type = _choice(body, "app_type", (1, 2, 3), None)
    number(body, "app_category_id", required=True)
    _choice(body, "supported_devices", (1, 2, 3), None)
    label_id = number(body, "release_label_id")
    if label_id is None:
        label_id = state.stable_label_id
    elif label_id not in state.labels:
        raise invalid("release_label_id", f"release_label_id: no release label {label_id}")
    app_file = None
    version = text(body, "app_version") or "1.0"
    if app_type == 3:
        if body.get("app_file") is None:
            raise invalid("app_file", "Required parameter missing: app_file (enterprise apps)")
        record = usable_app_file(state, body["app_file"], call.now)
        app_file, platform = record.id, _PACKAGE_PLATFORMS.get(record.extension, WINDOWS)
        slug = re.sub(r"[^a-z0-9]+", "", record.name.rpartition(".")[0].lower()) or "app"
        bundle = f"com.example.{slug}"
    else:
        platform = _choice(body, "platform_type", (IOS, ANDROID, WINDOWS), IOS)
        bundle = f"com.example.{re.sub(r'[^a-z0-9]+', '', name.lower()) or 'app'}"
    app = App(state.apps.next_id(APP_BASE + 1), name, app_type, platform, bundle)
    _apply(app, body)
    app.added_at = app.modified_at = call.now
    app.versions[label_id] = AppVersion(
        label_id, version, app_file, approved=True, added_at=call.now, modified_at=call.now
    )
    state.apps.add(app.id, app)
    return reply(app_json(state, app))


@routes.get(APP)
def get_app(call: MCall) -> web.Response:
    return reply(app_json(call.state, find(call.state.apps, call, "app_id", "App")))


@routes.get(LABEL)
def get_app_in_label(call: MCall) -> web.Response:
    state = call.state
    app = find(state.apps, call, "app_id", "App")
    label = _label(state, call)
    _version_of(app, label)
    return reply(app_label_json(state, app, label))


@routes.put(LABEL)
def update_app(call: MCall) -> web.Response:
    state = call.state
    app = find(state.apps, call, "app_id", "App")
    label = _label(state, call)
    body = body_object(call)
    existing = app.versions.get(label.id)
    if existing is not None and not flag(body, "force_update_in_label", False):
        raise invalid(
            "force_update_in_label",
            "force_update_in_label must be true to update the app in a label that has it",
        )
    app_file = None
    if body.get("app_file") is not None:
        if not app.is_enterprise:
            raise invalid("app_file", "app_file: only enterprise apps take a package")
        app_file = usable_app_file(state, body["app_file"], call.now).id
    elif existing is None and app.is_enterprise:
        raise invalid("app_file", "Required parameter missing: app_file (new version)")
    _apply(app, body)
    version = text(body, "app_version")
    if existing is None:
        existing = AppVersion(label.id, version or app.version, app_file, added_at=call.now)
        app.versions[label.id] = existing
    existing.version = version or existing.version
    existing.app_file = app_file if app_file is not None else existing.app_file
    existing.modified_at = app.modified_at = call.now
    return reply(app_label_json(state, app, label))


def _move(app: App, source: int, target: int) -> None:
    for association in (*app.devices.values(), *app.groups.values()):
        if association.label_id == source:
            association.label_id = target


@routes.post(LABEL + "/approve")
def approve(call: MCall) -> web.Response:
    state = call.state
    app = find(state.apps, call, "app_id", "App")
    label = _label(state, call)
    version = _version_of(app, label)
    body = body_object(call)
    flag(body, "silent_install")
    flag(body, "notify_user_via_email")
    retire = flag(body, "retire_old_version")
    distribute = flag(body, "distribute_update", False)
    text(body, "version_label")
    old = app.approved
    if old is not None and old is not version:
        old.approved = False
        if retire or distribute:
            _move(app, old.label_id, label.id)
        if retire:
            del app.versions[old.label_id]
    version.approved = True
    app.approvals += 1
    version.modified_at = app.modified_at = call.now
    return status_only(204)


def _associate(call: MCall, kind: str) -> web.Response:
    state = call.state
    app = find(state.apps, call, "app_id", "App")
    label = _label(state, call)
    body = body_object(call)
    field = f"{kind}_ids"
    ids = id_list(body, field)
    table = state.devices if kind == "device" else state.groups
    unknown = [i for i in ids if i not in table]
    if unknown:
        raise invalid(field, f"{field}: unknown {kind} {unknown[0]}")
    if label.id not in app.versions:
        raise invalid("release_label_id", "The app has no version in this release label")
    silent = flag(body, "silent_install", True)
    notify = flag(body, "notify_user_via_email", False)
    targets = app.devices if kind == "device" else app.groups
    for target in ids:
        targets[target] = Association(label.id, silent, notify, call.now)
    return status_only(202)


def _disassociate(call: MCall, kind: str) -> web.Response:
    app = find(call.state.apps, call, "app_id", "App")
    targets = app.devices if kind == "device" else app.groups
    target = call.match[f"{kind}_id"]
    if not target.isdigit() or int(target) not in targets:
        raise not_found(f"Association of the app with this {kind}")
    del targets[int(target)]
    return status_only(204)


def _target_routes(kind: str) -> None:
    """Associate ``<kind>s`` with a label's version; disassociate one ``<kind>``."""

    def associate(call: MCall) -> web.Response:
        return _associate(call, kind)

    def disassociate(call: MCall) -> web.Response:
        return _disassociate(call, kind)

    routes.post(f"{LABEL}/{kind}s")(associate)
    routes.delete(f"{APP}/{kind}s/{{{kind}_id}}")(disassociate)


_target_routes("device")
_target_routes("group")


@routes.delete(APP)
def delete_app(call: MCall) -> web.Response:
    app = find(call.state.apps, call, "app_id", "App")
    call.state.apps.remove(app.id)
    return status_only(204)


@routes.delete(LABEL + "/delete")
def delete_version(call: MCall) -> web.Response:
    state = call.state
    app = find(state.apps, call, "app_id", "App")
    label = _label(state, call)
    version = _version_of(app, label)
    if version.approved:
        raise invalid("release_label_id", "The approved app version cannot be deleted")
    del app.versions[label.id]
    for targets in (app.devices, app.groups):
        for target in [t for t, a in targets.items() if a.label_id == label.id]:
            del targets[target]
    return status_only(204)


@routes.post("/labels")
def create_label(call: MCall) -> web.Response:
    state = call.state
    name = text(body_object(call), "channel_name", required=True)
    assert name is not None
    if any(label.name.lower() == name.strip().lower() for label in state.labels.values()):
        raise invalid("channel_name", f"channel_name: a release label named {name} exists")
    label = Label(state.labels.next_id(LABEL_BASE + 1), name.strip(), BETA, call.now)
    state.labels.add(label.id, label)
    return reply({"release_label_id": label.id})
