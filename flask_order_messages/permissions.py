"""Staff permissions (X-Cart's "manage conversations", in five): which staff members may read
messages, answer, manage disputes and manage canned replies.

The host's ``staff_permission(user, permission) -> bool`` hook answers for one staff member
and one permission of :data:`PERMISSIONS`; without it, every staff member may do everything.

- ``read``: the bell, the Messages section, the order tab and panel, the thread pages, the JSON
  counts and entries, attachments, the response-time page; marking threads read or unread.
- ``answer``: replies and staff-only notes (and their kept drafts), assignment and status.
- ``disputes``: opening, closing and reopening disputes, and their outcomes.
- ``canned``: the canned replies' pages (list, add, edit, delete).  Inserting one into a reply
  needs ``answer`` only.
- ``webhooks``: the webhooks page (add, turn off, delete endpoints, send a test, see deliveries).

``read`` opens the rest: ``answer``, ``disputes`` and ``canned`` each need it as well
(:func:`needed`), so a staff member without it is refused everything.

Each page and action of the extension checks through ``views.common.require_staff``; what does
not come through a view (a staff member's reply by mail, which ``receive-mail``,
``fetch-mail`` and the inbound hook post) through :func:`require`.  The hook is asked at most
once per staff member and permission in a request (the answers stay with the request), so a
page asks it at most five times whatever it shows; outside a request, once per
:class:`Granted`.  Customers are never asked about: these are staff permissions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import has_request_context, request

from .errors import NotAllowedError
from .i18n import lazy_gettext
from .state import current_order_messages as ext

READ = "read"
ANSWER = "answer"
DISPUTES = "disputes"
CANNED = "canned"
WEBHOOKS = "webhooks"
#: Every permission the hook is asked about, ``read`` first.
PERMISSIONS = (READ, ANSWER, DISPUTES, CANNED, WEBHOOKS)

#: The refusal for each permission: what it lets a staff member do (whole sentences).
ALLOWS = {
    READ: lazy_gettext(
        "Your account cannot read customers' messages: it lacks the “read” permission for "
        "messages. Ask the shop's administrator if you need it."
    ),
    ANSWER: lazy_gettext(
        "Your account cannot answer customers, add staff-only notes, assign threads or set "
        "their status: it lacks the “answer” permission for messages. Ask the shop's "
        "administrator if you need it."
    ),
    DISPUTES: lazy_gettext(
        "Your account cannot open, close or reopen disputes: it lacks the “disputes” "
        "permission for messages. Ask the shop's administrator if you need it."
    ),
    CANNED: lazy_gettext(
        "Your account cannot add, edit or delete canned replies: it lacks the “canned” "
        "permission for messages. Ask the shop's administrator if you need it."
    ),
    WEBHOOKS: lazy_gettext(
        "Your account cannot manage webhooks: it lacks the “webhooks” permission for "
        "messages. Ask the shop's administrator if you need it."
    ),
}
#: Under a thread its reader may not answer.
READ_ONLY_NOTE = lazy_gettext(
    "You can read this conversation; answering it needs the “answer” permission."
)
#: The answer to a staff member's reply by mail without the ``answer`` permission.
MAIL_REFUSED = lazy_gettext(
    "Your account may not answer customers (it lacks the “answer” permission for messages), "
    "so your mail was not added to the conversation."
)

#: Where a request keeps the hook's answers: {user key: {permission: bool}}.
_ANSWERS = "flask_order_messages.permissions"


def refusal(permission: str) -> str:
    """The sentence a staff member without ``permission`` gets (a page, a form, JSON)."""
    return str(ALLOWS[permission])


class PermissionDenied(NotAllowedError):
    """A staff member lacks ``permission``: a 403 that names it.  Nothing was saved."""

    def __init__(self, permission: str) -> None:
        super().__init__(refusal(permission))
        self.permission = permission


def needed(permission: str) -> tuple[str, ...]:
    """What an action guarded by ``permission`` needs: ``read``, and ``permission`` itself."""
    if permission not in ALLOWS:
        raise ValueError(
            f"Unknown staff permission {permission!r}: one of {', '.join(PERMISSIONS)}."
        )
    return (READ,) if permission == READ else (READ, permission)


def ask(user: Any, permission: str) -> bool:
    """The hook's answer for staff member ``user`` and ``permission`` (not kept).  A hook that
    raises, or answers anything but True or False, is an error that names it: never taken
    for a yes, nor silently for a no."""
    try:
        answer = ext.hooks.staff_permission(user, permission)
    except Exception as exc:
        raise RuntimeError(
            f"The 'staff_permission' hook raised {type(exc).__name__} ({str(exc):.160}) when "
            f"asked whether user {ext.user_key(user)!r} may {permission!r}. It must answer "
            f"True or False for every staff member and each of {', '.join(PERMISSIONS)}."
        ) from exc
    if not isinstance(answer, bool):
        raise TypeError(
            "The 'staff_permission' hook must return True or False; it returned "
            f"{type(answer).__name__} {answer!r:.60} for user {ext.user_key(user)!r} and "
            f"{permission!r}. Wrap the test in bool(...)."
        )
    return answer


class Granted:
    """What one person may do: ``granted.answer`` in templates, ``granted(ANSWER)`` in code
    (both with ``read``, see :func:`needed`).  Each answer is asked for when first needed."""

    def __init__(self, answer: Callable[[str], bool]) -> None:
        self._answer = answer

    def missing(self, permission: str) -> str | None:
        """The first permission an action guarded by ``permission`` needs and lacks, or None."""
        return next((p for p in needed(permission) if not self._answer(p)), None)

    def __call__(self, permission: str) -> bool:
        return self.missing(permission) is None

    @property
    def read(self) -> bool:
        return self(READ)

    @property
    def answer(self) -> bool:
        return self(ANSWER)

    @property
    def disputes(self) -> bool:
        return self(DISPUTES)

    @property
    def canned(self) -> bool:
        return self(CANNED)

    @property
    def webhooks(self) -> bool:
        return self(WEBHOOKS)


#: For whom nobody asks: a customer, on their side of a thread.
EVERYTHING = Granted(lambda permission: True)
#: For anyone not staff, in the host's templates.
NOTHING = Granted(lambda permission: False)


def granted(user: Any) -> Granted:
    """Staff member ``user``'s permissions, each asked of the hook once per request."""
    answers: dict[str, bool] = {}
    if has_request_context():
        by_user: dict[Any, dict[str, bool]] = request.environ.setdefault(_ANSWERS, {})
        answers = by_user.setdefault(ext.user_key(user), {})

    def answer(permission: str) -> bool:
        if permission not in answers:
            answers[permission] = ask(user, permission)
        return answers[permission]

    return Granted(answer)


