"""Only the words the writer of a reply added: the public ``visible_text``.

The reply itself is found by mail-parser-reply (``mailparser_reply``), which knows the
"On … wrote:" lines and the Outlook "From: / Sent:" blocks of many languages. On top of it, a few
named rules for what it misses (each listed in the README, "Replies by mail: what is posted"):
``_EXTRA_HEADERS`` (attribution lines of Gmail in Spanish, Portuguese, Dutch, Polish and
French when wrapped; "-----Original Message-----" in other languages) and ``_EXTRA_SENT_FROM``
(mobile sign-offs in more languages and clients). Its valediction rule ("Thanks," … to the end)
and its disclaimer rule are left off: both cut words people write in the middle of a reply.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from functools import cache
from typing import Any

from mailparser_reply import EmailMessage as ReplySplitter
from mailparser_reply.constants import (
    MAIL_LANGUAGES,
    NOLIST_SIGNATURE_REGEX,
    OUTLOOK_MAIL_SEPARATOR,
    QUOTED_MATCH_INCLUDE,
)

from .body import body_text

# The languages whose reply headers and mobile sign-offs mail-parser-reply knows and we use.
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl", "da", "cs", "ja", "zh", "ko")

_Q = QUOTED_MATCH_INCLUDE


def _attribution(start: str, end: str) -> str:
    """A reply header line beginning with ``start`` and ending with ``end``, which Gmail may
    have wrapped onto a second line."""
    return rf"(^{_Q}{start}\s[^\n]*?(?:\n[^\n]*?)??\s?{end}$)"


_EXTRA_HEADERS = (
    _attribution("El", r"escribió\s?:"),  # Gmail, Spanish
    _attribution("Em", r"escreveu\s?:"),  # Gmail and Apple Mail, Portuguese
    _attribution("Op", r"schreef\b[^\n]*:"),  # Gmail, Dutch ("schreef Name <addr>:")
    _attribution("Op", r"het\svolgende\sgeschreven:"),  # Apple Mail, Dutch
    _attribution("Le", r"a\sécrit\s?:"),  # French, wrapped by Gmail (also between "a" and "écrit")
    _attribution(r"(?:pon|wt|śr|czw|pt|sob|niedz)\.,", r"napisał\(a\):"),  # Gmail, Polish
    _attribution("W dniu", "pisze:"),  # Thunderbird, Polish
    r"(^-{2,} ?(?:Ursprüngliche Nachricht|Original-Nachricht|Message d'origine|Mensaje original"
    r"|Messaggio originale|Oorspronkelijk bericht|Mensagem original|Originalmeddelande"
    r"|Oryginalna wiadomość|Wiadomość oryginalna) ?-{2,}$)",
)
_EXTRA_SENT_FROM = (
    r"Sent from (?=(?:Yahoo Mail|Mail for Windows|Outlook|AOL|Samsung|Proton Mail)\b)",
    r"Von meinem",  # "Von meinem iPhone gesendet"
    r"Gesendet mit der",  # "Gesendet mit der WEB.DE Mail App"
    r"Holen Sie sich Outlook für",
    r"Envoy[ée] de mon",  # "Envoyé de mon iPhone"
    r"Obtenir Outlook pour",
    r"Obtener Outlook para",
    r"Enviado d[eo] meu",  # "Enviado do meu iPhone"
    r"Scarica Outlook per",
    r"Verstuurd vanaf mijn",
    r"Wysłane z",
)
_NEVER = re.compile(r"(?!)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The header and signature patterns: the library's own for ``LANGUAGES`` plus ours."""
    languages = [language for language in LANGUAGES if language in MAIL_LANGUAGES]
    splitter: Any = ReplySplitter(text="", languages=list(languages))
    headers = "|".join((str(splitter.HEADER_REGEX.pattern), *_EXTRA_HEADERS))
    sent_from = [str(MAIL_LANGUAGES[code].get("sent_from") or "") for code in languages]
    sent_from = [phrase for phrase in (*sent_from, *_EXTRA_SENT_FROM) if phrase]
    # The library's signature rule without its valedictions: a "-- " line, an Outlook
    # separator (ours: also right under the last line, as Outlook on the web writes it), or a
    # whole-line "Sent from my …", and all after it.
    signature = (
        rf"(({NOLIST_SIGNATURE_REGEX}|{OUTLOOK_MAIL_SEPARATOR}|^_{{32,}}$"
        rf"|\s*^{_Q}(?:{'|'.join(sent_from)}) ?(?:[\w.<>:/’' ]+|(?:\w+ ){{1,3}})$)[\s\S]*)"
    )
    flags = re.MULTILINE | re.IGNORECASE
    return re.compile(headers, flags), re.compile(signature, flags)


# Lines longer than this are never a header or a signature; text past this length is kept as it
# is (a reply is read from its top).
_SPLIT_LIMIT = 200_000


def strip_reply(text: str) -> str:
    """The new words of a reply's text body: quoted lines, reply headers with all after them,
    signatures and "Sent from my phone" lines removed; trimmed, line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\u00a0", " ").replace("\u202f", " ")
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    text = "\n".join(lines)[:_SPLIT_LIMIT]
    headers, signature = _patterns()
    splitter: Any = ReplySplitter(
        text=text,
        languages=[language for language in LANGUAGES if language in MAIL_LANGUAGES],
        keep_hyphen_lists=True,
        _header_regex=headers,
        _signature_regex=signature,
        _disclaimers_regex=_NEVER,
    )
    replies = splitter.read().replies
    body = str(replies[0].body) if replies else ""
    body = _CONTROL.sub("", body)  # NUL and the like: no text field takes them
    return re.sub(r"\n{3,}", "\n\n", body).strip()


def message_visible_text(msg: EmailMessage) -> str:
    """:func:`visible_text` of a mail already parsed (with ``email.policy.default``)."""
    return strip_reply(body_text(msg))


def visible_text(raw: bytes) -> str:
    """The words the writer of the mail ``raw`` added, as plain text.

    ``raw`` is the whole message as received (headers and body, RFC 5322 bytes). The body is its
    text/plain part, or its text/html part turned into text when there is no plain part or it
    is blank; every transfer encoding and charset is decoded (an unknown or wrong charset
    falls back to the likeliest one, bytes that fit none become U+FFFD; nothing raises).
    Removed: quoted lines (``>``), the "On … wrote:" line or Outlook "From: … Sent: …" block
    (in English, German, French, Spanish, Italian, Dutch, Portuguese, Swedish, Polish, Danish,
    Czech) and all the history after it, quoted HTML (``blockquote``, Gmail's, Outlook's,
    Thunderbird's, Yahoo's and Apple Mail's quote containers), a signature after a ``-- `` line,
    and "Sent from my iPhone"-style lines. The result is trimmed and keeps its line breaks;
    an empty string means the writer added nothing.
    """
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception:  # the parser repairs nearly anything; this is the last line
        return ""
    if not isinstance(msg, EmailMessage):
        return ""
    return message_visible_text(msg)
