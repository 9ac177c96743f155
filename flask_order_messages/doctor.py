"""``flask order-messages doctor``: the host's integration checked against a real order.

Each check is a function returning :class:`Finding` objects: an OK line when it passes, and
for each problem what is wrong and the fix in words.  :func:`find_subjects` picks the order,
its customer and a staff member to call the hooks with; :func:`run_checks` runs them all.
The hook checks live in :mod:`.doctor_hooks`, those of the app's set-up (mail, layouts, tables,
rate limit) in :mod:`.doctor_setup`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from .i18n import gettext as _
from .i18n import lazy_gettext
from .state import current_order_messages as ext

OK, WARNING, ERROR = "ok", "warning", "error"
#: Users the staff search looks at when nothing better points at a staff member.
STAFF_SCAN_LIMIT = 500
#: Columns that tell when an order was placed, in the order they are tried.
ORDER_TIME_COLUMNS = ("created_at", "created", "created_on", "date_created", "placed_at")


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``level`` is ``"ok"``, ``"warning"`` or ``"error"``."""

    level: str
    check: str
    text: str
    fix: str = ""


class DoctorError(Exception):
    """The order or user asked for does not exist: nothing to check against."""


@dataclass
class Subjects:
    """What the hooks are called with, and how each was found (for the report's first line)."""

    order: Any | None = None
    customer: Any | None = None
    staff: Any | None = None
    how: list[str] = field(default_factory=list)


def brief(exc: BaseException) -> str:
    """An exception in one short line: its type and the start of its message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


# -- what to check against ----------------------------------------------------------------------


def _user_key(raw: str) -> Any:
    try:
        python_type = ext.user_pk.type.python_type
    except NotImplementedError:
        return raw
    try:
        return uuid.UUID(raw) if python_type is uuid.UUID else python_type(raw)
    except (TypeError, ValueError):
        return None


def _newest_order(where: Any = None) -> Any | None:
    """The newest order (by its placing time when the model has one, else by key)."""
    model, columns = ext.order_model, sa.inspect(ext.order_model).columns
    pk = getattr(model, ext.order_pk.key)
    order_by = [getattr(model, c).desc() for c in ORDER_TIME_COLUMNS if c in columns][:1]
    stmt = sa.select(model).order_by(*order_by, pk.desc()).limit(1)
    if where is not None:
        stmt = stmt.where(where)
    return ext.db.session.execute(stmt).scalars().first()


def is_staff(user: Any) -> bool:
    """The staff check's answer, False when it raises (the hook check reports that)."""
    try:
        return ext.is_staff(user)
    except Exception:  # noqa: BLE001 - the hook check reports it
        return False


def _find_staff() -> tuple[Any | None, str]:
    """A staff member: the author of the newest staff message, else a user whose address is
    among ``staff_recipients``, else the newest of the users the staff check admits."""
    session, users = ext.db.session, ext.user_model
    m = ext.models.Message
    try:
        authors = list(
            session.execute(
                sa.select(m.author_id)
                .where(m.author_role == "staff", m.author_id.is_not(None))
                .order_by(m.id.desc())
                .limit(20)
            ).scalars()
        )
    except sa.exc.SQLAlchemyError:  # our tables are not there yet: the schema check says so
        session.rollback()
        authors = []
    for key in dict.fromkeys(authors):
        user = session.get(users, key)
        if user is not None and is_staff(user):
            return user, _("the author of the newest staff message")
    if "email" in sa.inspect(users).columns and ext.has_hook("staff_recipients"):
        try:
            emails = [e for e in ext.hooks.staff_recipients() or () if isinstance(e, str)]
        except Exception:  # noqa: BLE001 - the hook check reports it
            emails = []
        found = session.execute(sa.select(users).where(users.email.in_(emails))).scalars()
        for user in found:
            if is_staff(user):
                return user, _("a user among staff_recipients")
    pk = getattr(users, ext.user_pk.key)
    newest = session.execute(sa.select(users).order_by(pk.desc()).limit(STAFF_SCAN_LIMIT))
    for user in newest.scalars():
        if is_staff(user):
            return user, _(
                "the newest user the staff check admits (of %(limit)s looked at)",
                limit=STAFF_SCAN_LIMIT,
            )
    return None, ""


