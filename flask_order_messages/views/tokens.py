"""The personal access tokens page (Messages → Access tokens): a staff member's own tokens of
the JSON API, a form to make one (name, scope, days) and a button to revoke each.  A new
token's secret is shown once, in the answer to the POST that made it (never in a URL or a
redirect); only its SHA-256 is kept (``access_tokens.py``).  Anyone's tokens but one's own are
out of reach: a revoke of someone else's id is the 404 of a made-up one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import access_tokens
from ..errors import ValidationError
from ..forms_tokens import RevokeTokenForm, TokenForm
from ..i18n import lazy_gettext
from ..models import utcnow
from ..permissions import READ
from ..services.common import Actor
from .common import require_staff

Page = Response | tuple[str, int]
DONE = {"revoked": lazy_gettext("The token was revoked: it opens nothing any more.")}


def _page(actor: Actor, form: Any, *, made: Any = None, notice: str | None = None) -> Page:
    page = render_template(
        "order_messages/tokens.html",
        tokens=access_tokens.tokens_of(actor.id),
        state_of=access_tokens.state_of,
        now=utcnow(),
        form=form,
        made=made,
        notice=notice,
        default_days=access_tokens.DEFAULT_DAYS,
        max_days=access_tokens.MAX_DAYS,
    )
    errors = form.form_errors or any(f.errors for f in form)
    return page, 400 if errors else 200


def _empty_form() -> TokenForm:
    return TokenForm(formdata=None, data={"scope": access_tokens.READ, "days": ""})


def page() -> Page:
    """GET: the page.  POST: make a token; its secret is shown once, on the answer."""
    actor = require_staff(READ)
    if request.method == "GET":
        return _page(actor, _empty_form(), notice=DONE.get(request.args.get("done", "")))
    form = TokenForm.from_request()
    form.check()
    try:
        made = access_tokens.create_token(
            actor.user,
            scope=form.scope.data,
            days=form.days.data,
            name=form.name.data,
            created_by=actor.user,
        )
    except ValidationError as exc:
        form.refuse(exc)
        return _page(actor, form)
    return _page(actor, _empty_form(), made=made)


def revoke() -> Response:
    """POST ``token_id``: revoke one of one's own tokens."""
    actor = require_staff(READ)
    form = RevokeTokenForm.from_request()
    form.check()
    try:
        token = access_tokens.get_token(form.token_id.data, actor.id)
    except access_tokens.TokenNotFound:
        abort(404)
    access_tokens.revoke_token(token)
    return redirect(url_for("order_messages.staff_tokens", done="revoked"), code=303)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/admin/tokens", "staff_tokens", page, methods=["GET", "POST"])
    bp.add_url_rule("/admin/tokens/revoke", "staff_token_revoke", revoke, methods=["POST"])
