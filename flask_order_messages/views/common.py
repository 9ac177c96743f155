"""Helpers the staff, customer and JSON views share."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from werkzeug.wsgi import LimitedStream

from ..errors import NotAllowedError, OrderMessagesError
from ..i18n import gettext as _
from ..page_reads import mark_shown
from ..permissions import require as require_permission
from ..services import Actor, customer_actor, drafts, order_context, staff_actor, vendors
from ..services.drafts import DRAFT_PARAM
from ..state import current_order_messages as ext
from ..templating import safe_next, thread_panel


def logged_in_user() -> Any:
    """The logged-in user, or the host's login redirect for anonymous visitors."""
    if not getattr(current_user, "is_authenticated", False):
        login_manager = current_app.extensions.get("login_manager") or getattr(
            current_app, "login_manager", None
        )
        if login_manager is None:
            abort(401)
        abort(login_manager.unauthorized())
    return current_user._get_current_object()


def require_staff(permission: str) -> Actor:
    """The current staff member, if they have ``permission`` ("read", "answer", "disputes",
    "canned": see ``permissions.py``); every staff page and action names one.  Anonymous
    visitors go to login, anyone else gets a 403: a staff member without the permission with
    the sentence that names it, before anything is read or written (so does a vendor's staff
    while vendors take no part in messages: see ``services/vendors.py``)."""
    user = logged_in_user()
    if not ext.is_staff(user):
        abort(403, description=_("This page is for store staff."))
    actor = staff_actor(user)
    if not vendors.takes_part(actor):
        raise NotAllowedError(vendors.NOT_PARTICIPATING)
    require_permission(actor, permission)
    return actor


def require_customer() -> Actor:
    """The current user as a customer; anonymous visitors go to login."""
    return customer_actor(logged_in_user())


def order_or_404(raw_key: str, actor: Actor) -> Any:
    """The order with this key for staff member ``actor``, or 404 (a made-up or malformed
    key alike; and, in a marketplace, another vendor's order for a vendor's staff: the very
    same 404, so that they learn nothing of it)."""
    order = ext.get_order(raw_key)
    if order is None or not vendors.may_see_order(order, actor):
        abort(404)
    return order


def owned_order_or_404(raw_key: str, actor: Actor) -> Any:
    """The order if ``actor`` owns it; otherwise the very same 404 as for a missing order."""
    order = ext.get_order(raw_key)
    if order is None or ext.order_owner_id(order) != actor.id:
        abort(404)
    return order


def back_to_thread(order: Any, side: str, next_value: str | None) -> Response:
    """Redirect after a successful POST: the page the form came from (its ``next`` field),
    else the order page."""
    target = safe_next(next_value)
    if target is None:
        return redirect(ext.thread_url(order, side), code=303)
    if "#" not in target:
        target += "#order-messages"
    return redirect(target, code=303)


def back_with_draft(
    order: Any, actor: Actor, side: str, form: Any, field: str, text: str | None
) -> Response:
    """A refused post from the thread panel: 303 back to the page the panel was on (the
    host's order page; its own page for a host without order-page hooks), where the panel
    gives ``text`` back in the draft field ``field`` (see ``services.drafts.FIELDS``) with
    the form's error.  Works without JavaScript."""
    from ..ratelimit import REFUSED_KEY

    request.environ[REFUSED_KEY] = True  # a refusal does not count against the rate limit
    target = safe_next(form.next.data) or ext.thread_url(order, side)
    error = form.first_error()
    key = drafts.keep(order, actor, field, text or "", error.message if error else "")
    return redirect(drafts.with_draft(target, key), code=303)


def render_thread_page(order: Any, actor: Actor, side: str) -> tuple[str, int]:
    """The extension's own thread page: where the host's order-page hooks lead by default,
    so also where a refused post comes back when the host has none.  Marks the thread read
    for the viewer, before rendering."""
    mark_shown(order, actor)
    view, panel = thread_panel(order, actor, side, request.path)
    template = (
        "order_messages/staff_thread.html"
        if side == "staff"
        else ("order_messages/customer_thread.html")
    )
    context = order_context(order) if side == "staff" else None
    number = ext.hooks.order_number(order)
    return render_template(
        template, view=view, panel=panel, order_number=number, context=context
    ), 200


def post_view(order: Any, actor: Actor, side: str) -> Response:
    """Post the reply form; a refusal goes back to the order page with the text kept and the
    error beside its field (the text box, or the file input), and a reply that someone else's
    newer entry holds back with the question "Send yours anyway?" (``services.confirm``)."""
    from .. import services
    from ..forms import MessageForm

    form = MessageForm.from_request()
    files = posted_files(form)
    # Where to go next, while the order is loaded (the commit expires it).
    done = back_to_thread(order, side, form.next.data)
    try:
        note = form.wants_note(side)
        if note:
            check_notes_enabled()
        # Staff: the newest entry the writer had seen; someone else's newer one asks first.
        seen = form.seen() if side == "staff" else None
        body = form.body.data or ""
        services.post_message(order, actor, body, files=files, note=note, seen_id=seen)
    except OrderMessagesError as exc:
        field = form.refuse(with_files_hint(exc, files)) or "body"
        return back_with_draft(order, actor, side, form, field, form.body.data)
    forget_draft(order, actor)
    return done


def forget_draft(order: Any, actor: Actor) -> None:
    """After a successful post: the draft the form came back with (if any) is done with."""
    drafts.forget(order, actor, request.form.get(DRAFT_PARAM))


