"""Apps in the catalog (App Store, enterprise ipa, macOS pkg), their installs and Munki pkginfo."""

from __future__ import annotations

from typing import Literal, get_args

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_choice, check_digits, check_text, require_exactly_one
from mdmkit.http.paths import path_id
from mdmkit.http.uploads import FileInput, FileSource, FormField
from mdmkit.simplemdm.models import App, InstalledApp
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource, flag

__all__ = ["DEPLOY_TO", "Apps"]

DeployTo = Literal["none", "outdated", "all"]
DEPLOY_TO = get_args(DeployTo)


class Apps(Resource):
    """``/apps``: the app catalog."""

    def list(
        self,
        *,
        include_shared: bool | None = None,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[App]:
        """Every app in the catalog (``include_shared`` adds assigned shared-catalog apps)."""
        return self._paginate(
            "/apps",
            App,
            params={"include_shared": flag(include_shared, "include_shared")},
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def get(self, app_id: Id) -> App:
        """One app."""
        return await self._one("GET", f"/apps/{path_id(app_id, 'app_id')}", App)

    async def create(
        self,
        *,
        app_store_id: int | str | None = None,
        bundle_id: str | None = None,
        binary: FileSource | FileInput | None = None,
        name: str | None = None,
        filename: str | None = None,
    ) -> App:
        """Add an App Store app (by ``app_store_id`` or ``bundle_id``) or upload an ipa/pkg.

        Exactly one of ``app_store_id``, ``bundle_id`` and ``binary`` is required; ``name``
        goes with ``binary`` only. ``filename`` names a binary given as bytes.
        """
        chosen = require_exactly_one(
            {"app_store_id": app_store_id, "bundle_id": bundle_id, "binary": binary}
        )
        if name is not None and chosen != "binary":
            raise InvalidRequestError("name can only be given with binary", field="name")
        if binary is not None:
            fields: list[FormField] = [
                ("binary", FileSource.of(binary, filename=filename, field="binary"))
            ]
            if name is not None:
                fields.append(("name", check_text(name, "name")))
            return await self._one("POST", "/apps", App, multipart=fields)
        if app_store_id is not None:
            form = [("app_store_id", check_digits(app_store_id, "app_store_id"))]
        else:
            form = [("bundle_id", check_text(bundle_id, "bundle_id"))]
        return await self._one("POST", "/apps", App, form=form)

    async def update(
        self,
        app_id: Id,
        *,
        binary: FileSource | FileInput | None = None,
        name: str | None = None,
        deploy_to: DeployTo | None = None,
        filename: str | None = None,
    ) -> App:
        """Replace the binary or rename an app (not shared apps).

        ``deploy_to`` ("none", "outdated", "all") pushes the new binary once processed.
        """
        if binary is None and name is None and deploy_to is None:
            raise InvalidRequestError("give binary, name or deploy_to", field="binary")
        if deploy_to is not None:
            check_choice(deploy_to, DEPLOY_TO, "deploy_to")
        path = f"/apps/{path_id(app_id, 'app_id')}"
        fields: list[FormField] = []
        if name is not None:
            fields.append(("name", check_text(name, "name")))
        if deploy_to is not None:
            fields.append(("deploy_to", deploy_to))
        if binary is not None:
            fields.append(("binary", FileSource.of(binary, filename=filename, field="binary")))
            return await self._one("PATCH", path, App, multipart=fields)
        form = [(key, value) for key, value in fields if isinstance(value, str)]
        return await self._one("PATCH", path, App, form=form)

    async def delete(self, app_id: Id) -> None:
        """Remove an app from the catalog (devices keep it installed)."""
        await self._send("DELETE", f"/apps/{path_id(app_id, 'app_id')}")

    def installs(
        self,
        app_id: Id,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[InstalledApp]:
        """Where the app is installed: one installed app per device."""
        path = f"/apps/{path_id(app_id, 'app_id')}/installs"
        return self._paginate(
            path, InstalledApp, limit=limit, starting_after=starting_after, direction=direction
        )

    async def update_munki_pkginfo(
        self, app_id: Id, file: FileSource | FileInput, *, filename: str | None = None
    ) -> None:
        """Replace a Munki app's pkginfo with an XML or plist file."""
        source = FileSource.of(file, filename=filename, field="file")
        path = f"/apps/{path_id(app_id, 'app_id')}/munki_pkginfo"
        await self._send("POST", path, multipart=[("file", source)])

    async def delete_munki_pkginfo(self, app_id: Id) -> None:
        """Delete a Munki app's pkginfo."""
        await self._send("DELETE", f"/apps/{path_id(app_id, 'app_id')}/munki_pkginfo")
