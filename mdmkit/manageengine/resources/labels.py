"""Release labels (app channels): separate versions of an enterprise app, such as Beta."""

from __future__ import annotations

from collections.abc import Mapping

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http.convert import to_int
from mdmkit.http.params import check_text
from mdmkit.manageengine.models import ReleaseLabel
from mdmkit.manageengine.resources._base import API, Resource

__all__ = ["Labels"]


class Labels(Resource):
    """``/api/v1/mdm/labels``."""

    async def create(self, *, channel_name: str) -> ReleaseLabel:
        """A new channel; use its ``release_label_id`` when adding or updating app versions."""
        response = await self._send(
            "POST", f"{API}/labels", json={"channel_name": check_text(channel_name, "channel_name")}
        )
        body = response.json()
        try:
            label_id = to_int(body["release_label_id"]) if isinstance(body, Mapping) else None
        except (KeyError, ValueError):
            label_id = None
        if label_id is None:
            raise ResponseFormatError(
                "expected release_label_id in the answer", status=response.status, url=response.url
            )
        return ReleaseLabel(release_label_id=label_id, release_label_name=channel_name)
