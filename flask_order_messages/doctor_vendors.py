"""The doctor's marketplace checks (see :mod:`.doctor` and ``services/vendors.py``): the vendor
hooks called with the real order and staff member, and who would be mailed about the order's
vendor."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .doctor import ERROR, OK, WARNING, Finding, Subjects, brief
from .i18n import gettext as _
from .i18n import ngettext
from .state import current_order_messages as ext
from .state import current_settings


def _call(name: str, *args: Any) -> tuple[Any, Finding | None]:
    try:
        return ext.hook(name)(*args), None
    except Exception as exc:  # noqa: BLE001 - the point is to show it
        return None, Finding(
            ERROR,
            f"hook {name}",
            _("raised %(brief)s.", brief=brief(exc)),
            _(
                "Make %(name)s answer for every order, user and vendor (see the README's "
                "Marketplaces).",
                name=name,
            ),
        )


def _key(name: str, value: Any) -> Finding | None:
    """A finding when ``value`` cannot be a vendor key as the threads keep it."""
    from .services.vendors import key_of

    try:
        key_of(value, name)
    except ValueError as exc:
        return Finding(ERROR, f"hook {name}", str(exc), _("Return a short key: an id, or a slug."))
    return None


def _vendor_words(vendor: Any, marketplace: str) -> str:
    """``vendor 'acme'``, or ``marketplace`` (in words) for no vendor."""
    return marketplace if vendor is None else _("vendor %(key)r", key=vendor)


def _vendor_of_order(subjects: Subjects) -> tuple[Any, list[Finding]]:
    if subjects.order is None:
        return None, []
    vendor, problem = _call("order_vendor", subjects.order)
    problem = problem or _key("order_vendor", vendor)
    if problem is not None:
        return None, [problem]
    whose = _vendor_words(vendor, _("the marketplace itself"))
    return vendor, [
        Finding(OK, "hook order_vendor", _("says the order was sold by %(whose)s.", whose=whose))
    ]


def _vendor_of_staff(subjects: Subjects) -> list[Finding]:
    if not ext.has_hook("staff_vendor"):
        return [
            Finding(
                WARNING,
                "hook staff_vendor",
                _(
                    "is not registered: every staff member is the marketplace's, so no vendor's "
                    "staff can answer their own threads."
                ),
                _(
                    "Register it: @order_messages.staff_vendor def works_for(user): return "
                    "user.vendor_id (None for the marketplace's own staff)."
                ),
            )
        ]
    if subjects.staff is None:
        return []
    vendor, problem = _call("staff_vendor", subjects.staff)
    problem = problem or _key("staff_vendor", vendor)
    if problem is not None:
        return [problem]
    whose = _vendor_words(vendor, _("the marketplace"))
    return [
        Finding(
            OK, "hook staff_vendor", _("says the staff member works for %(whose)s.", whose=whose)
        )
    ]


def _recipients(vendor: Any) -> list[Finding]:
    from .mail import clean_address

    check = "hook vendor_recipients"
    if vendor is None or not current_settings.mail_enabled:
        return []
    if not current_settings.vendors.participation:
        return [Finding(OK, check, _("not needed: vendors take no part (warehouse mode)."))]
    found, problem = _call("vendor_recipients", str(vendor))
    if problem is not None:
        return [problem]
    if isinstance(found, (str, bytes)) or not isinstance(found, Iterable):
        return [
            Finding(ERROR, check, _("returned %(name)s, not a list.", name=type(found).__name__))
        ]
    addresses = [a for a in found if clean_address(a) is not None]
    if addresses:
        return [
            Finding(
                OK,
                check,
                ngettext(
                    "mails %(num)d address for vendor %(vendor)s.",
                    "mails %(num)d addresses for vendor %(vendor)s.",
                    len(addresses),
                    vendor=repr(vendor),
                ),
            )
        ]
    default = not ext.has_hook("vendor_recipients")
    why = " (the default looks for that vendor's staff among the staff_members)" if default else ""
    also = ", or a staff_members hook that lists the vendors' staff" if default else ""
    return [
        Finding(
            WARNING,
            check,
            _(
                "gives no address for vendor %(vendor)s: nobody there is mailed about its "
                "customers' messages%(why)s.",
                vendor=repr(vendor),
                why=why,
            ),
            _(
                "Register vendor_recipients(key) returning the vendor's addresses%(also)s.",
                also=also,
            ),
        )
    ]


def check_vendors(subjects: Subjects) -> list[Finding]:
    """The marketplace's hooks, when the shop is one (it registered ``order_vendor``)."""
    if not ext.has_hook("order_vendor"):
        return [
            Finding(OK, "vendors", _("none: this shop is no marketplace (no order_vendor hook)."))
        ]
    vendor, out = _vendor_of_order(subjects)
    out += _vendor_of_staff(subjects)
    names, problem = _call("vendors")
    if problem is not None:
        out.append(problem)
    else:
        out.append(
            Finding(
                OK,
                "hook vendors",
                ngettext("lists %(num)d vendor.", "lists %(num)d vendors.", len(list(names or []))),
            )
        )
    if vendor is not None:
        name, problem = _call("vendor_name", str(vendor))
        out.append(
            problem or Finding(OK, "hook vendor_name", _("calls it %(name)s.", name=repr(name)))
        )
    return out + _recipients(vendor)
