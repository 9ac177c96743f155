"""The demo's mail client: reads a mail the sink caught, and answers it as Thunderbird, Gmail
or Apple Mail would -- from the mail's recipient to its ``Reply-To``, "Re: " before the
subject, ``In-Reply-To``/``References``, and the typed words above a quoted copy of the
original ("On <date>, <sender> wrote:" and "> " lines).  The shop then gets those raw bytes
as it would from its mail server, and must post only the typed words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parsedate_to_datetime

from .demo_mail import one_line, parse

#: The headers the Mailbox page shows, in this order.
SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To")
_RE = re.compile(r"^\s*re\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class ReadMail:
    """A caught mail as the Mailbox page shows it."""

    headers: list[tuple[str, str]]
    text: str
    html: str | None
    reply_from: str | None  # the recipient, who answers
    reply_to: str | None  # where the answer goes


def read(raw: bytes) -> ReadMail:
    msg = parse(raw)
    headers = [(name, one_line(msg.get(name), 998)) for name in SHOWN_HEADERS if name in msg]
    sender, target = _address(msg, "To"), _address(msg, "Reply-To")
    return ReadMail(
        headers=headers,
        text=_part(msg, "plain") or "",
        html=_part(msg, "html"),
        reply_from=str(sender) if sender else None,
        reply_to=str(target) if target else None,
    )


def reply(raw: bytes, typed: str, *, now: datetime | None = None) -> bytes:
    """The raw RFC 822 bytes of an answer to the mail ``raw``, with ``typed`` on top.
    Raises :class:`ValueError` when the mail has no recipient or no ``Reply-To``."""
    original = parse(raw)
    sender, target = _address(original, "To"), _address(original, "Reply-To")
    if sender is None or target is None:
        raise ValueError("The mail has no To or no Reply-To address to answer.")
    now = now or datetime.now(timezone.utc)
    answer = EmailMessage(policy=policy.SMTP)
    answer["From"] = sender
    answer["To"] = target
    answer["Subject"] = reply_subject(one_line(original.get("Subject")))
    answer["Date"] = format_datetime(now)
    answer["Message-ID"] = make_msgid(domain=sender.domain or "example.com")
    original_id = one_line(original.get("Message-ID"), 998)
    if original_id:
        answer["In-Reply-To"] = original_id
        references = one_line(original.get("References"), 998).split()
        answer["References"] = " ".join([*references, original_id])
    answer["User-Agent"] = "Example Shop demo mail client"
    answer.set_content(quoted_body(typed, original, now))
    return answer.as_bytes()


def reply_subject(subject: str) -> str:
    return subject if _RE.match(subject) else f"Re: {subject}"


def quoted_body(typed: str, original: EmailMessage, now: datetime) -> str:
    """The typed words, a blank line, the attribution line and the original, quoted."""
    lines = typed.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    when = _date(original) or now
    attribution = (
        f"On {when:%a}, {when.day} {when:%b} {when.year} at {when:%H:%M}, "
        f"{one_line(original.get('From'))} wrote:"
    )
    history = (_part(original, "plain") or "").replace("\r\n", "\n").rstrip("\n").split("\n")
    quoted = [f"> {line}" if line else ">" for line in history]
    return "\n".join([*(line.rstrip() for line in lines), "", attribution, *quoted, ""])


def _address(msg: EmailMessage, name: str) -> Address | None:
    header = msg.get(name)
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    return addresses[0] if addresses and addresses[0].addr_spec.count("@") == 1 else None


def _date(msg: EmailMessage) -> datetime | None:
    try:
        return parsedate_to_datetime(str(msg.get("Date", "")))
    except (TypeError, ValueError):
        return None


def _part(msg: EmailMessage, subtype: str) -> str | None:
    part = msg.get_body((subtype,))
    if part is None:
        return None
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset, a broken encoding
        return part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
