"""Mailbox (demo), for staff: the mails the demo's mail sink caught, one mail with its headers
and bodies, and "Reply to this mail", which answers it as a mail client would and hands the
raw mail to the extension's inbound path, as the shop's mail server would."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from flask_order_messages.inbound.pipeline import receive

from .. import mail_client, marketplace
from ..messaging import order_messages
from ..models import DemoMail, User, db
from .admin import staff_only

bp = Blueprint("mailbox", __name__)
bp.before_request(staff_only)


@bp.before_request
def marketplace_staff_only() -> None:
    """The mailbox holds the mail about every vendor's orders: the marketplace's alone."""
    if marketplace.vendor_of_user(current_user) is not None:
        abort(403, marketplace.MARKETPLACE_ONLY)


#: Mails the list shows (newest first).
LIST_SIZE = 100
#: What the raw HTML body may do in its frame: show itself and its inline styles, no more.
HTML_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
HTML_POLICY += "frame-ancestors 'self'"


class ReplyForm(FlaskForm):  # type: ignore[misc]
    body = TextAreaField(
        "Your reply",
        validators=[DataRequired("Write a reply first."), Length(max=10_000)],
    )


def _mail(mail_id: int) -> DemoMail:
    return db.session.get(DemoMail, mail_id) or abort(404)


@bp.route("/")
def index() -> str:
    mails = db.session.scalars(
        db.select(DemoMail).order_by(DemoMail.id.desc()).limit(LIST_SIZE)
    ).all()
    total = db.session.scalar(db.select(db.func.count(DemoMail.id)))
    return render_template(
        "shop/admin/mailbox.html",
        mails=mails,
        total=total,
        sink_port=current_app.config.get("DEMO_MAIL_SINK_PORT"),
    )


@bp.route("/<int(max=2147483647):mail_id>")
def mail(mail_id: int) -> str:
    return _show(_mail(mail_id), ReplyForm())


@bp.route("/<int(max=2147483647):mail_id>/reply", methods=["POST"])
def reply(mail_id: int) -> Response | tuple[str, int]:
    caught = _mail(mail_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _show(caught, form), 400
    try:
        raw = mail_client.reply(caught.raw, form.body.data or "")
    except ValueError:
        abort(400)
    outcome = receive(raw, via="demo")  # commits the inbound row and what it posted
    return redirect(url_for("mailbox.mail", mail_id=mail_id, reply=outcome.inbound_id))


@bp.route("/<int(max=2147483647):mail_id>/html")
def html(mail_id: int) -> str:
    caught = _mail(mail_id)
    if mail_client.read(caught.raw).html is None:
        abort(404)
    return render_template("shop/admin/mailbox_html.html", mail=caught)


@bp.route("/<int(max=2147483647):mail_id>/html/body")
def html_body(mail_id: int) -> Response:
    """The mail's HTML part as it is, in a sandbox: no scripts, forms, plugins or requests."""
    body = mail_client.read(_mail(mail_id).raw).html
    if body is None:
        abort(404)
    response = current_app.response_class(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _show(caught: DemoMail, form: ReplyForm) -> str:
    return render_template(
        "shop/admin/mailbox_mail.html",
        mail=caught,
        read=mail_client.read(caught.raw),
        form=form,
        result=_result(request.args.get("reply", type=int)),
    )


def _result(inbound_id: int | None) -> dict[str, Any] | None:
    """What became of a reply sent from this page: the extension's record of it."""
    if inbound_id is None:
        return None
    models = order_messages.models
    record = db.session.get(models.InboundMail, inbound_id)
    if record is None:
        return None
    thread = db.session.get(models.Thread, record.thread_id) if record.thread_id else None
    posted = db.session.get(models.Message, record.posted_id) if record.posted_id else None
    author = db.session.get(User, record.author_id) if record.author_id is not None else None
    return {"record": record, "thread": thread, "posted": posted, "author": author}
