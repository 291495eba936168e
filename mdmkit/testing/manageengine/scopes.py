"""MDMOnDemand OAuth scopes: which one an endpoint needs and whether a token's scopes grant it.

A scope reads ``MDMOnDemand.<family>.<operation>``; ``<family>.ALL`` grants every operation of
its family, and names compare without regard to case. The family follows the path (research
§2.6): devices, device actions and bulk actions are ``MDMInventory``, users ``MDMUser``, and
everything else (apps, labels, files, groups, profiles, ``/emsapi/files``) ``MDMDeviceMgmt``.
The operation follows the method: GET READ, POST CREATE, PUT UPDATE, DELETE DELETE. Two
exceptions: the apps reference asks ``MDMDeviceMgmt.CREATE`` for
``PUT /apps/{app_id}/labels/{release_label_id}``, so the fake accepts CREATE or UPDATE there
(a 403 names CREATE); and the device summary (``GET /devices/{device_id}/summary``) needs
``MDMDeviceMgmt.READ``, not ``MDMInventory.READ`` (the vendor's "Get device summary" page):
an inventory-only token reads a device but not its summary.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ALL_SCOPES",
    "DEVICE_MGMT",
    "INVENTORY",
    "USER",
    "grants",
    "parse_scopes",
    "required_scopes",
]

INVENTORY = "MDMOnDemand.MDMInventory"
DEVICE_MGMT = "MDMOnDemand.MDMDeviceMgmt"
USER = "MDMOnDemand.MDMUser"
ALL_SCOPES = (f"{INVENTORY}.ALL", f"{DEVICE_MGMT}.ALL", f"{USER}.ALL")
"""What a refresh token carries unless the test says otherwise."""

_MDM = "/api/v1/mdm"
_OPERATIONS = {"GET": "READ", "HEAD": "READ", "POST": "CREATE", "PUT": "UPDATE", "DELETE": "DELETE"}
_FAMILIES = (
    (f"{_MDM}/devices", INVENTORY),
    (f"{_MDM}/actions", INVENTORY),
    (f"{_MDM}/users", USER),
)
_EXCEPTIONS = {
    ("PUT", f"{_MDM}/apps/{{app_id}}/labels/{{label_id}}"): (
        f"{DEVICE_MGMT}.CREATE",
        f"{DEVICE_MGMT}.UPDATE",
    ),
    ("GET", f"{_MDM}/devices/{{device_id}}/summary"): (f"{DEVICE_MGMT}.READ",),
}


def _family(path: str) -> str:
    for prefix, family in _FAMILIES:
        if path == prefix or path.startswith(prefix + "/"):
            return family
    return DEVICE_MGMT


def required_scopes(method: str, path: str) -> tuple[str, ...]:
    """The scopes of which any one lets a token call ``method path`` (the route pattern)."""
    method = method.upper()
    exception = _EXCEPTIONS.get((method, path))
    if exception is not None:
        return exception
    return (f"{_family(path)}.{_OPERATIONS.get(method, 'READ')}",)


def parse_scopes(scopes: str | Iterable[str] | None) -> frozenset[str]:
    """Scopes from a comma-separated string or an iterable (None: the three ``.ALL`` scopes)."""
    if scopes is None:
        return frozenset(ALL_SCOPES)
    items = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    return frozenset(item.strip() for item in items if item.strip())


def grants(held: Iterable[str], needed: str) -> bool:
    """Whether scopes ``held`` include ``needed`` itself or its family's ``.ALL``."""
    family = needed.rpartition(".")[0]
    wanted = {needed.lower(), f"{family}.all".lower()}
    return any(scope.lower() in wanted for scope in held)
