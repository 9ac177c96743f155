"""What the thread partial shows beyond the thread itself: the staff-only note button, canned
replies for the reply box, the dispute outcomes, the respond-by time, the "Reopen dispute"
link.  :func:`panel_extras` gathers them for ``_thread.html`` (as ``extras``), each switched by
its config key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import request

from . import services
from .event_words import entry_text
from .i18n import gettext as _
from .models import utcnow
from .services import canned, confirm, deadlines, presence, vendors
from .services.disputes import may_reopen
from .state import current_settings

#: For this long after a dispute closed, the one dispute button of the thread is "Reopen last
#: dispute" (a problem that comes back soon is most often the same one), with "open a new
#: dispute" as a link in its dialog; later the button is "Open dispute", with the reopen as
#: the link.  Never both buttons side by side.
REOPEN_FIRST_FOR = timedelta(days=14)


@dataclass(frozen=True)
class CannedLink:
    """A canned reply in the reply box: its filled-in text, and the link that reloads the page
    with the reply box holding it (the way without JavaScript)."""

    id: int
    title: str
    text: str
    href: str


@dataclass
class PanelExtras:
    """The ``extras`` of ``_thread.html``."""

    #: Staff may add a staff-only note (``ORDER_MESSAGES_NOTES_ENABLED``).
    notes: bool = False
    #: Canned replies are on for this reply box (``ORDER_MESSAGES_CANNED_REPLIES_ENABLED``).
    canned_enabled: bool = False
    canned: list[CannedLink] = field(default_factory=list)
    #: (value, label) of the outcomes staff choose from when closing; empty: no choice.
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    #: The open dispute's respond-by time and whether the store answered (staff only).
    deadline: deadlines.Deadline | None = None
    #: The closed dispute this person may reopen now, or None.
    reopen: Any = None
    #: The dispute button is "Reopen last dispute" (``reopen`` closed lately, see
    #: :data:`REOPEN_FIRST_FOR`); else "Open dispute".
    reopen_first: bool = False
    #: Whether the open dispute is a reopened one.
    reopened: bool = False
    #: Assignment and status (staff only; None on the customer's side, and while both are off).
    team: TeamPanel | None = None
    #: The viewer may open, close and reopen disputes (a vendor's staff may not, unless
    #: ``ORDER_MESSAGES_VENDORS_CLOSE_DISPUTES``): else the dispute buttons are left out.
    arbitrate: bool = True
    #: In a marketplace, for its own staff: who sold the order ("Acme Tools", or the
    #: marketplace's own name); "" elsewhere.
    vendor: str = ""
    #: Staff presence: the page reports its viewer and shows the others (services.presence).
    show_presence: bool = False
    #: The reply form carries the newest entry seen, to confirm before send (services.confirm).
    confirm_replies: bool = False

    def when(self, value: Any) -> str:
        """A time as the red note prints it, in the reader's language and time zone."""
        from .i18n import format_datetime

        return format_datetime(value)

    #: Seconds a keystroke keeps the writer "replying" (the page's script reports it).
    typing_seconds = presence.TYPING_SECONDS
    #: Said beside a reply held back for "Send anyway?".
    confirm_hint = confirm.KEPT_HINT


@dataclass
class TeamPanel:
    """The thread's assignee and status, and who it can be assigned to (staff only).  A
    feature that is off shows nothing (``assignment``, ``statuses``)."""

    members: list[Any]
    #: The assignee's key as a form value ("" for nobody), and their name.
    assignee: str
    assignee_name: str
    status: str
    status_label: str
    #: The viewer's own key as a form value.
    me: str
    statuses: list[tuple[str, str]] = field(default_factory=list)
    assignment: bool = True

    @property
    def label(self) -> str:
        """The group's accessible name."""
        if not self.statuses:
            return _("Assignment")
        return _("Assignment and status") if self.assignment else _("Status")


def team_panel(view: Any) -> TeamPanel | None:
    """The team-inbox controls of a staff thread panel; None while assignment and statuses
    are both off.  The staff members (the hook) are asked only while assignment is on."""
    from .models_team import STATUS_LABELS, STATUS_OPEN
    from .services import assignment
    from .services.status import status_label

    switches = current_settings.team
    if not switches.enabled:
        return None
    thread = view.thread
    key = thread.assignee_id if thread is not None and switches.assignment else None
    status = thread.status if thread is not None else STATUS_OPEN
    name = assignment.names_of([key]).get(key, "") if key is not None else ""
    vendor = thread.vendor_key if thread is not None else vendors.order_vendor(view.order)
    return TeamPanel(
        members=assignment.members_for(vendor, view.actor) if switches.assignment else [],
        assignee="" if key is None else str(key),
        assignee_name=name,
        status=status,
        status_label=status_label(status),
        me=str(view.actor.id),
        statuses=list(STATUS_LABELS.items()) if switches.status else [],
        assignment=switches.assignment,
    )


def canned_href(page: str | None, reply_id: int) -> str:
    """``page`` (the same-site path the thread is on; the current GET page when None) with
    ``canned=<id>`` in its query, pointing at the thread."""
    if page:
        parts = urlsplit(page)
        path = parts.path
        args = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    else:
        path = request.path
        args = list(request.args.items(multi=True))
    args = [(k, v) for k, v in args if k not in ("canned", "om_draft")]
    args.append(("canned", str(reply_id)))
    return f"{path}?{urlencode(args)}#order-messages"


