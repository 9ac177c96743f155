"""One POST to a receiver: no redirects followed, a timeout on every step, and the connection
made to the address :func:`.urls.resolve` checked (never a second look-up)."""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .urls import resolve

#: The most of a receiver's answer that is read (the rest is dropped).
MAX_ANSWER = 64 * 1024


class Answer(NamedTuple):
    """What the receiver answered."""

    status: int
    #: ``Retry-After`` in seconds, when given as a number.
    retry_after: int | None


def _connection(scheme: str, host: str, port: int, address: str, timeout: float) -> Any:
    base = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection

    class Pinned(base):  # type: ignore[misc,valid-type]
        def connect(self) -> None:
            sock = socket.create_connection((address, port), timeout)
            if scheme == "https":
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
            self.sock = sock

    return Pinned(host, port, timeout=timeout)


def _retry_after(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool
) -> Answer:
    """POST ``body`` to ``url``.  Raises ``OSError`` (refused, reset, timed out...),
    ``http.client.HTTPException`` or :class:`.urls.UnsafeAddress`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(host, port, allow_private=allow_private)[0]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(parts.scheme, host, port, address, timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_ANSWER)
        return Answer(response.status, _retry_after(response.getheader("Retry-After")))
    finally:
        connection.close()
