"""The API's bodies and answers for questions before purchase and for webhooks (see
:mod:`.schemas` for the threads'): pydantic models, which check shapes only; the services
check the text, the URLs and the events, as for the pages."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from .schemas import EntryOut, _In, _Out

# -- questions before purchase ---------------------------------------------------------------


class AskIn(_In):
    product_key: str = Field(description="The host's key of the product, as text.")
    body: str = ""


class QuestionMessageIn(_In):
    body: str = ""
    kind: str = Field(
        "message", description="Staff: 'note' for a staff-only note the customer never sees."
    )


class LinkIn(_In):
    order_id: str = Field(description="One of the customer's orders (a vendor's staff: theirs).")


class QuestionSummary(_Out):
    thread_id: int
    product_key: str
    product_name: str
    product_url: str | None
    unread: int
    last_message_at: datetime | None


class QuestionList(_Out):
    questions: list[QuestionSummary]


class QuestionOut(_Out):
    thread_id: int
    product_key: str | None
    product_name: str
    product_url: str | None
    order_id: str | None = Field(
        description="Set once the question was linked to an order: its thread is that order's "
        "now (read and answer it there)."
    )
    unread: int
    first_unread_id: int | None
    entries: list[EntryOut]
    next_after: int | None = Field(description="The cursor of the next page; null at the end.")
    link_orders: list[str] = Field(
        description="The orders the question may be linked to (their keys), newest first."
    )


class QuestionPosted(_Out):
    thread_id: int
    entry: EntryOut


class Linked(_Out):
    order_id: str
    entry: EntryOut


# -- webhooks --------------------------------------------------------------------------------


class WebhookIn(_In):
    url: str = ""
    events: list[str] = Field(default_factory=list, max_length=50)
    description: str = ""


class WebhookUpdateIn(_In):
    """Only the fields sent change."""

    url: str | None = None
    events: list[str] | None = Field(None, max_length=50)
    description: str | None = None


class ActiveIn(_In):
    active: bool


class WebhookOut(_Out):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    disabled_reason: str | None
    created_at: datetime
    previous_secret_until: datetime | None = Field(
        None,
        description="While a rotated secret's grace period lasts: until when deliveries are "
        "signed with the previous secret as well as the new one.",
    )


class WebhookList(_Out):
    endpoints: list[WebhookOut]
    events: dict[str, str] = Field(description="Every event type, and what it means.")


class WebhookSecret(_Out):
    endpoint: WebhookOut
    secret: str = Field(description="The signing secret (whsec_...): shown this once.")


class DeliveryOut(_Out):
    id: int
    event: str
    webhook_id: str
    status: str = Field(description="pending, sending, delivered or failed.")
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


class DeliveryList(_Out):
    deliveries: list[DeliveryOut]


class DeliveriesQuery(_In):
    limit: int = Field(50, ge=1, le=200)
    before: int = Field(0, ge=0, le=2**63 - 1, description="Cursor: deliveries older than this id.")
