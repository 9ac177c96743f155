"""Questions before purchase (migration 0013): a thread about a product instead of an order.

Kept beside :mod:`.models` as a mixin that ``Thread`` takes, like :mod:`.models_vendors`.
``product_key`` is the host's product key as text (its products may be keyed by integers,
UUIDs or slugs: no foreign key could point at them; 64 characters hold any of those), and
``asker_id`` the customer who asked.  The database itself holds two rules:

- a thread belongs to an order or to a product (``ck_<prefix>threads_order_or_product``): a
  question has both its product and its customer;
- one question per product and customer (``uq_<prefix>threads_question``), for as long as it
  is a question: linking it to an order (``services/questions.py``) makes it that order's
  thread and clears ``asker_id`` (the order's owner is the customer now), so NULLs, which never
  collide on SQLite, PostgreSQL and MariaDB alike, leave room for a next question.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

#: Longest product key, as text.
PRODUCT_KEY_LENGTH = 64
#: The revision that added the columns and rules.
REVISION = "0013"


def question_columns(user_type: Any) -> type:
    """A mixin with the thread's question columns; ``user_type`` is the host user key's type."""

    class ProductQuestion:
        product_key: Mapped[str | None] = mapped_column(
            sa.String(PRODUCT_KEY_LENGTH), nullable=True, default=None
        )
        asker_id: Mapped[Any] = mapped_column(user_type, nullable=True, default=None)

    return ProductQuestion


def check_name(prefix: str) -> str:
    return f"ck_{prefix}threads_order_or_product"


def unique_name(prefix: str) -> str:
    return f"uq_{prefix}threads_question"


def question_rules(prefix: str) -> tuple[Any, ...]:
    """The thread table's CHECK and unique constraint (see the module docstring)."""
    return (
        sa.CheckConstraint(
            "order_id IS NOT NULL OR (product_key IS NOT NULL AND asker_id IS NOT NULL)",
            name=check_name(prefix),
        ),
        sa.UniqueConstraint("product_key", "asker_id", name=unique_name(prefix)),
    )


def as_first_created(key: str, items: list[Any]) -> list[Any]:
    """The threads table's items as migration 0001 created them: ``order_id`` NOT NULL and
    none of 0013's rules (its script adds them; the unique key's columns are left out anyway,
    as columns added later)."""
    if key != "threads":
        return items
    shaped = []
    for item in items:
        if isinstance(item, sa.CheckConstraint) and str(item.name).endswith("_order_or_product"):
            continue
        if isinstance(item, sa.Column) and item.name == "order_id":
            item = item._copy()
            item.nullable = False
        shaped.append(item)
    return shaped
