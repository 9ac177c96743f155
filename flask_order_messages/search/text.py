"""What a search word is: the text normalisation every database shares (pure Python, no SQL).

The text of a message or of a search box is cut into words at everything that is not a letter
or a digit; case and accents do not count; words longer than :data:`WORD_LIMIT` characters
count by their start.  ``search_text`` holds a message's words in this form, and a search looks
up :func:`terms` of the search box in it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: Longest word kept in ``search_text``; longer words count by their start.  InnoDB does not
#: index tokens over ``innodb_ft_max_token_size`` (84) characters, so this must stay below it.
WORD_LIMIT = 64
#: Longest ``search_text``, in characters (PostgreSQL refuses a tsvector over 1 MB).
TEXT_LIMIT = 60_000
#: Most words a search uses; the rest of the search box is ignored.
MAX_TERMS = 8

_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The searchable words of ``text``: runs of letters and digits, case folded, accents and
    other combining marks removed, each cut to :data:`WORD_LIMIT` characters."""
    if text.isascii():
        found = _ASCII_WORD.findall(text.lower())
    else:
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        stripped = "".join(ch for ch in folded if not unicodedata.category(ch).startswith("M"))
        found = _WORD.findall(stripped)
    return [w[:WORD_LIMIT] for w in found]


def search_text(body: str | None) -> str:
    """What ``search_text`` holds for a message ``body``.  A host or a bulk loader that writes
    messages with raw SQL must fill the column with this."""
    text = " ".join(words(body or ""))
    if len(text) > TEXT_LIMIT:
        text = text[: text.rfind(" ", 0, TEXT_LIMIT + 1)].rstrip()
    return text


def search_text_default(context: Any) -> str:
    """Column default: ``search_text`` follows the ``body`` of the row being inserted."""
    return search_text(context.get_current_parameters().get("body"))


def terms(query: str) -> list[str]:
    """The words of a search box that a search uses: at most :data:`MAX_TERMS`, no repeats,
    and none that is the start of another (``par parcel`` asks no more than ``parcel``)."""
    unique = list(dict.fromkeys(words(query)))[:MAX_TERMS]
    return [t for t in unique if not any(o != t and o.startswith(t) for o in unique)]
