"""The App Repository: apps, their release labels, approvals and associations.

``create_enterprise`` does the whole enterprise flow: upload the package, wait for the
server to process it, then create the app with the returned file id as ``app_file``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_choice, check_text
from mdmkit.http.paths import path_id
from mdmkit.http.uploads import FileInput, FileSource
from mdmkit.manageengine.models import App
from mdmkit.manageengine.resources._base import (
    API,
    DEFAULT_PAGE_SIZE,
    Id,
    Resource,
    numeric_id,
    numeric_ids,
)
from mdmkit.manageengine.resources.files import Files, UploadStrategy

__all__ = ["APP_TYPES", "Apps"]

APP_TYPES = (1, 2, 3)  # 1 free store app, 2 paid store app, 3 enterprise app
ENTERPRISE = 3
SUPPORTED_DEVICES = (1, 2, 3)  # 1 smartphone, 2 tablet, 3 both
PLATFORMS = (1, 2, 3)  # 1 iOS, 2 Android, 3 Windows


def _body(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


class Apps(Resource):
    """``/api/v1/mdm/apps``."""

    def __init__(self, *args: Any, files: Files) -> None:
        super().__init__(*args)
        self._files = files

    def _path(self, app_id: Id, *rest: str) -> str:
        return "/".join([f"{API}/apps", path_id(app_id, "app_id"), *rest])

    def _label_path(self, app_id: Id, label_id: Id, *rest: str) -> str:
        return self._path(app_id, "labels", path_id(label_id, "release_label_id"), *rest)

    def list(self, *, search: str | None = None, limit: int = DEFAULT_PAGE_SIZE) -> Paginator[App]:
        """Every app in the App Repository."""
        return self._paginate(f"{API}/apps", "apps", App, params={"search": search}, limit=limit)

    async def get(self, app_id: Id) -> App:
        """One app with its release labels."""
        return await self._one("GET", self._path(app_id), App)

    async def create(
        self,
        *,
        app_name: str,
        app_type: int,
        app_file: Id | None = None,
        app_category_id: int | None = None,
        supported_devices: int | None = None,
        release_label_id: Id | None = None,
        display_image: Id | None = None,
        full_image: Id | None = None,
        description: str | None = None,
        app_store_country_code: str | None = None,
        bundle_identifier: str | None = None,
        prevent_backup: bool | None = None,
        platform_type: int | None = None,
    ) -> App:
        """Add a store app (``app_type`` 1 or 2) or an enterprise app (3, needs ``app_file``)."""
        check_choice(app_type, APP_TYPES, "app_type")
        if app_type == ENTERPRISE and app_file is None:
            raise InvalidRequestError(
                "an enterprise app (app_type 3) needs app_file: upload the package first",
                field="app_file",
            )
        if supported_devices is not None:
            check_choice(supported_devices, SUPPORTED_DEVICES, "supported_devices")
        if platform_type is not None:
            check_choice(platform_type, PLATFORMS, "platform_type")
        body = _body(
            app_name=check_text(app_name, "app_name"),
            app_type=app_type,
            app_file=_optional_id(app_file, "app_file"),
            app_category_id=_optional_id(app_category_id, "app_category_id"),
            supported_devices=supported_devices,
            release_label_id=_optional_id(release_label_id, "release_label_id"),
            display_image=_optional_id(display_image, "display_image"),
            full_image=_optional_id(full_image, "full_image"),
            description=description,
            app_store_country_code=app_store_country_code,
            bundle_identifier=bundle_identifier,
            prevent_backup=prevent_backup,
            platform_type=platform_type,
        )
        return await self._one("POST", f"{API}/apps", App, json=body)

    async def create_enterprise(
        self,
        source: FileSource | FileInput,
        *,
        app_name: str,
        filename: str | None = None,
        strategy: UploadStrategy | None = None,
        max_wait: float = 300.0,
        **fields: Any,
    ) -> App:
        """Upload an app package, wait until the server has processed it, and create the app.

        ``fields`` are the other ``create`` arguments, such as ``release_label_id``.
        """
        check_text(app_name, "app_name")
        file = FileSource.of(source, filename=filename, field="source")
        uploaded = await self._files.upload(file, strategy=strategy)
        if uploaded.status != "completed":
            await self._files.wait(uploaded.file_id, max_wait=max_wait)
        return await self.create(
            app_name=app_name, app_type=ENTERPRISE, app_file=uploaded.file_id, **fields
        )

    async def update(
        self,
        app_id: Id,
        release_label_id: Id,
        *,
        app_name: str | None = None,
        app_type: int | None = None,
        app_category_id: int | None = None,
        platform_type: int | None = None,
        bundle_identifier: str | None = None,
        app_version: str | None = None,
        supported_devices: int | None = None,
        description: str | None = None,
        remove_app_with_profile: bool | None = None,
        prevent_backup: bool | None = None,
        app_file: Id | None = None,
        force_update_in_label: bool | None = None,
    ) -> App:
        """Change an app in one release label, or put a new version (``app_file``) in it.

        ``force_update_in_label=True`` replaces the label's version; False adds it separately.
        """
        if app_type is not None:
            check_choice(app_type, APP_TYPES, "app_type")
        body = _body(
            app_name=None if app_name is None else check_text(app_name, "app_name"),
            app_type=app_type,
            app_category_id=_optional_id(app_category_id, "app_category_id"),
            platform_type=platform_type,
            bundle_identifier=bundle_identifier,
            app_version=app_version,
            supported_devices=supported_devices,
            description=description,
            remove_app_with_profile=remove_app_with_profile,
            prevent_backup=prevent_backup,
            app_file=_optional_id(app_file, "app_file"),
            force_update_in_label=force_update_in_label,
        )
        if not body:
            raise InvalidRequestError("give at least one field to change", field="app_name")
        return await self._one("PUT", self._label_path(app_id, release_label_id), App, json=body)

    async def approve(
        self,
        app_id: Id,
        release_label_id: Id,
        *,
        silent_install: bool,
        retire_old_version: bool,
        notify_user_via_email: bool,
        version_label: str | None = None,
        distribute_update: bool | None = None,
    ) -> None:
        """Approve the version in a label, optionally pushing it where older ones went."""
        body = _body(
            silent_install=silent_install,
            retire_old_version=retire_old_version,
            notify_user_via_email=notify_user_via_email,
            version_label=version_label,
            distribute_update=distribute_update,
        )
        await self._send("POST", self._label_path(app_id, release_label_id, "approve"), json=body)

    async def associate_devices(
        self,
        app_id: Id,
        release_label_id: Id,
        device_ids: Iterable[Id],
        *,
        silent_install: bool | None = None,
        notify_user_via_email: bool | None = None,
    ) -> None:
        """Distribute the label's version to devices."""
        body = _body(
            device_ids=numeric_ids(device_ids, "device_ids"),
            silent_install=silent_install,
            notify_user_via_email=notify_user_via_email,
        )
        await self._send("POST", self._label_path(app_id, release_label_id, "devices"), json=body)

    async def associate_groups(
        self,
        app_id: Id,
        release_label_id: Id,
        group_ids: Iterable[Id],
        *,
        silent_install: bool | None = None,
        notify_user_via_email: bool | None = None,
    ) -> None:
        """Distribute the label's version to groups."""
        body = _body(
            group_ids=numeric_ids(group_ids, "group_ids"),
            silent_install=silent_install,
            notify_user_via_email=notify_user_via_email,
        )
        await self._send("POST", self._label_path(app_id, release_label_id, "groups"), json=body)

    async def disassociate_device(self, app_id: Id, device_id: Id) -> None:
        """Stop distributing the app to a device."""
        await self._send("DELETE", self._path(app_id, "devices", path_id(device_id, "device_id")))

    async def disassociate_group(self, app_id: Id, group_id: Id) -> None:
        """Stop distributing the app to a group."""
        await self._send("DELETE", self._path(app_id, "groups", path_id(group_id, "group_id")))

    async def delete(self, app_id: Id) -> None:
        """Remove the app from the App Repository."""
        await self._send("DELETE", self._path(app_id))

    async def delete_version(self, app_id: Id, release_label_id: Id) -> None:
        """Delete the version in a label (an approved version cannot be deleted)."""
        await self._send("DELETE", self._label_path(app_id, release_label_id, "delete"))


def _optional_id(value: Id | None, field: str) -> int | None:
    """An id for the body when given (``numeric_id``: a JSON number, never a float)."""
    return None if value is None else numeric_id(value, field)
