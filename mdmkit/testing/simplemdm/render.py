"""JSON of every SimpleMDM object except devices: ``{"type", "id", "attributes", "relationships"}``.

Shapes follow the reference's examples attribute by attribute; the device lives in
``render_device.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from mdmkit.testing.simplemdm.records import (
    App,
    AssignmentGroup,
    CustomAttribute,
    DepServer,
    DeviceGroup,
    Enrollment,
    LogEntry,
    ManagedConfig,
    Profile,
    Script,
    ScriptJob,
)
from mdmkit.testing.simplemdm.state import SimpleMDMState

__all__ = [
    "account_json",
    "app_json",
    "assignment_group_json",
    "custom_attribute_json",
    "dep_server_json",
    "device_group_json",
    "enrollment_json",
    "iso",
    "log_json",
    "managed_config_json",
    "pacific_offset",
    "profile_json",
    "push_certificate_json",
    "rel_many",
    "rel_one",
    "resource",
    "script_job_json",
    "script_json",
    "value_json",
]

Json = dict[str, Any]


def _sunday(year: int, month: int, nth: int) -> dt.datetime:
    """Midnight (UTC) of the ``nth`` Sunday of a month."""
    first = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))


def pacific_offset(moment: dt.datetime) -> dt.timedelta:
    """US Pacific time's UTC offset at an aware moment: -07:00 from 2:00 on the second Sunday
    of March to 2:00 on the first Sunday of November, else -08:00."""
    year = moment.astimezone(dt.UTC).year
    summer = _sunday(year, 3, 2) + dt.timedelta(hours=10)  # 2:00 PST
    winter = _sunday(year, 11, 1) + dt.timedelta(hours=9)  # 2:00 PDT
    return dt.timedelta(hours=-7 if summer <= moment < winter else -8)


def iso(ts: float | None) -> str | None:
    """Epoch seconds as SimpleMDM writes times: in the account's zone with its offset, here US
    Pacific as in the reference's examples (``2022-06-21T14:09:52.000-07:00``), never ``Z``."""
    if ts is None:
        return None
    moment = dt.datetime.fromtimestamp(ts, dt.UTC)
    local = moment.astimezone(dt.timezone(pacific_offset(moment)))
    return local.isoformat(timespec="milliseconds")


def resource(
    kind: str, ident: int | str | None, attributes: Json, relationships: Json | None = None
) -> Json:
    """The common object envelope (``id`` left out when None, as for the account)."""
    out: Json = {"type": kind}
    if ident is not None:
        out["id"] = ident
    out["attributes"] = attributes
    if relationships is not None:
        out["relationships"] = relationships
    return out


def rel_one(kind: str, ident: int | str | None) -> Json:
    """A to-one relationship (``data`` null when unset)."""
    return {"data": None if ident is None else {"type": kind, "id": ident}}


def rel_many(kind: str, idents: Iterable[int | str]) -> Json:
    """A to-many relationship."""
    return {"data": [{"type": kind, "id": i} for i in idents]}


def account_json(state: SimpleMDMState) -> Json:
    account = state.account
    attributes: Json = {
        "name": account.name,
        "apple_store_country_code": account.apple_store_country_code,
    }
    if account.licenses_total is not None:
        attributes["subscription"] = {
            "licenses": {"total": account.licenses_total, "available": account.licenses_available}
        }
    return resource("account", None, attributes)


def app_json(app: App) -> Json:
    """Store apps carry ``itunes_store_id``, uploaded apps a ``version``, as in the reference;
    an app of the shared catalog reads ``app_type`` "shared"."""
    attributes: Json = {"name": app.name, "bundle_identifier": app.bundle_identifier}
    attributes["app_type"] = "shared" if app.shared else app.app_type
    if app.app_type == "enterprise":
        attributes["version"] = app.version
    else:
        attributes["itunes_store_id"] = app.itunes_store_id
    attributes["installation_channels"] = ["standard"]
    attributes["platform_support"] = app.platform_support
    attributes["processing_status"] = app.processing_status
    return resource("app", app.id, attributes)


def managed_config_json(config: ManagedConfig) -> Json:
    return resource(
        "managed_config",
        config.id,
        {"key": config.key, "value": config.value, "value_type": config.value_type},
    )


def assignment_group_json(group: AssignmentGroup) -> Json:
    """NGE groups read ``type`` and ``group_type`` static/dynamic. Classic groups read ``type``
    standard/munki and ``group_type`` "dynamic" (as real ones do), ``install_type`` only when
    munki; both carry ``apps``, ``device_groups``, ``devices``, ``media`` and ``profiles``."""
    attributes: Json = {
        "name": group.name,
        "auto_deploy": group.auto_deploy,
        "priority": group.priority,
        "app_track_location": group.app_track_location,
        "type": group.type,
        "group_type": group.group_type,
    }
    if group.type != "standard":
        attributes["install_type"] = group.install_type
    if group.group_type != "dynamic" or group.is_nge:
        attributes["device_count"] = len(group.device_ids)
    return resource(
        "assignment_group",
        group.id,
        attributes,
        {
            "apps": rel_many("app", group.app_ids),
            "device_groups": rel_many("device_group", group.device_group_ids),
            "devices": rel_many("device", sorted(group.device_ids)),
            "media": rel_many("media", group.media_ids),
            "profiles": rel_many("profile", group.profile_ids),
        },
    )


