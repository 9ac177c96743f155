"""The doctor's lines about questions before purchase (``services/questions.py``): the product
hooks, registered or their defaults, called with the key of a question the shop has."""

from __future__ import annotations

import sqlalchemy as sa

from .doctor import ERROR, OK, Finding, brief
from .i18n import gettext as _
from .i18n import lazy_gettext
from .state import current_order_messages as ext

#: The product hooks and what their default does.
DEFAULTS = {
    "product_name": lazy_gettext('default: "Product <key>"'),
    "product_url": lazy_gettext("default: no link to the product's page"),
    "product_vendor": lazy_gettext(
        "default: questions go to the marketplace's (or the shop's) staff"
    ),
}


def check_questions() -> list[Finding]:
    """One line per product hook: what it answers for a product asked about, else whether
    it is registered."""
    t = ext.models.Thread
    try:
        key = ext.db.session.execute(
            sa.select(t.product_key).where(t.product_key.is_not(None)).order_by(t.id.desc())
        ).scalar()
    except sa.exc.SQLAlchemyError:  # tables missing or behind: the schema check says so
        ext.db.session.rollback()
        key = None
    out = []
    for name, default in DEFAULTS.items():
        check = f"hook {name}"
        registered = _("registered") if ext.has_hook(name) else str(default)
        if key is None:
            out.append(
                Finding(
                    OK,
                    check,
                    _(
                        "%(registered)s (no question asked yet to try it on).",
                        registered=registered,
                    ),
                )
            )
            continue
        try:
            answer = ext.hook(name)(key)
        except Exception as exc:  # noqa: BLE001 - the point is to show it
            fix = _(
                "Make %(name)s answer for every product key (see the README's questions).",
                name=name,
            )
            out.append(Finding(ERROR, check, _("raised %(brief)s.", brief=brief(exc)), fix))
            continue
        out.append(
            Finding(
                OK,
                check,
                _(
                    "%(registered)s; for product %(key)s gives %(answer)s.",
                    registered=registered,
                    key=repr(key),
                    answer=format(repr(answer), ".80"),
                ),
            )
        )
    return out
