"""Scripts (macOS shell scripts the account can run through script jobs)."""

from __future__ import annotations

from mdmkit.core.errors import InvalidRequestError
from mdmkit.core.interface import checked_flag
from mdmkit.core.pagination import Paginator
from mdmkit.http.params import check_text
from mdmkit.http.paths import path_id
from mdmkit.http.uploads import FileInput, FileSource, FormField
from mdmkit.simplemdm.models import Script
from mdmkit.simplemdm.resources._base import MAX_PAGE_SIZE, Direction, Id, Resource

__all__ = ["Scripts"]


def _script_fields(
    name: str | None,
    variable_support: bool | None,
    file: FileSource | FileInput | None,
    content: str | None,
    filename: str | None,
) -> list[FormField]:
    if file is not None and content is not None:
        raise InvalidRequestError("give file or content, not both", field="content")
    if content is not None and not content.startswith("#!"):
        raise InvalidRequestError(
            "a script must begin with a shebang such as #!/bin/sh", field="content"
        )
    fields: list[FormField] = []
    if name is not None:
        fields.append(("name", check_text(name, "name")))
    if variable_support is not None:
        supported = checked_flag(variable_support, "variable_support")
        fields.append(("variable_support", "1" if supported else "0"))
    if content is not None:
        fields.append(("file", content))
    elif file is not None:
        fields.append(("file", FileSource.of(file, filename=filename, field="file")))
    return fields


class Scripts(Resource):
    """``/scripts``."""

    def list(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        starting_after: Id | None = None,
        direction: Direction | None = None,
    ) -> Paginator[Script]:
        """Every script."""
        return self._paginate(
            "/scripts", Script, limit=limit, starting_after=starting_after, direction=direction
        )

    async def get(self, script_id: Id) -> Script:
        """One script with its content."""
        return await self._one("GET", f"/scripts/{path_id(script_id, 'script_id')}", Script)

    async def create(
        self,
        *,
        name: str,
        file: FileSource | FileInput | None = None,
        content: str | None = None,
        variable_support: bool | None = None,
        filename: str | None = None,
    ) -> Script:
        """Upload a script, as a ``file`` or as its text ``content`` (starting with a shebang)."""
        if file is None and content is None:
            raise InvalidRequestError("give the script as file or content", field="file")
        fields = _script_fields(name, variable_support, file, content, filename)
        return await self._one("POST", "/scripts", Script, multipart=fields)

    async def update(
        self,
        script_id: Id,
        *,
        name: str | None = None,
        file: FileSource | FileInput | None = None,
        content: str | None = None,
        variable_support: bool | None = None,
        filename: str | None = None,
    ) -> Script:
        """Change a script's name, content or variable support (existing jobs keep theirs)."""
        fields = _script_fields(name, variable_support, file, content, filename)
        if not fields:
            raise InvalidRequestError("give at least one field to change", field="name")
        path = f"/scripts/{path_id(script_id, 'script_id')}"
        return await self._one("PATCH", path, Script, multipart=fields)

    async def delete(self, script_id: Id) -> None:
        """Delete a script (existing jobs are not changed)."""
        await self._send("DELETE", f"/scripts/{path_id(script_id, 'script_id')}")
