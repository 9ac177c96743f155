"""The guest link from a customer's mail: one order's thread, read and reply, without a login.

``GET <URL_PREFIX>/t/<token>`` shows the thread as the order's customer sees it and marks it
read for them; ``POST`` to the same address replies as that customer (with a CSRF token, like
every form).  A customer who is logged in already goes straight to their order page.  A bad or
expired token gets a page that says so (404 or 410), never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import services
from ..errors import OrderMessagesError
from ..forms import GuestReplyForm
from ..hooks import thread_link
from ..i18n import gettext as _
from ..page_reads import mark_shown
from ..state import current_order_messages as ext
from ..tokens import GuestLinkError, GuestLinkExpired, load_guest_order
from .common import posted_files, with_files_hint

Page = Response | tuple[str, int, dict[str, str]]

# The token is in the address: keep it out of Referer headers, caches and search engines.
_PRIVATE = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


def _login_url() -> str | None:
    manager = current_app.extensions.get("login_manager") or getattr(
        current_app, "login_manager", None
    )
    view = getattr(manager, "login_view", None)
    if not view:
        return None
    try:
        return url_for(view)
    except Exception:  # noqa: BLE001 - a login view we cannot build a URL for: no button
        return None


def _refused(exc: GuestLinkError) -> Page:
    expired = isinstance(exc, GuestLinkExpired)
    title = _("This link has expired") if expired else _("Link not valid")
    page = render_template(
        "order_messages/guest_link_error.html",
        title=title,
        message=exc.message,
        login_url=_login_url(),
    )
    return page, exc.status_code, _PRIVATE


def _is_owner(order: Any) -> bool:
    if not getattr(current_user, "is_authenticated", False):
        return False
    return bool(ext.user_key(current_user) == ext.order_owner_id(order))


def guest_thread(token: str) -> Page:
    """The thread a guest link opens (GET), or a reply posted from it (POST)."""
    try:
        order = load_guest_order(token)
    except GuestLinkError as exc:
        return _refused(exc)
    owner = ext.db.session.get(ext.user_model, ext.order_owner_id(order))
    if owner is None:
        return _refused(GuestLinkError(_("This link does not open any order. Please log in.")))
    if request.method == "GET" and _is_owner(order):
        return redirect(thread_link(ext.hooks.customer_order_url(order)), code=303)
    actor = services.customer_actor(owner)
    here = url_for("order_messages.guest_thread", token=token)
    form = GuestReplyForm.from_request()
    status = 200
    if request.method == "POST":
        files = posted_files(form)
        try:
            services.post_message(order, actor, form.body.data or "", files=files)
        except OrderMessagesError as exc:
            form.refuse(with_files_hint(exc, files))
            status = exc.status_code
        else:
            return redirect(here + "#order-messages", code=303)
    # A refused reply is no visit: the thread is marked read when the page is shown (GET).
    state = mark_shown(order, actor) if request.method == "GET" else None
    view = services.thread_view(order, actor, state=state)
    page = render_template(
        "order_messages/guest_thread.html",
        view=view,
        order_number=ext.hooks.order_number(order),
        post_url=here,
        guest_token=token,
        form=form,
    )
    return page, status, _PRIVATE


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/t/<token>", "guest_thread", guest_thread, methods=["GET", "POST"])
