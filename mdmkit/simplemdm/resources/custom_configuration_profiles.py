"""Custom configuration profiles: uploaded mobileconfig files, and where they are assigned."""

from __future__ import annotations

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_text
from mdmkit.http.uploads import FileInput, FileSource, FormField
from mdmkit.simplemdm.envelope import read_one
from mdmkit.simplemdm.models import CustomConfigurationProfile
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, flag
from mdmkit.simplemdm.resources.profiles import ProfileAssignments

__all__ = ["CustomConfigurationProfiles"]


def _options(**flags: bool | None) -> list[FormField]:
    return [(name, text) for name, value in flags.items() if (text := flag(value, name))]


class CustomConfigurationProfiles(ProfileAssignments):
    """``/custom_configuration_profiles``."""

    collection = "/custom_configuration_profiles"

    def list(
        self,
        *,
        search: str | None = None,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[CustomConfigurationProfile]:
        """Every custom profile; ``search`` matches the profile name."""
        return self._paginate(
            "/custom_configuration_profiles",
            CustomConfigurationProfile,
            params={"search": search},
            limit=limit,
            starting_after=starting_after,
            direction=direction,
        )

    async def create(
        self,
        *,
        name: str,
        mobileconfig: FileSource | FileInput,
        filename: str | None = None,
        user_scope: bool | None = None,
        attribute_support: bool | None = None,
        escape_attributes: bool | None = None,
        reinstall_after_os_update: bool | None = None,
    ) -> CustomConfigurationProfile:
        """Upload a mobileconfig as a new profile."""
        fields: list[FormField] = [
            ("name", check_text(name, "name")),
            ("mobileconfig", FileSource.of(mobileconfig, filename=filename, field="mobileconfig")),
            *_options(
                user_scope=user_scope,
                attribute_support=attribute_support,
                escape_attributes=escape_attributes,
                reinstall_after_os_update=reinstall_after_os_update,
            ),
        ]
        return await self._one(
            "POST", "/custom_configuration_profiles", CustomConfigurationProfile, multipart=fields
        )

    async def update(
        self,
        profile_id: Id,
        *,
        name: str | None = None,
        mobileconfig: FileSource | FileInput | None = None,
        filename: str | None = None,
        user_scope: bool | None = None,
        attribute_support: bool | None = None,
        escape_attributes: bool | None = None,
        reinstall_after_os_update: bool | None = None,
    ) -> CustomConfigurationProfile | None:
        """Change a profile's name, file or options; the updated profile if the server sends it."""
        fields: list[FormField] = []
        if name is not None:
            fields.append(("name", check_text(name, "name")))
        if mobileconfig is not None:
            source = FileSource.of(mobileconfig, filename=filename, field="mobileconfig")
            fields.append(("mobileconfig", source))
        fields += _options(
            user_scope=user_scope,
            attribute_support=attribute_support,
            escape_attributes=escape_attributes,
            reinstall_after_os_update=reinstall_after_os_update,
        )
        if not fields:
            raise InvalidRequestError("give at least one field to change", field="name")
        response = await self._send("PATCH", self._path(profile_id), multipart=fields)
        if not response.body.strip():
            return None
        return read_one(response, CustomConfigurationProfile, self._converter)

    async def download(self, profile_id: Id) -> bytes:
        """The profile's mobileconfig file, as uploaded."""
        response = await self._send("GET", self._path(profile_id, "download"))
        return response.body

    async def delete(self, profile_id: Id) -> None:
        """Delete a profile."""
        await self._send("DELETE", self._path(profile_id))
