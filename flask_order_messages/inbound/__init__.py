"""Mail coming in: the words a reply adds (:func:`visible_text`), a parsed mail
(:func:`~flask_order_messages.inbound.parse.parse_mail`) and whether it was sent by a machine
(:func:`~flask_order_messages.inbound.classify.automatic_reason`)."""

from __future__ import annotations

from .text import visible_text

__all__ = ["visible_text"]
