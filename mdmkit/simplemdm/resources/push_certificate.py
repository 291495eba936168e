"""The Apple push certificate: show it, replace it, and get the signed CSR to renew it."""

from __future__ import annotations

from collections.abc import Mapping

from mdmkit.core.errors import ResponseFormatError
from mdmkit.http.params import check_text
from mdmkit.http.response import excerpt
from mdmkit.http.uploads import FileInput, FileSource, FormField
from mdmkit.simplemdm.models import PushCertificate
from mdmkit.simplemdm.resources._base import Resource

__all__ = ["PushCertificates"]


class PushCertificates(Resource):
    """``/push_certificate``."""

    async def get(self) -> PushCertificate:
        """The current certificate's Apple ID and expiry."""
        return await self._one("GET", "/push_certificate", PushCertificate)

    async def update(
        self,
        file: FileSource | FileInput,
        *,
        apple_id: str | None = None,
        filename: str | None = None,
    ) -> PushCertificate:
        """Replace the certificate with the one Apple issued."""
        fields: list[FormField] = [("file", FileSource.of(file, filename=filename, field="file"))]
        if apple_id is not None:
            fields.append(("apple_id", check_text(apple_id, "apple_id")))
        return await self._one("PUT", "/push_certificate", PushCertificate, multipart=fields)

    async def get_signed_csr(self) -> str:
        """The signed CSR (a base64 plist) to upload to Apple's push certificates portal."""
        response = await self._send("GET", "/push_certificate/scsr")
        body = response.json()
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, str):
            raise ResponseFormatError(
                "expected the signed CSR as a string in 'data'",
                status=response.status,
                excerpt=excerpt(response.body),
                url=response.url,
            )
        return data
