"""What templates get: the safe text filter, dates, and ``order_messages``, the partials' entry.

A host puts the partials into its own pages with calls such as ``{{ order_messages.bell() }}``
or ``{{ order_messages.staff_panel(order) }}``.  Each call gathers its data through the service
layer and renders a template under ``order_messages/`` (a host overrides it by its path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from . import host_input, page_reads, panel_extras, services, template_i18n
from .layouts import page_layout
from .partials_questions import QuestionPartials
from .permissions import PermissionPartials, of_actor, staff_who_cannot_read, staff_who_reads
from .safe_paths import MAX_NEXT_LENGTH as MAX_NEXT_LENGTH
from .safe_paths import safe_next as safe_next
from .services import drafts, vendors
from .services.attachments import format_size
from .services.bell import bell_figure, more_than_max
from .services.drafts import DRAFT_PARAM, Kept
from .services.targets import response_due
from .services.thread_view import ThreadView
from .state import current_order_messages as ext
from .state import current_settings
from .template_i18n import format_date as format_date  # the live JSON's dates (views/api.py)

_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def message_html(text: str | None) -> Markup:
    """Plain text as HTML: everything escaped, line breaks kept, http(s) links clickable.

    Only ``http`` and ``https`` URLs become links (never ``javascript:``), each part is escaped
    on its own, and links open with ``rel="nofollow noopener noreferrer"``.
    """
    if not text:
        return Markup("")
    out: list[str] = []
    pos = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        trimmed = url.rstrip(_TRAILING)
        end = match.start() + len(trimmed)
        out.append(str(escape(text[pos : match.start()])))
        out.append(
            f'<a href="{escape(trimmed)}" rel="nofollow noopener noreferrer" '
            f'target="_blank">{escape(trimmed)}</a>'
        )
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out).replace("\n", "<br>\n"))


def excerpt(text: str | None, length: int = 120) -> str:
    """One line of a message, for lists and the bell."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


@dataclass(frozen=True)
class PanelClasses:
    """The host's CSS classes for the controls of a partial (its text boxes, file inputs and
    selects; its buttons), added beside ours so the partial looks like the host's forms."""

    input: str = ""
    button: str = ""


def render_panel(
    view: Any,
    side: str,
    next: str | None,
    *,
    kept: Kept | None = None,
    classes: PanelClasses | None = None,
) -> Markup:
    """The thread partial for ``side`` ("staff" or "customer") from a service ``ThreadView``;
    ``kept`` is a refused post of the viewer's, given back beside its field."""
    from .panel_extras import panel_extras, reply_box, without_query

    # Neither a canned reply nor a draft marker follows the form to the page it returns to.
    here = without_query(
        safe_next(next) or safe_next(request.full_path.rstrip("?")), ("canned", DRAFT_PARAM)
    )
    classes = classes or PanelClasses()
    return Markup(
        render_template(
            "order_messages/_thread.html",
            view=view,
            side=side,
            next=here,
            order_number=ext.hooks.order_number(view.order),
            order_key=ext.order_key(view.order),
            **reply_box(view, side, kept),
            draft_key=kept.key if kept is not None else "",
            input_class=classes.input,
            button_class=classes.button,
            extras=panel_extras(view, side, here),
            may=of_actor(view.actor),  # what the viewer's controls are: asked once a request
        )
    )


def thread_panel(
    order: Any,
    actor: Any,
    side: str,
    next: str | None = None,
    classes: PanelClasses | None = None,
) -> tuple[ThreadView, Markup]:
    """The thread of ``order`` for ``actor`` and its partial.  Only reads: the view that shows
    the page marks the thread read first (:mod:`.page_reads`), and the "new messages" point
    is where the viewer had read up to before that.  On a page opened with ``?om_draft=<key>``
    (the redirect after a refused post) the writer's text and error come back in the
    partial."""
    kept = drafts.find(order, actor, request.args.get(DRAFT_PARAM))
    view = services.thread_view(order, actor, state=page_reads.seen(order, actor).before)
    return view, render_panel(view, side, next, kept=kept, classes=classes)


def render_panel_of(
    order: Any,
    actor: Any,
    side: str,
    next: str | None = None,
    classes: PanelClasses | None = None,
) -> Markup:
    """The thread partial of ``order`` for ``actor`` (see :func:`thread_panel`)."""
    return thread_panel(order, actor, side, next, classes)[1]


def tab_unread_count(order: Any, actor: Any) -> int:
    """Unread messages on ``order`` for ``actor``, for a tab label: read once per request
    (the thread drawn on the same page reuses the read), and 0 once the page's view marked
    the thread read."""
    return page_reads.seen(order, actor).unread


def _owns(user: Any, order: Any) -> bool:
    """Whether ``user`` (None: nobody) is the customer who owns ``order``."""
    if user is None or not host_input.is_order(order):
        return False
    return bool(ext.order_owner_id(order) == ext.user_key(user))