def check_notes_enabled() -> None:
    """Refuse a staff-only note while notes are off: posting it as a plain message would show
    the customer what was meant for staff."""
    from ..errors import ValidationError
    from ..state import current_settings

    if not current_settings.notes_enabled:
        raise ValidationError(
            _(
                "Staff-only notes are turned off in this shop, so nothing was sent. "
                "Use Submit to send your text to the customer."
            ),
            "body",
        )


def posted_files(form: Any) -> list[Any]:
    """The files of a reply form (none when attachments are off: the field is ignored)."""
    from ..state import current_settings

    if not current_settings.attachments_enabled:
        return []
    return list(form.files.data or [])


def with_files_hint(exc: OrderMessagesError, files: list[Any]) -> OrderMessagesError:
    """A refusal, its words followed by a reminder when files were chosen: a browser cannot
    keep them in the form the page comes back with, though it keeps the text."""
    from ..services.attachments import chosen

    if chosen(files):
        exc.message = _(
            "%(refusal)s Nothing was sent: please choose your files again.", refusal=exc.message
        )
    return exc


def _back_link(order: Any, side: str) -> tuple[str, str]:
    """(``next`` to carry in the form, where "Cancel" goes): a same-site path only, never a
    ``javascript:`` or foreign URL from the query string; else the order's own page."""
    next_path = safe_next(request.values.get("next")) or ""
    back = next_path or ext.order_url(order, side)
    if "#" not in back:
        back += "#order-messages"
    return next_path, back


def dispute_open_view(order: Any, actor: Actor, side: str) -> Response | tuple[str, int]:
    """GET: the reason form (the no-JavaScript path).  POST: open the dispute.
    A refused reason comes back on the form, as typed, with the error beside it (400; 409,
    above the form, when a dispute is open already)."""
    from .. import services
    from ..forms import DisputeOpenForm

    vendors.check_arbitration(actor)  # a 403 page that says why, for GET and POST alike
    form = DisputeOpenForm.from_request()
    status = 200
    if request.method == "POST":
        try:
            services.open_dispute(order, actor, form.reason.data or "")
            forget_draft(order, actor)
            return back_to_thread(order, side, form.next.data)
        except OrderMessagesError as exc:
            form.refuse(exc)
            if form.posted_from_panel:
                return back_with_draft(order, actor, side, form, "reason", form.reason.data)
            status = exc.status_code
    next_path, back = _back_link(order, side)
    page = render_template(
        "order_messages/dispute_open.html",
        form=form,
        order=order,
        side=side,
        dispute=services.open_dispute_of(order),
        order_number=ext.hooks.order_number(order),
        next=next_path,
        back=back,
    )
    return page, status


def dispute_close_view(order: Any, actor: Actor, side: str) -> Response | tuple[str, int]:
    """GET: the confirmation page.  POST: close (staff) or withdraw (customer) the dispute.
    A refusal comes back on the page with its reason beside its field (409 for the
    dispute's state, 400 for a refused note or outcome, kept as typed)."""
    from .. import services
    from ..forms import DisputeCloseForm

    vendors.check_arbitration(actor)
    form = DisputeCloseForm.from_request()
    status = 200
    if request.method == "POST":
        # Staff choose an outcome (when outcomes are on); a customer can only withdraw.
        outcome = (form.outcome.data or None) if close_outcomes(side) else None
        try:
            services.close_dispute(order, actor, outcome=outcome, note=form.note.data or "")
            forget_draft(order, actor)
            return back_to_thread(order, side, form.next.data)
        except OrderMessagesError as exc:
            form.refuse(exc)
            if form.posted_from_panel:
                return back_with_draft(order, actor, side, form, "close_note", form.note.data)
            status = exc.status_code
    dispute = services.open_dispute_of(order)
    next_path, back = _back_link(order, side)
    page = render_template(
        "order_messages/dispute_close.html",
        form=form,
        order=order,
        side=side,
        dispute=dispute,
        may_close=dispute is not None and (actor.is_staff or dispute.opened_by_id == actor.id),
        outcomes=close_outcomes(side),
        opened_by=_display_name_of(dispute.opened_by_id) if dispute is not None else "",
        order_number=ext.hooks.order_number(order),
        next=next_path,
        back=back,
    )
    return page, status


def close_outcomes(side: str) -> list[tuple[str, str]]:
    """(value, label) of the outcomes the staff's close form offers; none for customers or
    while ``ORDER_MESSAGES_DISPUTE_OUTCOMES_ENABLED`` is off."""
    from .. import services
    from ..state import current_settings

    if side != "staff" or not current_settings.dispute_outcomes_enabled:
        return []
    return [(o, services.outcome_label(o)) for o in services.STAFF_OUTCOMES]


def _display_name_of(user_id: Any) -> str:
    user = ext.db.session.get(ext.user_model, user_id) if user_id is not None else None
    return ext.hooks.display_name(user) if user is not None else _("Someone")


def limit_this_request(limit: int) -> None:
    """Make ``limit`` this request's ``max_content_length``, whatever the Flask version.

    Flask 3.1 and later take it per request (the documented way: set
    ``request.max_content_length``); Flask 3.0's is a read-only view of the app's
    ``MAX_CONTENT_LENGTH``, so there the body is bounded as Werkzeug bounds it for that limit:
    a declared length over it is refused at once, a chunked body once it reads past it."""
    # ``request.__class__`` is the host's request class (``type(request)`` is the proxy's).
    limit_attr = getattr(request.__class__, "max_content_length", None)
    if not isinstance(limit_attr, property) or limit_attr.fset is not None:
        request.max_content_length = limit
        return
    length = request.content_length
    if length is not None:
        if length > limit:
            raise RequestEntityTooLarge()
        return
    environ = request.environ
    environ["wsgi.input"] = LimitedStream(environ["wsgi.input"], limit, is_max=True)
