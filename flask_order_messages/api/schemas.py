"""The API's bodies and answers, as pydantic models: they check what comes in, shape what
goes out, and give the OpenAPI document its JSON Schemas (2020-12, OpenAPI 3.1's dialect).

Bodies take JSON or a form (``registry.body_of``); unknown fields are ignored (a form
carries ``csrf_token``).  Text is checked by the services, as for the pages (empty, too long,
control characters): the models check only shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

#: A thread id: a database integer.
ThreadId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- queries -------------------------------------------------------------------------------


class CustomerThreadsQuery(_In):
    q: str = Field("", max_length=200, description="Keywords, or an order number.")
    filter: Literal["all", "unread", "disputes", "overdue"] = "all"
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(20, ge=1, le=100)


class StaffThreadsQuery(CustomerThreadsQuery):
    view: Literal["all", "mine", "unassigned"] = Field(
        "all", description="Team inbox: whose threads (ignored while assignment is off)."
    )
    status: Literal["active", "all", "open", "waiting", "closed"] = Field(
        "active", description="Team inbox: which statuses (ignored while statuses are off)."
    )
    due: Literal["", "overdue"] = Field(
        "", description="'overdue': only threads whose reply is overdue (response targets)."
    )
    vendor: str = Field("", max_length=200, description="Marketplaces: one vendor's threads.")


class EntriesQuery(_In):
    after: int = Field(0, ge=0, le=2**63 - 1, description="Cursor: entries after this id.")
    limit: int = Field(50, ge=1, le=200)


# -- bodies --------------------------------------------------------------------------------


class MessageIn(_In):
    body: str = Field("", description="The text (files may come instead, as multipart).")
    kind: Literal["message", "note"] = Field(
        "message", description="Staff: 'note' for a staff-only note the customer never sees."
    )
    seen_id: int | None = Field(
        None,
        ge=0,
        description="Staff: the newest entry the writer had seen; someone else's newer one "
        "is answered with the 'newer-entry' problem (send again with its entry_id).",
    )


class MarkIn(_In):
    action: Literal["read", "unread"]
    thread_ids: list[ThreadId] | None = Field(
        None, max_length=1000, description="The threads; absent or null: every thread."
    )


class DisputeOpenIn(_In):
    reason: str = ""


class DisputeCloseIn(_In):
    outcome: str | None = Field(None, description="Staff, while outcomes are on.")
    note: str = ""


class DisputeReopenIn(_In):
    note: str = ""


class AssignIn(_In):
    assignee: str = Field("", description="A staff member's key, 'me', or '' for nobody.")


class StatusIn(_In):
    status: Literal["open", "waiting", "closed"]


class BulkAssignIn(_In):
    thread_ids: list[ThreadId] = Field(min_length=1, max_length=1000)
    assignee: str = Field("", description="A staff member's key, 'me', or '' for nobody.")


class BulkStatusIn(_In):
    thread_ids: list[ThreadId] = Field(min_length=1, max_length=1000)
    status: Literal["open", "closed"]


class CannedIn(_In):
    title: str = ""
    body: str = ""
    #: Marketplace staff only: the vendors' staff see it too (ignored for anyone else).
    shared: bool = False


# -- answers -------------------------------------------------------------------------------


class Problem(BaseModel):
    """RFC 9457 Problem Details."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    field: str | None = None


_CAPPED = "True: more than 99, counted no further (the number is then 100)."


class Counts(_Out):
    """The bell's numbers, each counted up to 100 (``<name>_capped``: it stopped there)."""

    unread_threads: int
    unread_threads_capped: bool = Field(False, description=_CAPPED)
    open_disputes: int
    open_disputes_capped: bool = Field(False, description=_CAPPED)
    overdue_disputes: int | None = None
    overdue_disputes_capped: bool | None = None
    overdue_replies: int | None = None
    overdue_replies_capped: bool | None = None
    label: str


class AttachmentOut(_Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class EntryOut(_Out):
    id: int
    kind: str = Field(description="'message', 'note' (staff-only) or 'event'.")
    event: str | None
    role: str
    author: str
    mine: bool
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class DisputeOut(_Out):
    id: int
    open: bool
    opened_by_role: str
    opened_at: datetime
    reason: str
    closed_at: datetime | None
    outcome: str | None
    respond_by: datetime | None


class ThreadSummary(_Out):
    thread_id: int
    order_id: str | None
    order_number: str | None
    product: str | None
    unread: int
    last_message_at: datetime | None
    last_author: str
    last_message: str | None
    dispute: DisputeOut | None
    overdue: bool
    status: str | None = None
    assignee_id: str | None = None


class ThreadList(_Out):
    threads: list[ThreadSummary]
    page: int
    per_page: int
    total: int
    pages: int
    unread_total: int
    #: The list holds more than ``total`` threads (a long list's total is counted up to
    #: 1,000); ``has_next`` says whether a page follows.
    total_capped: bool = False
    has_next: bool = False


class ThreadOut(_Out):
    order_id: str
    order_number: str
    thread_id: int | None
    unread: int
    first_unread_id: int | None
    dispute: DisputeOut | None
    disputes: list[DisputeOut]
    entries: list[EntryOut]
    next_after: int | None = Field(description="The cursor of the next page; null at the end.")
    status: str | None = None
    assignee_id: str | None = None


class Posted(_Out):
    entry: EntryOut


class Changed(_Out):
    changed: int


class DisputeChanged(_Out):
    dispute: DisputeOut


class CannedOut(_Out):
    id: int
    title: str
    body: str
    shared: bool
    updated_at: datetime


class CannedList(_Out):
    replies: list[CannedOut]
    placeholders: list[str]
