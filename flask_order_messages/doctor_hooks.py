"""The doctor's hook checks: every hook called with the real order and users (see
:mod:`.doctor`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import current_app

from .doctor import ERROR, OK, WARNING, Finding, Subjects, brief, is_staff
from .errors import MissingHookError
from .i18n import gettext as _
from .i18n import ngettext
from .state import current_order_messages as ext
from .state import current_settings


def _call(name: str, hook: Callable[..., object], *args: Any) -> tuple[Any, Finding | None]:
    """The answer of ``hook`` (hook ``name``), or the error finding that says why there is none."""
    check = f"hook {name}"
    try:
        return hook(*args), None
    except MissingHookError:
        return None, Finding(
            ERROR,
            check,
            _("is not registered, and the extension needs it."),
            _(
                "Register it: @order_messages.%(name)s on a function (see the README's hooks "
                "table).",
                name=name,
            ),
        )
    except Exception as exc:  # noqa: BLE001 - the point is to show it
        return None, Finding(
            ERROR,
            check,
            _("raised %(brief)s.", brief=brief(exc)),
            _(
                "Make %(name)s answer for every user and order; see the README's hooks table.",
                name=name,
            ),
        )


def _typed(name: str, value: Any, wanted: str, fix: str) -> Finding:
    return Finding(
        ERROR,
        f"hook {name}",
        _(
            "returned %(name)s %(value)s, not %(wanted)s.",
            name=type(value).__name__,
            value=format(repr(value), ".60"),
            wanted=wanted,
        ),
        fix,
    )


def _staff_check(subjects: Subjects) -> list[Finding]:
    check = "hook staff_check"
    if not ext.has_hook("staff_check"):
        return [
            Finding(
                ERROR,
                check,
                _("is not registered: nobody can open the staff pages."),
                _(
                    "Register it: @order_messages.staff_check def is_staff(user): return "
                    "user.is_admin (whatever your shop calls it)."
                ),
            )
        ]
    if subjects.staff is None:
        return [
            Finding(
                WARNING,
                check,
                _("admits none of the users looked at, so no staff member could be checked."),
                _(
                    "Pass --user KEY of a staff member; if they are not admitted either, "
                    "fix the staff check."
                ),
            )
        ]
    answer, problem = _call("staff_check", ext.hooks.staff_check, subjects.staff)
    if problem is not None:
        return [problem]
    out = []
    if not isinstance(answer, bool):
        out.append(
            Finding(
                WARNING,
                check,
                _("returned %(name)s, not True or False.", name=type(answer).__name__),
                _("Return a bool (wrap the test in bool(...))."),
            )
        )
    if subjects.customer is not None and is_staff(subjects.customer):
        out.append(
            Finding(
                WARNING,
                check,
                _(
                    "admits the order's customer %(user_key)s as staff: they see every thread.",
                    user_key=repr(ext.user_key(subjects.customer)),
                ),
                _("Check that staff_check admits only store staff."),
            )
        )
    out.append(
        Finding(
            OK,
            check,
            _("admits staff member %(user_key)s.", user_key=repr(ext.user_key(subjects.staff))),
        )
    )
    return out


def _permissions(subjects: Subjects) -> list[Finding]:
    """What the ``staff_permission`` hook lets the staff member do (see permissions.py)."""
    from .permissions import PERMISSIONS, READ

    check = "hook staff_permission"
    if not ext.has_hook("staff_permission"):
        return [Finding(OK, check, _("not registered: every staff member may do everything."))]
    if subjects.staff is None:
        return []  # the staff check's finding says why there is nobody to ask about
    allowed = []
    for permission in PERMISSIONS:
        answer, problem = _call(
            "staff_permission", ext.hooks.staff_permission, subjects.staff, permission
        )
        if problem is not None:
            return [problem]
        if not isinstance(answer, bool):
            fix = _("Return True or False for each of %(names)s.", names=", ".join(PERMISSIONS))
            wanted = _("True or False for %(permission)s", permission=repr(permission))
            return [_typed("staff_permission", answer, wanted, fix)]
        if answer:
            allowed.append(permission)
    refused = [p for p in PERMISSIONS if p not in allowed]
    who, may = repr(ext.user_key(subjects.staff)), ", ".join(allowed)
    if not allowed:
        text = _("lets staff member %(who)s do nothing.", who=who)
    elif refused:
        text = _(
            "lets staff member %(who)s %(allowed)s; not %(refused)s.",
            who=who,
            allowed=may,
            refused=", ".join(refused),
        )
    else:
        text = _("lets staff member %(who)s %(allowed)s.", who=who, allowed=may)
    if allowed and READ not in allowed:
        fix = _("Grant 'read' with the others: answer, disputes and canned each need it.")
        more = _("Without read they can do none of it.")
        return [Finding(WARNING, check, f"{text} {more}", fix)]
    return [Finding(OK, check, text)]


def _names(subjects: Subjects) -> list[Finding]:
    shown: dict[str, str] = {}
    for role, user in (("customer", subjects.customer), ("staff", subjects.staff)):
        if user is None:
            continue
        name, problem = _call("display_name", ext.hooks.display_name, user)
        if problem is not None:
            return [problem]
        if not isinstance(name, str) or not name.strip():
            return [
                _typed(
                    "display_name",
                    name,
                    _("a non-empty str"),
                    _("Return the name to show beside the user's messages."),
                )
            ]
        shown[role] = repr(name)
    if not shown:
        return []
    return [Finding(OK, "hook display_name", _names_text(shown))]


def _names_text(shown: dict[str, str]) -> str:
    if len(shown) == 2:
        return _(
            "shows the customer as %(customer)s and the staff as %(staff)s.",
            customer=shown["customer"],
            staff=shown["staff"],
        )
    if "customer" in shown:
        return _("shows the customer as %(name)s.", name=shown["customer"])
    return _("shows the staff as %(name)s.", name=shown["staff"])


def _emails(subjects: Subjects) -> list[Finding]:
    from .mail import clean_address

    out = []
    for role, user in (("customer", subjects.customer), ("staff member", subjects.staff)):
        if user is None:
            continue
        email, problem = _call("user_email", ext.hooks.user_email, user)
        if problem is not None:
            return [problem]
        if email is not None and not isinstance(email, str):
            wanted = _("a str or None")
            return [_typed("user_email", email, wanted, _("Return the address or None."))]
        if clean_address(email) is None and role == "customer":
            out.append(
                Finding(
                    WARNING,
                    "hook user_email",
                    _(
                        "gives the customer no usable address (%(email)s): they get no mail "
                        "when staff answer.",
                        email=repr(email),
                    ),
                    _("Return the customer's plain address (name@example.com)."),
                )
            )
    return out or [Finding(OK, "hook user_email", _("gives usable addresses."))]


def _recipients() -> list[Finding]:
    from .mail import clean_address

    if not current_settings.mail_enabled:
        return [Finding(OK, "hook staff_recipients", _("not needed: mail is off."))]
    value, problem = _call("staff_recipients", ext.hooks.staff_recipients)
    if problem is not None:
        return [replace_text(problem, _(" Every customer message fails while it is missing."))]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [
            _typed(
                "staff_recipients",
                value,
                _("a list of addresses"),
                _("Return a list such as ['orders@shop.example']."),
            )
        ]
    addresses = list(value)
    bad = [a for a in addresses if clean_address(a) is None]
    if bad:
        return [
            Finding(
                WARNING,
                "hook staff_recipients",
                _(
                    "returned addresses that cannot be mailed: %(bad)s.",
                    bad=format(repr(bad), ".100"),
                ),
                _("Return plain addresses only."),
            )
        ]
    if not addresses:
        return [
            Finding(
                WARNING,
                "hook staff_recipients",
                _("returned no address: no one on staff is mailed about customers' messages."),
                _("Return the staff addresses to notify (a shared inbox will do)."),
            )
        ]
    return [
        Finding(
            OK,
            "hook staff_recipients",
            ngettext("mails %(num)d address.", "mails %(num)d addresses.", len(addresses)),
        )
    ]


def replace_text(finding: Finding, more: str) -> Finding:
    """``finding`` with ``more`` added to its text."""
    return Finding(finding.level, finding.check, finding.text + more, finding.fix)


def _order_hooks(order: Any) -> list[Finding]:
    out = []
    number, problem = _call("order_number", ext.hooks.order_number, order)
    if problem is not None:
        out.append(problem)
    elif not isinstance(number, str):
        out.append(
            Finding(
                WARNING,
                "hook order_number",
                _(
                    "returned %(name)s %(number)s, not str.",
                    name=type(number).__name__,
                    number=format(repr(number), ".40"),
                ),
                _("Return the number as text: str(...)."),
            )
        )
    elif number.startswith("#"):
        # Every page and mail writes "#" before the number itself.
        out.append(
            Finding(
                WARNING,
                "hook order_number",
                _(
                    "returns %(number)s, and our pages show it as '#%(number2)s'.",
                    number=format(repr(number), ".40"),
                    number2=format(number, ".40"),
                ),
                _("Return the number without '#': our pages and mails add it."),
            )
        )
    else:
        out.append(
            Finding(OK, "hook order_number", _("shows the order as #%(number)s.", number=number))
        )
    # In a request, as the pages call them; outside one is check_mail_urls's business.
    with current_app.test_request_context("/"):
        for name, hook in (
            ("staff_order_url", ext.hooks.staff_order_url),
            ("customer_order_url", ext.hooks.customer_order_url),
        ):
            url, problem = _call(name, hook, order)
            if problem is None and not isinstance(url, str):
                problem = _typed(
                    name,
                    url,
                    _("a str"),
                    _("Return the page's URL, e.g. url_for('admin.order', id=order.id)."),
                )
            out.append(problem or Finding(OK, f"hook {name}", _("gives %(url)s.", url=url)))
    return out


def _orders_url(subjects: Subjects) -> list[Finding]:
    """The optional ``customer_orders_url`` hook, asked about the order's customer in a
    request, as the customer header asks it."""
    check, name = "hook customer_orders_url", "customer_orders_url"
    if not ext.has_hook(name):
        return [Finding(OK, check, _("not registered: the header links the newest unread order."))]
    if subjects.customer is None:
        return []  # the order owner's finding says why there is nobody to ask about
    with current_app.test_request_context("/"):
        url, problem = _call(name, ext.hooks.customer_orders_url, subjects.customer)
    if problem is None and url is not None and not isinstance(url, str):
        fix = _("Return the URL of the customer's order list, e.g. url_for('account.orders').")
        problem = _typed(name, url, _("a str or None"), fix)
    return [problem or Finding(OK, check, _("gives %(url)s.", url=url))]


def check_hooks(subjects: Subjects) -> list[Finding]:
    """Every hook called with the real order and users: registered, answering, right types."""
    out = _staff_check(subjects) + _permissions(subjects) + _names(subjects)
    out += _emails(subjects) + _recipients()
    if subjects.order is None:
        return [
            *out,
            Finding(
                WARNING,
                "hooks",
                _("the shop has no order yet: the order hooks were not called."),
                _("Run the doctor again once an order exists, or pass --order KEY."),
            ),
        ]
    if subjects.customer is None:
        out.append(
            Finding(
                ERROR,
                "order owner",
                _(
                    "the order's %(order_customer_key)s (%(order_owner_id)s) names no user.",
                    order_customer_key=ext.order_customer_key,
                    order_owner_id=repr(ext.order_owner_id(subjects.order)),
                ),
                _("Pass order_customer_key= the order column that holds the customer's user key."),
            )
        )
    return out + _order_hooks(subjects.order) + _orders_url(subjects)
