"""Canned replies' owners (migration 0014): the marketplace's, or one vendor's.

Kept beside :mod:`.models` as a mixin that ``CannedReply`` takes, like :mod:`.models_vendors`.
``vendor_key`` is the vendor whose staff keep the reply, as the threads keep vendor keys (text),
with one difference: the marketplace's own replies (and every reply of a shop without vendors)
have ``""``, not NULL, because the database keeps titles unique per owner
(``uq_<prefix>canned_replies_owner_title``) and NULLs never collide in a unique key.  A vendor
key is never empty (``services.vendors.key_of``), so ``""`` names no vendor.  ``shared``: a
marketplace reply that vendors' staff are offered too (see ``services/canned.py``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .models_questions import as_first_created as questions_first_created
from .models_vendors import VENDOR_KEY_LENGTH

#: The revision that added the columns and the owner's unique key.
REVISION = "0014"
#: ``vendor_key`` of the marketplace's own replies.
MARKETPLACE = ""


class CannedOwner:
    """The canned reply's owner columns."""

    vendor_key: Mapped[str] = mapped_column(
        sa.String(VENDOR_KEY_LENGTH), nullable=False, default=MARKETPLACE, server_default=""
    )
    shared: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )


def title_unique_name(prefix: str) -> str:
    """The unique key on the title alone, as migration 0001 made it (until 0014)."""
    return f"uq_{prefix}canned_replies_title"


def owner_unique_name(prefix: str) -> str:
    return f"uq_{prefix}canned_replies_owner_title"


def owner_rules(prefix: str) -> tuple[Any, ...]:
    """A title is unique among one owner's replies."""
    return (sa.UniqueConstraint("vendor_key", "title", name=owner_unique_name(prefix)),)


def as_first_created(key: str, items: list[Any], prefix: str) -> list[Any]:
    """Table ``key``'s items as migration 0001 created them: the threads' as
    :func:`.models_questions.as_first_created` says (until 0013), and the canned replies'
    title unique in the whole table (0014 replaces it; the owner's key is left out anyway,
    as a key over a column added later)."""
    items = questions_first_created(key, items)
    if key != "canned_replies":
        return items
    return [*items, sa.UniqueConstraint("title", name=title_unique_name(prefix))]
