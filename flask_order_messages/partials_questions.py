"""``{{ order_messages.product_question(product_key) }}``: the "Ask a question about this
product" partial for the host's product page (see ``services/questions.py``)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from .state import current_order_messages as ext


def _login_url() -> str | None:
    """The host's login page (Flask-Login's ``login_view``), back to this page after."""
    manager = current_app.extensions.get("login_manager") or getattr(
        current_app, "login_manager", None
    )
    view = getattr(manager, "login_view", None)
    if not view:
        return None
    try:
        return url_for(view, next=request.full_path.rstrip("?"))
    except Exception:  # noqa: BLE001 - a blueprint-relative or broken login_view: no link
        return None


class QuestionPartials:
    """What the ``order_messages`` template object offers a product page."""

    def product_question(self, product_key: Any) -> Markup:
        """The form that asks about the product with key ``product_key`` (any key the host
        uses: kept as text), for a logged-in customer; "Log in to ask" for a visitor; a link
        to their question once they asked.  Nothing for staff, nor for a key the extension
        cannot keep (longer than 64 characters, control characters, not text or a number)."""
        from .errors import ValidationError
        from .services import customer_actor, questions

        try:
            key = questions.product_key_of(product_key)
        except ValidationError:
            return Markup("")
        user = current_user if getattr(current_user, "is_authenticated", False) else None
        if user is not None and ext.is_staff(user):
            return Markup("")
        question = questions.question_of(key, customer_actor(user)) if user else None
        if question is not None and question.last_message_id is None:
            question = None  # made, but its first message never saved: ask again
        return Markup(
            render_template(
                "order_messages/_product_question.html",
                product_key=key,
                product_name=questions.product_name(key),
                question=question,
                logged_in=user is not None,
                login_url=None if user else _login_url(),
                next=request.full_path.rstrip("?"),
            )
        )