def device_group_json(group: DeviceGroup, *, devices: list[int] | None = None) -> Json:
    """A legacy device group; the clone answer adds an (empty) ``devices`` relationship."""
    relationships = None if devices is None else {"devices": rel_many("device", devices)}
    return resource("device_group", group.id, {"name": group.name}, relationships)


def custom_attribute_json(attribute: CustomAttribute) -> Json:
    return resource(
        "custom_attribute",
        attribute.name,
        {"name": attribute.name, "default_value": attribute.default_value},
    )


def value_json(
    name: str, value: str, *, secret: bool | None = None, source: str | None = None
) -> Json:
    """A ``custom_attribute_value``; secret values read as empty strings."""
    attributes: Json = {"value": "" if secret else value}
    if secret is not None:
        attributes["secret"] = secret
    if source is not None:
        attributes["source"] = source
    return resource("custom_attribute_value", name, attributes)


def _group_count(state: SimpleMDMState, profile: Profile) -> int:
    in_groups = sum(profile.id in g.profile_ids for g in state.assignment_groups.values())
    return len(profile.device_group_ids) + in_groups


def profile_json(state: SimpleMDMState, profile: Profile) -> Json:
    """A profile as ``/profiles`` lists it (its ``type`` is the profile kind)."""
    return resource(
        profile.kind,
        profile.id,
        {
            "name": profile.name,
            "profile_identifier": profile.profile_identifier,
            "user_scope": profile.user_scope,
            "group_count": _group_count(state, profile),
            "reinstall_after_os_update": profile.reinstall_after_os_update,
            "device_count": len(profile.device_ids),
        },
        {"device_groups": rel_many("device_group", sorted(profile.device_group_ids))},
    )


def custom_profile_json(state: SimpleMDMState, profile: Profile) -> Json:
    """A ``custom_configuration_profile``, with its upload options."""
    return resource(
        "custom_configuration_profile",
        profile.id,
        {
            "name": profile.name,
            "reinstall_after_os_update": profile.reinstall_after_os_update,
            "profile_identifier": profile.profile_identifier,
            "user_scope": profile.user_scope,
            "attribute_support": profile.attribute_support,
            "escape_attributes": profile.escape_attributes,
            "group_count": _group_count(state, profile),
            "device_count": len(profile.device_ids),
        },
        {"device_groups": rel_many("device_group", sorted(profile.device_group_ids))},
    )


def script_json(script: Script) -> Json:
    return resource(
        "script",
        script.id,
        {
            "name": script.name,
            "content": script.content,
            "variable_support": script.variable_support,
            "created_at": iso(script.created_at),
            "updated_at": iso(script.updated_at),
        },
    )


def script_job_json(job: ScriptJob) -> Json:
    pending, success, errored = job.counts()
    devices = [
        {
            "type": "device",
            "id": d.device_id,
            "status": d.status,
            "status_code": d.status_code,
            "response": d.response,
        }
        for d in job.devices
    ]
    relationships: Json = {"device": {"data": devices}}
    if job.custom_attribute is not None:
        relationships["custom_attribute"] = rel_one("custom_attribute", job.custom_attribute)
    return resource(
        "script_job",
        job.id,
        {
            "script_name": job.script_name,
            "job_name": job.job_name,
            "content": job.content,
            "job_id": job.job_id,
            "variable_support": job.variable_support,
            "status": job.status,
            "pending_count": pending,
            "success_count": success,
            "errored_count": errored,
            "custom_attribute_regex": job.custom_attribute_regex,
            "created_by": job.created_by,
            "created_at": iso(job.created_at),
            "updated_at": iso(job.updated_at),
        },
        relationships,
    )


def enrollment_json(enrollment: Enrollment) -> Json:
    relationships = {"device_group": rel_one("device_group", enrollment.device_group_id)}
    if enrollment.device_id is not None:
        relationships["device"] = rel_one("device", enrollment.device_id)
    return resource(
        "enrollment",
        enrollment.id,
        {
            "url": enrollment.url,
            "user_enrollment": enrollment.user_enrollment,
            "welcome_screen": enrollment.welcome_screen,
            "authentication": enrollment.authentication,
        },
        relationships,
    )


def dep_server_json(server: DepServer) -> Json:
    return resource(
        "dep_server",
        server.id,
        {
            "server_name": server.server_name,
            "organization_name": server.organization_name,
            "token_expires_at": iso(server.token_expires_at),
            "last_synced_at": iso(server.last_synced_at),
        },
    )


def log_json(state: SimpleMDMState, entry: LogEntry) -> Json:
    """A log entry; as in the reference, ``relationships`` sit inside ``attributes``."""
    at = dt.datetime.fromtimestamp(entry.at, dt.UTC).strftime("%m/%d/%y %H:%M:%S")
    relationships: Json = {
        "account": {"data": {"type": "account", "id": 1, "api_key": state.api_key_name}}
    }
    if entry.serial_number is not None or entry.device_id is not None:
        relationships["device"] = {
            "data": {
                "type": "device",
                "id": entry.device_id,
                "serial_number": entry.serial_number,
                "udid": entry.udid,
            }
        }
    attributes: Json = {
        "namespace": entry.namespace,
        "event_type": entry.event_type,
        "level": entry.level,
        "source": entry.source,
        "at": at,
        "metadata": entry.metadata,
        "relationships": relationships,
    }
    return resource("log", entry.id, attributes)


def push_certificate_json(state: SimpleMDMState) -> Json:
    cert = state.push_certificate
    return resource(
        "push_certificate", None, {"apple_id": cert.apple_id, "expires_at": iso(cert.expires_at)}
    )
