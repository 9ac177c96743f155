"""Which webhook URLs are accepted, and which addresses a delivery may connect to.

Only ``http`` and ``https`` URLs with a host, no user name or password in them, and no
fragment.  Unless ``ORDER_MESSAGES_WEBHOOK_ALLOW_PRIVATE`` is on, a URL whose host is, or
resolves to, an address that is not globally routable (loopback, private, link-local, shared,
reserved, multicast) is refused when it is added, and again when each delivery connects (its
name is resolved then and the connection goes to the address that was checked): a staff
member must not make the shop's server call into its own network (SSRF).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from ..errors import ValidationError
from ..i18n import gettext as _

MAX_URL_LENGTH = 2000


class UnsafeAddress(Exception):
    """The URL's host is or resolves to an address deliveries may not go to."""


def split(raw: object) -> SplitResult:
    """The URL's parts, checked; raises :class:`ValidationError` saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError(_("Enter the URL to send events to."), "url")
    url = raw.strip()
    if len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationError(_("This is not a URL the shop can send events to."), "url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(
            _("This URL has a port that is not a number from 1 to 65535."), "url"
        ) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError(_("The URL must start with https:// (or http://)."), "url")
    if not parts.hostname:
        raise ValidationError(_("The URL must name a host, e.g. https://example.com/hooks."), "url")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _(
                "Leave the user name and password out of the URL: deliveries are signed, "
                "the receiver checks the signature instead."
            ),
            "url",
        )
    if parts.fragment or url.endswith("#"):
        raise ValidationError(_("Leave the #fragment out of the URL: it is never sent."), "url")
    if port == 0:
        raise ValidationError(
            _("This URL has a port that is not a number from 1 to 65535."), "url"
        ) from None
    return parts


def is_public(address: str) -> bool:
    """Whether ``address`` is globally routable (an IPv4-mapped IPv6 address as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for ``host``; raises :class:`UnsafeAddress` when any of
    them is not public and private addresses are not allowed, ``OSError`` when the name does
    not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise UnsafeAddress(
                _(
                    "%(host)s is (or resolves to) %(address)s, an address in a private, "
                    "loopback or reserved range; set ORDER_MESSAGES_WEBHOOK_ALLOW_PRIVATE to "
                    "allow it.",
                    host=host,
                    address=refused[0],
                )
            )
    return addresses


def check_url(raw: object, *, allow_private: bool) -> str:
    """The URL as it will be stored, or :class:`ValidationError`.  Without
    ``allow_private`` the host must resolve now, and only to public addresses."""
    parts = split(raw)
    url = parts.geturl()
    if allow_private:
        return url
    assert parts.hostname is not None
    try:
        resolve(parts.hostname, parts.port or 443, allow_private=False)
    except UnsafeAddress as exc:
        raise ValidationError(str(exc), "url") from None
    except OSError:
        raise ValidationError(
            _("The host %(hostname)s could not be found.", hostname=parts.hostname), "url"
        ) from None
    return url
