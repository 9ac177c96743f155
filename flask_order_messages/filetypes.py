"""File types an attachment may have, told apart by their first bytes, and safe file names.

A file's type is what its content says (its "magic bytes"), never what its name or the
browser claim.  The name must agree: a PDF called ``photo.png`` is refused, so nobody is
misled about what they open.  SVG is deliberately absent: it can carry scripts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .i18n import gettext, lazy_gettext

#: How many leading bytes :func:`sniff` looks at.
HEAD_BYTES = 4096


@dataclass(frozen=True)
class FileType:
    """A type the extension can recognise by content."""

    content_type: str
    extensions: tuple[str, ...]  # the first one is added to a name that has none
    name: str  # the format's name, the same in every language: "PNG"
    label_words: Any  # for people, in their language when read: "PNG image"
    matches: Callable[[bytes], bool]

    @property
    def label(self) -> str:
        """For people, in the reader's language: "PNG image", "PNG-Bild"."""
        return str(self.label_words)

    @property
    def is_image(self) -> bool:
        """Shown inline as a thumbnail (the others are offered as downloads)."""
        return self.content_type.startswith("image/")


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the end of the sample is still text.
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


#: Every type :data:`ORDER_MESSAGES_ATTACHMENT_TYPES` may list, checked in this order.
KNOWN_TYPES: dict[str, FileType] = {
    t.content_type: t
    for t in (
        FileType(
            "image/png",
            ("png",),
            "PNG",
            lazy_gettext("PNG image"),
            lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
        ),
        FileType(
            "image/jpeg",
            ("jpg", "jpeg", "jpe", "jfif"),
            "JPEG",
            lazy_gettext("JPEG image"),
            lambda h: h.startswith(b"\xff\xd8\xff"),
        ),
        FileType(
            "image/gif",
            ("gif",),
            "GIF",
            lazy_gettext("GIF image"),
            lambda h: h[:6] in (b"GIF87a", b"GIF89a"),
        ),
        FileType(
            "image/webp",
            ("webp",),
            "WebP",
            lazy_gettext("WebP image"),
            lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
        ),
        FileType(
            "application/pdf",
            ("pdf",),
            "PDF",
            lazy_gettext("PDF document"),
            lambda h: h.startswith(b"%PDF-"),
        ),
        # Last: anything else that is valid UTF-8 without NUL bytes.
        FileType("text/plain", ("txt", "text", "log"), "text", lazy_gettext("text file"), _is_text),
    )
}


def sniff(head: bytes) -> FileType | None:
    """The known type whose signature ``head`` (a file's first bytes) carries, or None."""
    for file_type in KNOWN_TYPES.values():
        if file_type.matches(head):
            return file_type
    return None


def describe(content_types: tuple[str, ...]) -> str:
    """``"PNG, JPEG, GIF or WebP images, or PDF documents"``-like words for an error."""
    images = [KNOWN_TYPES[t].name for t in content_types if t.startswith("image/")]
    others = [_plural(t) for t in content_types if not t.startswith("image/")]
    parts = []
    if images:
        names = images[0]
        if len(images) > 1:
            names = gettext("%(names)s or %(last)s", names=", ".join(images[:-1]), last=images[-1])
        parts.append(gettext("%(names)s images", names=names))
    parts.extend(others)
    if len(parts) == 1:
        return parts[0]
    return gettext("%(kinds)s, or %(last)s", kinds=", ".join(parts[:-1]), last=parts[-1])


def _plural(content_type: str) -> str:
    """Files of a type that is not an image (PDF or text), in words ("PDF documents")."""
    if content_type == "application/pdf":
        return gettext("PDF documents")
    return gettext("text files")


def extension_of(name: str) -> str:
    """The lowercased extension of a file name without the dot ("" when it has none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem.strip(". ") else ""


#: Longest name kept (characters); longer names are cut before the extension.
MAX_NAME = 150


def clean_filename(raw: str | None) -> str:
    """The name a person's file is shown and downloaded under: the last path part only, no
    control or invisible formatting characters (which could disguise an extension), white
    space folded, no leading dots, at most :data:`MAX_NAME` characters; "attachment" when
    nothing is left.  Only ever shown and sent back; files are stored under random keys."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = " ".join(name.split()).lstrip(". ").rstrip(" ")
    if len(name) > MAX_NAME:
        ext = extension_of(name)
        keep = MAX_NAME - len(ext) - 1 if ext and len(ext) < 16 else MAX_NAME
        name = name[:keep].rstrip(" .") + (f".{ext}" if ext and len(ext) < 16 else "")
    return name or "attachment"
