"""Mail sent by a machine, not a person: auto-replies, out-of-office notes, bounces and
delivery reports, bulk and list mail. Such mail is recorded, never posted (and never answered,
so two robots cannot write to each other for ever)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import parseaddr

_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_SUPPRESS = frozenset({"all", "oof", "autoreply"})
_ROBOT_SENDERS = frozenset({"mailer-daemon", "postmaster"})
# Subjects that out-of-office notes and bounces begin with, in the common languages.
_AUTOMATIC_SUBJECT = re.compile(
    r"\s*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|abwesenheitsnotiz"
    r"|automatische antwort|réponse automatique|respuesta automática|risposta automatica"
    r"|automatisch antwoord|resposta automática|autosvar|odpowiedź automatyczna"
    r"|undeliverable|undelivered mail|delivery status notification|mail delivery failed"
    r"|returned mail|unzustellbar)\b",
    re.IGNORECASE,
)


def _header(msg: EmailMessage, name: str) -> str | None:
    """Header ``name`` as one line of text, or None when the mail has none."""
    try:
        value = msg.get(name)
    except Exception:  # a header the parser cannot make sense of: read it raw
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return None if value is None else " ".join(str(value).split())


def _local_part(address: str | None) -> str:
    return parseaddr(address or "")[1].rsplit("@", 1)[0].lower()


def _header_reason(msg: EmailMessage) -> str | None:
    auto_submitted = _header(msg, "Auto-Submitted")
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if _header(msg, name) is not None:
            return f"{name} header"
    precedence = (_header(msg, "Precedence") or "").lower()
    if precedence in _PRECEDENCE:
        return f"Precedence: {precedence}"
    suppress = (_header(msg, "X-Auto-Response-Suppress") or "").lower()
    if _SUPPRESS & {token.strip() for token in suppress.split(",")}:
        return f"X-Auto-Response-Suppress: {suppress}"
    for name in ("List-Id", "List-Unsubscribe"):
        if _header(msg, name) is not None:
            return f"mailing list ({name})"
    return None


def _bounce_reason(msg: EmailMessage, envelope_from: str | None) -> str | None:
    # The null path: an SMTP server hands it over as "" or "<>".
    if (envelope_from is not None and envelope_from.strip() in ("", "<>")) or (
        _header(msg, "Return-Path") or ""
    ).replace(" ", "") == "<>":
        return "empty return path (a bounce or notification)"
    if msg.get_content_type() == "multipart/report":
        report = str(msg.get_param("report-type") or "").lower()
        if report == "disposition-notification":
            return "read receipt (multipart/report)"
        return f"delivery report (multipart/report {report or 'without report-type'})"
    for sender in (_header(msg, "From"), envelope_from):
        if _local_part(sender) in _ROBOT_SENDERS:
            return f"sent by {_local_part(sender)}"
    return None


def automatic_reason(msg: EmailMessage, envelope_from: str | None = None) -> str | None:
    """Why ``msg`` was sent by a machine (a short text, e.g. ``"Auto-Submitted: auto-replied"``),
    or None when a person wrote it.

    ``envelope_from`` is the SMTP ``MAIL FROM`` when known: ``""`` is the null sender of
    bounces; None means unknown (the ``Return-Path`` header is read instead).
    """
    reason = _header_reason(msg) or _bounce_reason(msg, envelope_from)
    if reason:
        return reason
    subject = _header(msg, "Subject") or ""
    if _AUTOMATIC_SUBJECT.match(subject):
        return f"automatic reply by its subject ({subject[:60]})"
    return None