def find_subjects(order_key: str | None = None, user_key: str | None = None) -> Subjects:
    """The order, its customer and a staff member to check with.

    ``order_key`` picks the order (default: the newest); ``user_key`` a user: a staff member,
    or a customer whose newest order is used.  Raises :class:`DoctorError` for a key that
    names nobody."""
    found = Subjects()
    user = None
    if user_key is not None:
        key = _user_key(user_key)
        user = ext.db.session.get(ext.user_model, key) if key is not None else None
        if user is None:
            raise DoctorError(_("No user has the key %(key)s (--user).", key=repr(user_key)))
    if order_key is not None:
        found.order = ext.get_order(order_key)
        if found.order is None:
            raise DoctorError(_("No order has the key %(key)s (--order).", key=repr(order_key)))
        found.how.append(_("the order given"))
    if user is not None and is_staff(user):
        found.staff = user
        found.how.append(_("the staff member given"))
    elif user is not None:
        found.customer = user
        found.how.append(_("the customer given"))
        if found.order is None:
            found.order = _newest_order(ext.order_owner_column() == ext.user_key(user))
            found.how.append(_("their newest order"))
    if found.order is None:
        found.order = _newest_order()
        found.how.append(_("the newest order"))
    if found.order is not None and found.customer is None:
        found.customer = ext.db.session.get(ext.user_model, ext.order_owner_id(found.order))
        found.how.append(_("its customer"))
    if found.staff is None:
        found.staff, how = _find_staff()
        if how:
            found.how.append(_("as staff %(how)s", how=how))
    return found


def describe(subjects: Subjects) -> str:
    """The report's first line: what the checks were run against, and how it was found."""

    def who(user: Any) -> str:
        return _("none") if user is None else repr(ext.user_key(user))

    order = _("none") if subjects.order is None else repr(ext.order_key(subjects.order))
    values = {"order": order, "customer": who(subjects.customer), "staff": who(subjects.staff)}
    if not subjects.how:
        return _("Checking with order %(order)s, customer %(customer)s, staff %(staff)s.", **values)
    return _(
        "Checking with order %(order)s, customer %(customer)s, staff %(staff)s (%(how)s).",
        how=", ".join(subjects.how),
        **values,
    )


#: The name of each check in words, by its key (a hook's: ``hook <name>``).
CHECK_NAMES = {
    "read state": lazy_gettext("read state"),
    "tables": lazy_gettext("tables"),
    "rate limit": lazy_gettext("rate limit"),
    "mail sender": lazy_gettext("mail sender"),
    "mail links outside a request": lazy_gettext("mail links outside a request"),
    "config": lazy_gettext("config"),
    "vendors": lazy_gettext("vendors"),
    "admin layout": lazy_gettext("admin layout"),
    "customer layout": lazy_gettext("customer layout"),
}


def check_name(check: str) -> str:
    """A finding's check in the reader's language: ``hook user_email``, ``Hook user_email``."""
    if check.startswith("hook "):
        return _("hook %(name)s", name=check[len("hook ") :])
    return str(CHECK_NAMES.get(check, check))


def check_read_state() -> list[Finding]:
    """``ORDER_MESSAGES_READ_STATE``; when shared, that no user has the team's key."""
    from .services import readers
    from .state import current_settings

    check = "read state"
    if current_settings.read_state != readers.SHARED:
        return [Finding(OK, check, _("personal: each staff member keeps their own unread marks."))]
    team = readers.host_team_key()
    pk = getattr(ext.user_model, ext.user_pk.key)
    taken = ext.db.session.execute(sa.select(pk).where(pk == team).limit(1)).first()
    if taken is not None:
        return [
            Finding(
                ERROR,
                check,
                _(
                    "shared, but user %(team)s has the key the staff's marks are kept under: "
                    "their marks and the team's are the same.",
                    team=repr(team),
                ),
                _("Give that user another key, or set ORDER_MESSAGES_READ_STATE = 'personal'."),
            )
        ]
    return [
        Finding(
            OK,
            check,
            _("shared: the staff's marks are kept under %(team)s, nobody's key.", team=repr(team)),
        )
    ]


def run_checks(subjects: Subjects) -> list[Finding]:
    """Every check, in the order the report shows them."""
    from . import doctor_hooks, doctor_layouts, doctor_questions, doctor_setup, doctor_vendors

    try:
        return [
            *doctor_hooks.check_hooks(subjects),
            *doctor_vendors.check_vendors(subjects),
            *doctor_questions.check_questions(),
            *doctor_setup.check_mail_sender(),
            *doctor_setup.check_mail_urls(subjects),
            *doctor_layouts.check_layouts(),
            *doctor_setup.check_schema(),
            *doctor_setup.check_rate_limit(),
            *check_read_state(),
            *doctor_setup.check_retired_keys(),
        ]
    finally:
        ext.db.session.rollback()  # whatever a hook may have left pending
