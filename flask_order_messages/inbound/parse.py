"""A received mail, read once into what the inbound pipeline needs (:func:`parse_mail`).

Nothing here raises on malformed input: the email package repairs what it can and notes the
rest as defects; a mail it cannot read at all still gives a :class:`ParsedMail`, with
``error`` set.
"""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import Any

from .body import body_parts
from .classify import automatic_reason
from .text import message_visible_text

# The headers naming who the mail was for: a reply address may be in any of them.
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


@dataclass(frozen=True)
class ParsedMail:
    """What a received mail says, decoded: ids normalised to ``<...>``, addresses lowercased,
    names and subject on one line, ``text`` the words the writer added (``visible_text``)."""

    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_address: str | None
    from_name: str
    to_addresses: list[str]
    subject: str
    text: str
    attachments: list[tuple[str, bytes, str]]  # (file name, data, content type)
    automatic: str | None  # why it was sent by a machine (classify.automatic_reason), else None
    size: int
    defects: list[str] = field(default_factory=list)  # what the parser had to repair
    error: str | None = None  # set when the mail could not be read at all


def one_line(value: str) -> str:
    """``value`` with line breaks, tabs and other control characters turned to single spaces."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return " ".join(cleaned.split())


def _decoded_name(name: str) -> str:
    """A display name with any encoded word the address parser left alone decoded, on one line."""
    if "=?" in name:
        try:
            name = str(make_header(decode_header(name)))
        except Exception:  # a broken encoded word stays as it was written
            pass
    return one_line(name)


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return "" if value is None else str(value)


def _ids(value: str) -> list[str]:
    """Message ids in a Message-ID / In-Reply-To / References value, each as ``<...>`` with no
    white space; a bare id without brackets is bracketed."""
    found = re.findall(r"<([^<>]*)>", value)
    if not found:
        found = value.split() if "@" in value else ([value] if value.strip() else [])
    ids = ["<" + "".join(item.split()) + ">" for item in found]
    return [item for item in ids if item != "<>"]


def normalise_message_id(value: str | None) -> str | None:
    """The first message id in ``value`` as ``<...>``, or None."""
    ids = _ids(value or "")
    return ids[0] if ids else None


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lowercased address) of each address in every ``name`` header."""
    try:
        headers = msg.get_all(name) or []
    except Exception:
        headers = [v for k, v in msg.raw_items() if k.lower() == name.lower()]
    found: list[tuple[str, str]] = []
    for header in headers:
        structured: Any = header
        try:
            pairs = [(a.display_name, a.addr_spec) for a in structured.addresses]
        except Exception:  # an unstructured header (Delivered-To) or one past repair
            pairs = getaddresses([str(header)])
        found.extend((_decoded_name(n), "".join(a.split()).lower()) for n, a in pairs if "@" in a)
    return found


def _leaf_parts(msg: Message) -> list[Message]:
    """Every non-multipart part, an attached message (message/rfc822) counted as one part."""
    leaves: list[Message] = []
    stack = [msg]
    while stack:
        part = stack.pop()
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            stack.extend(reversed(part.get_payload()))  # type: ignore[arg-type]
        else:
            leaves.append(part)
    return leaves


def _part_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return inner.as_bytes() if isinstance(inner, Message) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _attachments(msg: EmailMessage) -> list[tuple[str, bytes, str]]:
    body = {id(part) for part in body_parts(msg) if part is not None}
    found: list[tuple[str, bytes, str]] = []
    for part in _leaf_parts(msg):
        if id(part) in body or part is msg and part.get_content_maintype() == "text":
            continue
        try:
            filename = part.get_filename() or ""
            disposition = part.get_content_disposition()
        except Exception:
            continue
        inline_file = bool(filename) and part.get_content_maintype() != "text"
        if disposition != "attachment" and not inline_file:
            continue
        name = one_line(re.split(r"[\\/]", filename)[-1]) or "attachment"
        found.append((name, _part_bytes(part), part.get_content_type()))
    return found


def _defects(msg: Message) -> list[str]:
    names = [type(d).__name__ for part in msg.walk() for d in getattr(part, "defects", [])]
    return sorted(set(names))


def _parse(raw: bytes, envelope_from: str | None) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    sender = (_addresses(msg, "From") or [("", "")])[0]
    recipients = [addr for name in RECIPIENT_HEADERS for _, addr in _addresses(msg, name)]
    return ParsedMail(
        message_id=normalise_message_id(_header(msg, "Message-ID")),
        in_reply_to=normalise_message_id(_header(msg, "In-Reply-To")),
        references=_ids(_header(msg, "References")),
        from_address=sender[1] or None,
        from_name=sender[0],
        to_addresses=list(dict.fromkeys(recipients)),
        subject=one_line(_header(msg, "Subject")),
        text=message_visible_text(msg),
        attachments=_attachments(msg),
        automatic=automatic_reason(msg, envelope_from),
        size=len(raw),
        defects=_defects(msg),
    )


def parse_mail(raw: bytes, envelope_from: str | None = None) -> ParsedMail:
    """Read the received mail ``raw`` (RFC 5322 bytes). ``envelope_from`` is the SMTP
    ``MAIL FROM`` when known (``""``: the null sender of bounces). Never raises."""
    try:
        return _parse(raw, envelope_from)
    except Exception as exc:  # the last line: a mail no part of the reading survived
        return ParsedMail(
            message_id=None,
            in_reply_to=None,
            references=[],
            from_address=None,
            from_name="",
            to_addresses=[],
            subject="",
            text="",
            attachments=[],
            automatic=None,
            size=len(raw),
            error=f"unreadable mail: {type(exc).__name__}: {exc}"[:200],
        )