class PartialHelpers(PermissionPartials, QuestionPartials):
    """The ``order_messages`` object in templates.  Every method returns ready HTML.  Staff
    without the "read" permission get nothing from the staff partials."""

    def csrf_token(self) -> str:
        token: str = generate_csrf()
        return token

    def _user(self) -> Any:
        return current_user if getattr(current_user, "is_authenticated", False) else None

    def is_staff(self) -> bool:
        return ext.is_staff(self._user())

    def _staff(self, *order: Any) -> services.Actor | None:
        """The logged-in staff member, if the staff partials are for them (in a marketplace,
        not a vendor's staff while vendors take no part); given an ``order``, only if it is
        an order they may see (not another vendor's, nor anything but an order)."""
        user = self._user()
        actor = services.staff_actor(user) if staff_who_reads(user) else None
        if actor is None or not services.vendors.takes_part(actor):
            return None
        if order and not (host_input.is_order(order[0]) and vendors.may_see_order(order[0], actor)):
            return None
        return actor

    def bell(self) -> Markup:
        """The staff bell (unread threads, open disputes); empty for anyone not staff."""
        actor = self._staff()
        if actor is None:
            return Markup("")
        # The Messages section may have counted them already.
        unread = page_reads.known_unread_threads(actor)
        counts = services.bell_numbers(actor, unread_threads=unread)
        counts.setdefault("overdue_disputes", 0)  # counted with the others while deadlines are on
        return Markup(render_template("order_messages/_bell.html", counts=counts))

    def staff_tab_label(self, order: Any) -> Markup:
        """``Messages`` with the staff member's unread count, for the admin order page's tab."""
        if staff_who_cannot_read(self._user()):
            return Markup("")
        actor = self._staff(order)
        # Nobody but staff learns the staff's count; nothing that is not an order counts.
        unread = tab_unread_count(order, actor) if actor is not None else 0
        return Markup(render_template("order_messages/_tab_label.html", unread=unread))

    def staff_panel(
        self, order: Any, next: str | None = None, *, input_class: str = "", button_class: str = ""
    ) -> Markup:
        """The thread on an admin order page, with reply box and dispute actions.  Rendering
        it changes nothing: the host's view marks the thread read first
        (``mark_thread_read(order, "staff")``).  ``input_class`` and
        ``button_class`` are the host's CSS classes for its text boxes and file input, and
        for its buttons (``"form-control"``, ``"btn btn-primary"``)."""
        actor = self._staff(order)
        if actor is None:
            return Markup("")
        classes = PanelClasses(input_class, button_class)
        return render_panel_of(order, actor, "staff", next, classes)

    def customer_tab_label(self, order: Any) -> Markup:
        """``Messages`` with the customer's unread count, for their order page's tab."""
        user = self._user()
        owner = _owns(user, order)
        unread = tab_unread_count(order, services.customer_actor(user)) if owner else 0
        return Markup(render_template("order_messages/_tab_label.html", unread=unread))

    def customer_panel(
        self, order: Any, next: str | None = None, *, input_class: str = "", button_class: str = ""
    ) -> Markup:
        """The thread on the customer's order page (the host's view marks it read first:
        ``mark_thread_read(order, "customer")``).  ``input_class`` and ``button_class`` as
        for :meth:`staff_panel`."""
        user = self._user()
        if not _owns(user, order):
            return Markup("")
        classes = PanelClasses(input_class, button_class)
        return render_panel_of(order, services.customer_actor(user), "customer", next, classes)

    def orders_filter(
        self, selected: str = "all", name: str = "messages", *, select_class: str = ""
    ) -> Markup:
        """A select "All orders / Orders with unread messages / Orders with any messages"
        for the host's order list form; apply it with ``filter_orders``.  ``selected`` may be
        the request's raw value: anything unknown selects "All orders".  ``select_class`` is
        the host's CSS class for selects (``"form-select"``)."""
        if staff_who_cannot_read(self._user()):
            return Markup("")
        selected = host_input.choice(selected, services.ORDER_FILTERS)
        name = host_input.field_name(name, "messages")
        select_class = select_class if isinstance(select_class, str) else ""
        return Markup(
            render_template(
                "order_messages/_orders_filter.html",
                selected=selected,
                name=name,
                select_class=select_class,
            )
        )

    def unread_by_order(self, orders: list[Any]) -> dict[Any, int]:
        """Unread counts for a list of orders, keyed by order key (for an order list).
        Anything in ``orders`` that is not an order is left out; a customer gets counts only
        for their own orders."""
        user = self._user()
        found = host_input.orders(orders)
        if user is None or not found or staff_who_cannot_read(user):
            return {}
        actor = services.staff_actor(user) if ext.is_staff(user) else services.customer_actor(user)
        return services.unread_by_order(actor, [ext.order_key(o) for o in found])

    def order_unread_badge(self, count: int) -> Markup:
        """ "N unread messages" for an order list row, or nothing (for 0 or a non-count)."""
        count = host_input.count(count)
        return Markup(render_template("order_messages/_unread_badge.html", count=count))

    def customer_header(self) -> Markup:
        """The customer's total unread count, linking to the newest order with unread messages;
        to their order list (the ``customer_orders_url`` hook, if it names one) while more
        than one order holds some."""
        user = self._user()
        if user is None:
            return Markup("")
        note = services.customer_unread_note(services.customer_actor(user))
        link = None
        if note.newest is not None:
            link = ext.thread_url(ext.get_order(note.newest), "customer")
        orders_link = services.customer_orders_url(user) if note.orders > 1 else None
        return Markup(
            render_template(
                "order_messages/_customer_header.html",
                total=note.total,
                link=link,
                orders_link=orders_link,
            )
        )

    def assets(self) -> Markup:
        """The stylesheet and script tags; put once in the host's ``<head>``."""
        return Markup(render_template("order_messages/_assets.html"))

    def messages_url(self, **params: Any) -> str:
        return url_for("order_messages.staff_messages", **params)

    @property
    def admin_layout(self) -> Any:
        """What a full staff page extends: ``ORDER_MESSAGES_ADMIN_LAYOUT``, its main block
        (``ORDER_MESSAGES_ADMIN_LAYOUT_BLOCK``) filled by the page's ``content`` block."""
        return page_layout("staff")

    @property
    def customer_layout(self) -> Any:
        """What a full customer page extends (``ORDER_MESSAGES_CUSTOMER_LAYOUT``, mapped the
        same way)."""
        return page_layout("customer")

    @property
    def poll_interval(self) -> int:
        return current_settings.poll_interval

    @property
    def dispute_deadlines_enabled(self) -> bool:
        """Whether disputes get respond-by times (``DISPUTE_RESPONSE_HOURS`` above 0)."""
        return bool(current_settings.dispute_response_hours)

    @property
    def statuses_enabled(self) -> bool:
        """Whether threads have a status (``ORDER_MESSAGES_STATUS_ENABLED``)."""
        return current_settings.team.status

    @property
    def response_targets_enabled(self) -> bool:
        """Whether threads have reply targets (``FIRST``/``NEXT_RESPONSE_TARGET``)."""
        return current_settings.targets.enabled

    @property
    def canned_replies_enabled(self) -> bool:
        return current_settings.canned_replies_enabled

    @property
    def attachments_enabled(self) -> bool:
        return current_settings.attachments_enabled

    def upload_field(self, input_class: str = "", error: str | None = None) -> Markup:
        """The file input of a reply form (nothing when attachments are off).  The form needs
        ``enctype="multipart/form-data"``.  ``input_class``: the host's CSS class for it;
        ``error``: why the files sent were refused, shown beside the input."""
        if not current_settings.attachments_enabled:
            return Markup("")
        template = "order_messages/_upload_field.html"
        return Markup(render_template(template, input_class=input_class, error=error))

    def upload_limits(self) -> dict[str, Any]:
        """The configured attachment limits, for the file input and its hint."""
        from .filetypes import KNOWN_TYPES, describe

        settings = current_settings
        types = settings.attachment_types
        extensions = [f".{e}" for t in types for e in KNOWN_TYPES[t].extensions]
        return {
            "accept": ",".join([*types, *extensions]),
            "kinds": describe(types),
            "max_files": settings.max_attachments,
            "max_bytes": settings.max_attachment_bytes,
            "max_total": settings.max_attachments_total_bytes,
        }

    def attachment_url(
        self, attachment: Any, order: Any, side: str, guest_token: str | None = None
    ) -> str:
        """Where ``attachment`` is opened from: the guest link's own address for a guest,
        else the staff or the customer route of the order."""
        if guest_token:
            return url_for(
                "order_messages.guest_attachment", token=guest_token, attachment_id=attachment.id
            )
        endpoint = "staff_attachment" if side == "staff" else "customer_attachment"
        return url_for(
            f"order_messages.{endpoint}",
            order_id=ext.order_key(order),
            attachment_id=attachment.id,
        )

    @property
    def insight_enabled(self) -> bool:
        return current_settings.insight_enabled

    def insight_url(self) -> str:
        return url_for("order_messages.staff_insight")


def register_template_helpers(app: Flask) -> None:
    """Add the filters and the ``order_messages`` global to the app's Jinja environment."""
    app.jinja_env.filters["om_text"] = message_html
    app.jinja_env.filters["om_excerpt"] = excerpt
    app.jinja_env.filters["om_outcome"] = services.outcome_label
    app.jinja_env.filters["om_filesize"] = format_size
    app.jinja_env.filters["om_bell_label"] = services.bell_label
    app.jinja_env.filters["om_bell_figure"] = bell_figure
    app.jinja_env.globals["om_bell_more"] = more_than_max
    app.jinja_env.filters["om_response_due"] = response_due
    app.jinja_env.globals["order_messages"] = PartialHelpers()
    app.jinja_env.globals["om_unfold_url"] = panel_extras.unfold_url
    app.jinja_env.globals["om_unfolded"] = panel_extras.unfolded
    template_i18n.register(app)  # om_date, om_duration, om_markup
