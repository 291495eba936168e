"""The account the API key belongs to."""

from __future__ import annotations

import re

from mdmkit.core.errors import InvalidRequestError
from mdmkit.http.params import check_text, form_fields
from mdmkit.simplemdm.models import Account
from mdmkit.simplemdm.resources._base import Resource

__all__ = ["AccountResource"]


class AccountResource(Resource):
    """``/account``."""

    async def get(self) -> Account:
        """The account's name, App Store country and (manual billing) subscription."""
        return await self._one("GET", "/account", Account)

    async def update(
        self, *, name: str | None = None, apple_store_country_code: str | None = None
    ) -> Account:
        """Rename the account or change its App Store country (two letters, such as "AU")."""
        if name is None and apple_store_country_code is None:
            raise InvalidRequestError("give name, apple_store_country_code or both", field="name")
        if apple_store_country_code is not None and not re.fullmatch(
            r"[A-Za-z]{2}", apple_store_country_code
        ):
            raise InvalidRequestError(
                "apple_store_country_code must be two letters, such as 'US'",
                field="apple_store_country_code",
            )
        fields = form_fields(
            name=None if name is None else check_text(name, "name"),
            apple_store_country_code=apple_store_country_code,
        )
        return await self._one("PATCH", "/account", Account, form=fields)
