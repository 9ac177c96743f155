"""The shop's language: a choice in its header, kept in the session.

The shop sets Flask-Babel up itself, with a locale selector of its own that reads the
session; the extension finds Babel there and follows it (flask_order_messages/i18n.py), so its
pages and partials come in the chosen language while the shop's own words stay English (a real
shop translates its own words with its own catalogue: Flask-Babel's default domain
``messages`` in example_shop/translations (``_`` and ``{% trans %}`` in its templates,
``gettext`` here), apart from the extension's ``order_messages``.  ``SHOP_LANGUAGES`` lists
the choices.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, session
from flask_babel import Babel, get_locale, lazy_gettext
from werkzeug.wrappers import Response

#: The choices of the header's form: locale -> the language's own name.
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}

bp = Blueprint("language", __name__)

#: An order's status as the reader reads it (the shop's pages, and the extension's rows
#: through the shop's ``order_summary`` hook).
STATUS_LABELS = {
    "pending": lazy_gettext("Pending"),
    "paid": lazy_gettext("Paid"),
    "shipped": lazy_gettext("Shipped"),
    "delivered": lazy_gettext("Delivered"),
    "cancelled": lazy_gettext("Cancelled"),
}


def status_label(status: str) -> str:
    """The status in the page's language (an unknown one as it is stored, capitalised)."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status.capitalize()


def languages() -> dict[str, str]:
    chosen: dict[str, str] = current_app.config.get("SHOP_LANGUAGES") or LANGUAGES
    return chosen


def select_locale() -> str | None:
    """The session's choice, else the browser's best match, else English; outside a request
    (the CLI) None: Flask-Babel's default."""
    if not has_request_context():
        return None
    chosen = session.get("language")
    if chosen in languages():
        return str(chosen)
    return request.accept_languages.best_match(list(languages())) or "en"


def _back() -> str:
    """The page the form was sent from (its ``Referer``, on this site), else the home page.
    Not a field of the form: the header would then differ from page to page, and a page
    another vendor may not see must look exactly like one that does not exist."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return "/"
    path = referrer.path if not referrer.path.startswith("//") else "/"
    return f"{path}?{referrer.query}" if referrer.query else path


@bp.route("/language", methods=["POST"])
def choose() -> Response:
    """The header's form: remember the language, back to the page it was sent from."""
    chosen = request.form.get("language", "")
    if chosen in languages():
        session["language"] = chosen
    return redirect(_back(), code=303)


def _page_language() -> dict[str, Any]:
    """``page_lang`` and ``page_dir`` for the layouts' ``<html>``, and the form's choices."""
    locale = get_locale() or Locale("en")
    rtl = locale.character_order == "right-to-left"
    return {
        "page_lang": str(locale).replace("_", "-"),
        "page_dir": "rtl" if rtl else "ltr",
        "shop_languages": languages(),
        "shop_language": str(locale),
    }


def init_app(app: Flask) -> None:
    """Before the extension's ``init_app``: it keeps a host's own Babel."""
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.context_processor(_page_language)
    app.jinja_env.globals["status_label"] = status_label  # the macros too (no context)