def panel_extras(view: Any, side: str, page: str | None = None) -> PanelExtras:
    """The extras of the thread partial for ``side`` ("staff" or "customer"); ``page`` is
    the path of the page the thread is on (where "Insert canned reply" links go without
    JavaScript: after a refused post the request's own path is the form's address)."""
    settings = current_settings
    extras = PanelExtras()
    actor = view.actor
    staff = side == "staff" and actor.is_staff
    if view.open_dispute is not None:
        extras.reopened = view.open_dispute.reopened_from_id is not None
    extras.arbitrate = vendors.may_arbitrate(actor)
    if staff and actor.vendor is None and vendors.enabled():  # a vendor's know whose it is
        thread = view.thread
        vendor = thread.vendor_key if thread is not None else vendors.order_vendor(view.order)
        extras.vendor = vendors.name_of(vendor)
    if staff:
        extras.notes = settings.notes_enabled
        extras.canned_enabled = settings.canned_replies_enabled
        if settings.canned_replies_enabled:
            extras.canned = [
                CannedLink(c.id, c.title, c.text, canned_href(page, c.id))
                for c in canned.choices_for(view.order, actor)
            ]
        if settings.dispute_outcomes_enabled:
            extras.outcomes = [(o, services.outcome_label(o)) for o in services.STAFF_OUTCOMES]
        extras.deadline = deadlines.deadline_of(view)
        extras.team = team_panel(view)
        extras.show_presence = presence.enabled()
        extras.confirm_replies = confirm.enabled()
    if view.open_dispute is None and view.disputes:
        last = view.disputes[-1]
        if may_reopen(last, actor):
            extras.reopen = last
            closed = last.closed_at
            extras.reopen_first = closed is not None and utcnow() - closed < REOPEN_FIRST_FOR
    return extras


def reply_box(view: Any, side: str, kept: Any) -> dict[str, Any]:
    """The reply box's text and errors for ``_thread.html``: a refused reply (``kept``,
    a ``services.drafts.Kept``) gives its text back in the box and its error beside the box
    or the file input, or the question "Send yours anyway?" above it (``confirm``); else a
    canned reply asked for in the address.  ``kept`` stays set for
    a refused dispute reason or note, which goes back into its dialog."""
    reply = kept if kept is not None and kept.field in ("body", "files", "confirm") else None
    error = reply.error if reply is not None and reply.field == "body" else None
    # A reply held back by someone else's newer entry: the question, above the kept text.
    question = reply.error if reply is not None and reply.field == "confirm" else None
    draft = reply.text if reply is not None else ""
    if not draft and not error:
        draft = canned_draft(view, side)  # "?canned=<id>": the way to insert one without JS
    return {
        "draft": draft,
        "error": error,
        "files_error": reply.error if reply is not None and reply.field == "files" else None,
        "confirm": question,
        "kept": kept if reply is None else None,
    }


def canned_draft(view: Any, side: str) -> str:
    """The reply box's text when the page was opened with ``?canned=<id>`` (staff, canned
    replies on): that reply, filled in.  "" otherwise, also for an id that is gone."""
    raw = request.args.get("canned")
    if side != "staff" or not raw or not current_settings.canned_replies_enabled:
        return ""
    if not view.actor.is_staff:
        return ""
    try:
        reply = canned.get_reply(raw, view.actor, where=canned.fits(view.order))
    except canned.CannedReplyNotFound:
        return ""
    return canned.fill(reply.body, canned.placeholder_values(view.order, view.actor))


def without_query(path: str | None, keys: tuple[str, ...]) -> str | None:
    """``path`` without these query values (``canned``, the draft marker), so that going
    back there after sending neither fills the reply box again nor shows an old error."""
    if not path or not any(f"{key}=" in path for key in keys):
        return path
    from urllib.parse import urlunsplit

    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in keys]
    return urlunsplit(parts._replace(query=urlencode(query)))


#: The query value that opens a long thread's folded middle (``_entries.html``).
UNFOLD_PARAM = "om_unfold"


def unfolded() -> bool:
    """Whether this page was asked to show a long thread's folded middle: the page renders
    the first and last entries only, and the fold is a link back to the page with
    ``?om_unfold=1``, which renders them all (a reader without JavaScript included)."""
    return request.args.get(UNFOLD_PARAM) == "1"


def unfold_url() -> str:
    """This page with the folded middle open, scrolled to it: its own path and query, plus
    :data:`UNFOLD_PARAM` (a relative URL on this site only)."""
    from urllib.parse import quote

    query = [(k, v) for k, v in request.args.items(multi=True) if k != UNFOLD_PARAM]
    query.append((UNFOLD_PARAM, "1"))
    path = quote(request.script_root + request.path)
    return f"{path}?{urlencode(query)}#om-fold"


def event_text(entry: Any, view: Any) -> str | None:
    """A thread event in words, as ``_entry.html`` writes it ("Dispute closed by Admin");
    None for anything that is not an event."""
    if entry.kind == "note" and entry.event:  # assignment and status: their text says it
        return entry_text(entry)
    if entry.kind != "event":
        return None
    who = view.name_of(entry.author_id)
    if entry.event == "dispute_opened":
        return _("Dispute opened by %(name)s", name=who)
    if entry.event == "dispute_reopened":
        return _("Dispute reopened by %(name)s", name=who)
    if entry.event == "question_linked":
        return _("Question linked to an order by %(name)s", name=who)
    if entry.event == "dispute_closed":
        if entry.author_id is None:
            return _("Dispute closed automatically")
        return _("Dispute closed by %(name)s", name=who)
    return str(entry.event)