def of_actor(actor: Any) -> Granted:
    """An :class:`~.services.Actor`'s permissions: a staff member's, or :data:`EVERYTHING`
    for a customer (no staff permission applies to them)."""
    return granted(actor.user) if actor.is_staff else EVERYTHING


def may(actor: Any, permission: str) -> bool:
    """Whether ``actor`` may do what ``permission`` guards (a customer: always)."""
    return of_actor(actor)(permission)


def require(actor: Any, permission: str) -> None:
    """The check of every path: raise :class:`PermissionDenied`, naming the permission
    staff member ``actor`` lacks for what ``permission`` guards; nothing for a customer.
    Call it before anything is written."""
    lacking = of_actor(actor).missing(permission)
    if lacking is not None:
        raise PermissionDenied(lacking)


def _logged_in() -> Any | None:
    from flask_login import current_user

    return current_user if getattr(current_user, "is_authenticated", False) else None


def staff_who_reads(user: Any | None) -> bool:
    """Whether ``user`` is staff with the "read" permission: the staff partials are for them."""
    return ext.is_staff(user) and granted(user).read


def staff_who_cannot_read(user: Any | None) -> bool:
    """Whether ``user`` is staff without the "read" permission: every staff partial is empty
    for them (the host's page shows no error, and nothing of the messages)."""
    return ext.is_staff(user) and not granted(user).read


class PermissionPartials:
    """What the ``order_messages`` template object tells a host's templates of permissions,
    to hide its own links: ``{% if order_messages.staff_may("read") %}``."""

    def staff_may(self, permission: str) -> bool:
        """Whether the logged-in user is staff and may do what ``permission`` guards."""
        return self.staff_permissions()(permission)

    def staff_permissions(self) -> Granted:
        """The logged-in staff member's :class:`Granted` (``.read``, ``.answer``, ...);
        :data:`NOTHING` for anyone else."""
        user = _logged_in()
        return granted(user) if ext.is_staff(user) else NOTHING

    def webhooks_link(self) -> bool:
        """Whether the logged-in user manages webhooks (the Messages section links there):
        webhooks on, staff with the permission, and not a marketplace vendor's staff."""
        from .services.vendors import staff_vendor
        from .state import current_settings

        user = _logged_in()
        if not current_settings.webhooks.enabled or not ext.is_staff(user):
            return False
        return granted(user).webhooks and staff_vendor(user) is None

    @property
    def read_only_note(self) -> str:
        """The line under a thread its staff reader may not answer."""
        return str(READ_ONLY_NOTE)
