"""The words of a thread's events, written when someone reads them, in that person's language.

An event (assigned, status set, dispute closed, question linked) keeps its kind (the message's
``event``) and its parameters (``event_args``, JSON: the names, the status, the outcome...).
Pages, the API and mails write its sentence from them through the catalogue, in the reader's
language (a mail: its recipient's).  Its ``body`` keeps the same words in the shop's language,
for keyword search and for anyone reading the table.  An event written before the parameters
were kept (``event_args`` NULL) shows its stored body.

The sentence is "our words"; a person's note on a closed dispute is "their words", shown as
they wrote it (:func:`entry_words`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .i18n import gettext as _
from .i18n import lazy_gettext, lazy_pgettext, ngettext
from .models import EVENT_DISPUTE_CLOSED
from .models_team import EVENT_ASSIGNED, EVENT_STATUS, EVENT_UNASSIGNED, STATUS_CLOSED, STATUS_OPEN

#: A pre-sale question's thread was linked to an order.
EVENT_LINKED = "question_linked"

#: Each outcome of a dispute in words.
OUTCOME_LABELS = {
    "resolved_for_customer": lazy_gettext("Resolved for the customer"),
    "resolved_for_store": lazy_gettext("Resolved for the store"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "expired": lazy_pgettext("dispute outcome", "Expired"),
    "resolved": lazy_gettext("Resolved"),
}

#: (our words, their words): the sentence, and what a person wrote with it.
Words = tuple[str, str]


def outcome_label(outcome: str | None) -> str:
    """An outcome in words (``"Resolved for the customer"``); "" for None."""
    if outcome is None:
        return ""
    return str(OUTCOME_LABELS.get(outcome, outcome.replace("_", " ").capitalize()))


def _assigned(args: dict[str, Any]) -> Words:
    if args.get("self"):
        return _("%(name)s assigned this thread to themselves", name=args["name"]), ""
    return _(
        "Assigned to %(assignee)s by %(name)s", assignee=args["assignee"], name=args["name"]
    ), ""


def _unassigned(args: dict[str, Any]) -> Words:
    return _("Unassigned by %(name)s", name=args["name"]), ""


def _status(args: dict[str, Any]) -> Words:
    if args["status"] == STATUS_CLOSED:
        return _("Closed by %(name)s", name=args["name"]), ""
    if args["status"] == STATUS_OPEN:
        return _("Reopened by %(name)s", name=args["name"]), ""
    return _("Set to waiting on customer by %(name)s", name=args["name"]), ""


def _dispute_closed(args: dict[str, Any]) -> Words:
    """The outcome in words, then the note.  A plain "resolved" close keeps the note alone
    (or "Resolved."), a customer's withdrawal reads "Withdrawn by the customer.", and a
    dispute closed for quiet says for how long."""
    outcome, note = args["outcome"], str(args.get("note") or "")
    if outcome == "resolved":
        sentence = "" if note else _("Resolved.")
    elif outcome == "withdrawn" and args.get("by_customer"):
        sentence = _("Withdrawn by the customer.")
    else:
        sentence = _("Outcome: %(outcome)s.", outcome=outcome_label(outcome))
    days = args.get("quiet_days")
    if days:
        sentence = f"{sentence}\n{quiet_note(int(days))}"
    return sentence, note


def quiet_note(days: int) -> str:
    """Why a dispute closed by itself (``expire-disputes``)."""
    return ngettext(
        "Closed automatically: nobody wrote in this thread for %(num)d day.",
        "Closed automatically: nobody wrote in this thread for %(num)d days.",
        days,
    )


def _linked(args: dict[str, Any]) -> Words:
    return _("Linked to order #%(number)s", number=args["number"]), ""


#: How each kind of event with parameters is written.
_WRITERS: dict[str, Callable[[dict[str, Any]], Words]] = {
    EVENT_ASSIGNED: _assigned,
    EVENT_UNASSIGNED: _unassigned,
    EVENT_STATUS: _status,
    EVENT_DISPUTE_CLOSED: _dispute_closed,
    EVENT_LINKED: _linked,
}


def dumps(args: dict[str, Any]) -> str:
    """The ``event_args`` column's text for ``args``."""
    return json.dumps(args, ensure_ascii=False, sort_keys=True)


def _args(entry: Any) -> dict[str, Any] | None:
    raw = getattr(entry, "event_args", None)
    if not raw or getattr(entry, "event", None) not in _WRITERS:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def words_of(event: str, args: dict[str, Any]) -> Words:
    """(our words, their words) of an ``event`` with ``args``, in the current language."""
    return _WRITERS[event](args)


def joined(words: Words) -> str:
    """Both parts as one text, a line apart (either may be empty)."""
    return "\n".join(part for part in words if part)


def event_sentence(entry: Any) -> str:
    """The sentence of an event kept with its parameters, in the reader's language; "" for a
    message or an event kept as text only."""
    args = _args(entry)
    if args is None:
        return ""
    try:
        return words_of(entry.event, args)[0]
    except (KeyError, TypeError, ValueError):  # parameters this version does not read
        return ""


def entry_words(entry: Any) -> str:
    """What a person wrote in ``entry``: a message's body, a closed dispute's note; "" for an
    event whose words are all ours (assigned, linked).  An event kept as text: its body."""
    args = _args(entry)
    if args is None or not event_sentence(entry):
        return str(entry.body)
    return words_of(entry.event, args)[1]


def entry_text(entry: Any) -> str:
    """``entry`` as one text, in the reader's language: the event's sentence and the words a
    person wrote with it; a message's (or text-only event's) body as stored."""
    return joined((event_sentence(entry), entry_words(entry)))
