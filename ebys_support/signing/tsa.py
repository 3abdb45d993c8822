"""RFC 3161 time-stamp client.

:class:`TSAClient` asks a time-stamp authority for a token over a digest (with a nonce, asking for the
TSA's certificate) and checks the answer: status granted, nonce and message imprint echoed. Any failure
— connection refused, timeout, HTTP error, a refusal or a malformed answer — is
``signing.tsa_unavailable``. :meth:`TSAClient.pyhanko` wraps the same client for pyHanko's PDF
time-stamper.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import requests
from asn1crypto import cms, tsp
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, handle_tsp_response

from ebys_support.signing.errors import TSAUnavailable

__all__ = ["TSAClient", "token_time", "token_imprint"]


def token_time(token: cms.ContentInfo) -> datetime:
    """The ``genTime`` of a time-stamp token."""
    return token["content"]["encap_content_info"]["content"].parsed["gen_time"].native  # type: ignore[no-any-return]


def token_imprint(token: cms.ContentInfo) -> tuple[str, bytes]:
    """``(hash algorithm, hashed message)`` of a time-stamp token."""
    mi = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    return mi["hash_algorithm"]["algorithm"].native, mi["hashed_message"].native


class TSAClient:
    """A time-stamp authority reached over HTTP.

    :param url: the TSA's address.
    :param timeout: seconds to wait for an answer.
    :param auth: optional ``(user, password)`` for HTTP basic authentication.
    """

    def __init__(self, url: str, *, timeout: float = 10.0, auth: tuple[str, str] | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.auth = auth
        self._http = requests.Session()
        self._stamper = TimeStamper()

    def _fail(self, reason: str) -> TSAUnavailable:
        return TSAUnavailable(details={"url": self.url, "reason": reason})

    def request(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Send a ``TimeStampReq``; return the parsed ``TimeStampResp``."""
        try:
            res = self._http.post(
                self.url,
                data=req.dump(),
                headers={"Content-Type": "application/timestamp-query"},
                timeout=self.timeout,
                auth=self.auth,
            )
        except requests.RequestException as exc:
            raise self._fail(type(exc).__name__) from None
        if res.status_code != 200:
            raise self._fail(f"HTTP {res.status_code}")
        try:
            resp = tsp.TimeStampResp.load(res.content)
            resp["status"]["status"].native  # noqa: B018  (forces parsing)
        except (ValueError, TypeError):
            raise self._fail("malformed answer") from None
        return resp

    def timestamp(self, digest: bytes, digest_algorithm: str = "sha256") -> cms.ContentInfo:
        """A time-stamp token over ``digest``.

        :raises TSAUnavailable: on any failure.
        """
        nonce, req = self._stamper.request_cms(digest, digest_algorithm)
        resp = self.request(req)
        try:
            token = handle_tsp_response(resp, nonce)
            algo, imprint = token_imprint(token)
        except TimestampRequestError as exc:
            raise self._fail(str(exc)) from None
        except (ValueError, TypeError, KeyError):
            raise self._fail("malformed answer") from None
        if algo != digest_algorithm or imprint != digest:
            raise self._fail("message imprint does not match")
        return token

    def timestamp_data(self, data: bytes, digest_algorithm: str = "sha256") -> cms.ContentInfo:
        """A time-stamp token over the hash of ``data``."""
        return self.timestamp(hashlib.new(digest_algorithm, data).digest(), digest_algorithm)

    def pyhanko(self) -> TimeStamper:
        """This client as a pyHanko :class:`~pyhanko.sign.timestamps.api.TimeStamper`."""
        return _PyhankoStamper(self)

    def close(self) -> None:
        self._http.close()


class _PyhankoStamper(TimeStamper):
    def __init__(self, client: TSAClient) -> None:
        super().__init__()
        self._client = client
        #: The last token obtained (to check its time against the signing time).
        self.last_token: cms.ContentInfo | None = None

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        import asyncio

        return await asyncio.to_thread(self._client.request, req)

    async def async_timestamp(self, message_digest: Any, md_algorithm: Any) -> cms.ContentInfo:
        try:
            token = await super().async_timestamp(message_digest, md_algorithm)
        except TimestampRequestError as exc:
            raise self._client._fail(str(exc)) from None
        self.last_token = token
        return token
