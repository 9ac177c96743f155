"""The notice the Messages list shows after a bulk change, as whole sentences in the reader's
language ("3 threads marked read.", "No threads assigned (...)")."""

from __future__ import annotations

from .i18n import gettext as _
from .i18n import ngettext

#: What a bulk change of the Messages list did (``?marked=<key>&count=<n>``), in English: the
#: words the template added to a count before the notices were sentences of their own.
BULK_DONE = {
    "read": "marked read",
    "unread": "marked unread",
    "assigned": "assigned",
    "unassigned": "unassigned",
    "closed": "closed",
    "open": "reopened",
}


def bulk_notice(action: str, count: int, ticked: int | None = None) -> str:
    """The notice after bulk change ``action`` (a key of :data:`BULK_DONE`) of ``count``
    threads, of the ``ticked`` ones (None: of all threads).  None ticked: the change was
    refused, and the notice says to tick some first (see :func:`nothing_ticked`); some left
    as they were: it says how many, and why."""
    if nothing_ticked(ticked):
        return _("Tick the threads to change first.")
    if not count:
        return _none_done(action)
    done = _done(action, count)
    if ticked is None or ticked <= count:
        return done
    return f"{done} {_skipped(action, ticked - count)}"


def nothing_ticked(ticked: int | None) -> bool:
    """Whether a bulk change of the ticked threads had none ticked (a warning, not a success)."""
    return ticked == 0


def _skipped(action: str, skipped: int) -> str:
    if action == "unread":
        return ngettext(
            "%(num)d selected thread has no message from someone else, so it stays read.",
            "%(num)d selected threads have no message from someone else, so they stay read.",
            skipped,
        )
    if action == "read":
        return ngettext(
            "%(num)d selected thread was left as it was.",
            "%(num)d selected threads were left as they were.",
            skipped,
        )
    return ngettext(
        "%(num)d selected thread was so already.",
        "%(num)d selected threads were so already.",
        skipped,
    )


def _done(action: str, count: int) -> str:
    if action == "read":
        return ngettext("%(num)d thread marked read.", "%(num)d threads marked read.", count)
    if action == "unread":
        return ngettext("%(num)d thread marked unread.", "%(num)d threads marked unread.", count)
    if action == "assigned":
        return ngettext("%(num)d thread assigned.", "%(num)d threads assigned.", count)
    if action == "unassigned":
        return ngettext("%(num)d thread unassigned.", "%(num)d threads unassigned.", count)
    if action == "closed":
        return ngettext("%(num)d thread closed.", "%(num)d threads closed.", count)
    return ngettext("%(num)d thread reopened.", "%(num)d threads reopened.", count)


def _none_done(action: str) -> str:
    if action == "read":
        return _("No threads marked read.")
    if action == "unread":
        return _("No threads marked unread (only threads with someone else's messages can be).")
    if action == "assigned":
        return _("No threads assigned (the ticked ones were so already).")
    if action == "unassigned":
        return _("No threads unassigned (the ticked ones were so already).")
    if action == "closed":
        return _("No threads closed (the ticked ones were so already).")
    return _("No threads reopened (the ticked ones were so already).")
