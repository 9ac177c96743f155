"""The body of a mail as text: which part it is, its transfer encoding and charset undone.

Every charset label real clients send is read; a wrong or unknown label falls back to the
charset the bytes most likely are, and bytes that fit none are replaced, never raised on.
"""

from __future__ import annotations

import codecs
from email.message import EmailMessage, Message

from .html import html_to_text

# Labels that promise ASCII or Latin-1 but, as in browsers, usually carry windows-1252 (curly
# quotes, the euro sign) or, unlabelled, UTF-8.
_WIDER: dict[str, tuple[str, ...]] = {
    "": ("utf-8", "cp1252", "latin-1"),
    "us-ascii": ("utf-8", "cp1252", "latin-1"),
    "ascii": ("utf-8", "cp1252", "latin-1"),
    "unknown-8bit": ("utf-8", "cp1252", "latin-1"),
    "x-unknown": ("utf-8", "cp1252", "latin-1"),
    "iso-8859-1": ("cp1252", "latin-1"),
    "iso8859-1": ("cp1252", "latin-1"),
    "latin1": ("cp1252", "latin-1"),
    "latin-1": ("cp1252", "latin-1"),
    "iso-2022-jp": ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"),
    "shift_jis": ("cp932", "shift_jis"),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "euc-kr": ("cp949",),
    "ks_c_5601-1987": ("cp949",),
}


def _known(codec: str) -> bool:
    try:
        codecs.lookup(codec)
    except LookupError:
        return False
    return True


def decode_bytes(data: bytes, charset: str | None) -> str:
    """``data`` as text in ``charset`` (a MIME label), or in the likeliest charset if that
    label is wrong or unknown; characters that fit no charset become U+FFFD."""
    label = (charset or "").strip().strip("\"'").lower()
    candidates = [c for c in (*_WIDER.get(label, (label,)), "utf-8") if c and _known(c)]
    for codec in candidates:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, UnicodeError):
            continue
    return data.decode(candidates[0], errors="replace")


def unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 ``format=flowed``: a line ending in a space goes on in the next line of the
    same quote depth (``delsp=yes``: that space was added by the sender and goes)."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if pending is not None and depth != pending_depth:
            out.append(_quoted(pending_depth, pending))
            pending = None
        current = content if pending is None else pending + content
        if content.endswith(" ") and content != "-- ":
            pending, pending_depth = (current[:-1] if delsp else current), depth
        else:
            out.append(_quoted(depth, current))
            pending = None
    if pending is not None:
        out.append(_quoted(pending_depth, pending))
    return "\n".join(out)


def _quoted(depth: int, content: str) -> str:
    return (">" * depth + " " + content) if depth else content


def part_text(part: Message) -> str:
    """The text of one non-multipart part: transfer encoding undone (quoted-printable, base64,
    7/8bit), decoded from its charset, line ends as ``\\n``, ``format=flowed`` joined."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a part broken past what the email package repairs
        return ""
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = decode_bytes(payload, charset).replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "plain" and _param(part, "format") == "flowed":
        text = unflow(text, delsp=_param(part, "delsp") == "yes")
    return text


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    return value.strip().lower() if isinstance(value, str) else ""


def body_parts(msg: EmailMessage) -> tuple[Message | None, Message | None]:
    """The text/plain and the text/html part that are the mail's body (not attachments)."""
    return _body(msg, "plain"), _body(msg, "html")


def _body(msg: EmailMessage, subtype: str) -> Message | None:
    try:
        part = msg.get_body(preferencelist=(subtype,))
    except Exception:
        return None
    if part is None or part.get_content_type() != f"text/{subtype}":
        return None
    return part


def body_text(msg: EmailMessage) -> str:
    """The mail's body as plain text: its text/plain part, unless that is missing or blank, then
    its text/html part turned into text (quoted parts already left out)."""
    plain, html = body_parts(msg)
    if plain is not None:
        text = part_text(plain)
        if text.strip():
            return text
    if html is not None:
        return html_to_text(part_text(html))
    return ""
