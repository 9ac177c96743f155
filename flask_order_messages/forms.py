"""Every form of the blueprint, declared with WTForms (through Flask-WTF).

A form reads its request's fields and checks what is about their shape: a choice is one of
its choices, a page or an id a whole number, a search not too long.  The rules about the
text itself (empty, too long, control characters) and the files (types, sizes) stay in the
services, which the JSON API and host code call too; a service's refusal is put back on the
form with :meth:`OrderMessagesForm.refuse`, so it shows beside the field it is about and the
typed text comes back with it.

CSRF: the forms do not check the token themselves.  The blueprint checks every POST once,
before any view runs (``views._check_csrf``: the ``csrf_token`` field or the ``X-CSRFToken``
header), whether or not the host also runs ``CSRFProtect`` app-wide; a second check here would
only validate the same token twice.  The templates still render the token field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import StopValidation

from .errors import OrderMessagesError, ValidationError
from .i18n import gettext as _
from .notices import BULK_DONE
from .services.assignment import VIEWS
from .services.common import strip_controls
from .services.listing import THREAD_FILTERS
from .services.status import STATUS_FILTERS
from .services.targets import DUE_FILTERS

#: Longest search the Messages section takes, in characters.
MAX_QUERY_LENGTH = 200
#: Highest page number the Messages section takes.
MAX_PAGE = 1_000_000
#: Thread ids are database integers.
MAX_ID = 2**31 - 1


# Flask-WTF and WTForms ship no type information: their classes are Any to mypy.


class OrderMessagesForm(FlaskForm):  # type: ignore[misc]
    """The base of the extension's forms: no CSRF of its own (see the module's docstring)."""

    class Meta:
        csrf = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self._fields.values():
            field.errors = []  # a list from the start, so templates can join them to others

    @classmethod
    def from_request(cls) -> Any:
        """The form as posted: its fields and files.  (Named explicitly: Flask-WTF's own
        default would also read a JSON body, which no form of ours takes.)"""
        return cls(formdata=CombinedMultiDict((request.files, request.form)))

    def first_error(self) -> ValidationError | None:
        """The first refusal, in the order of the fields, as the services raise it."""
        for name, field in self._fields.items():
            if field.errors:
                return ValidationError(str(field.errors[0]), name)
        if self.form_errors:
            return ValidationError(str(self.form_errors[0]), "")
        return None

    def check(self) -> None:
        """Validate; the first refusal is raised as a :class:`ValidationError` (a 400 page
        that says why, as for any refused parameter)."""
        if not self.validate():
            error = self.first_error()
            assert error is not None  # a form that does not validate has an error
            raise error

    def refuse(self, exc: OrderMessagesError) -> str:
        """Put a service's refusal beside the field it is about (the whole form's when it is
        about none of its fields, e.g. a dispute's state); returns that field's name, or ""."""
        name = getattr(exc, "field", "")
        field = self._fields.get(name) if name else None
        if field is None:
            self.form_errors.append(exc.message)
            return ""
        field.errors = [*field.errors, exc.message]
        return str(name)


# -- fields and checks ---------------------------------------------------------------------


def _one_of(name: str, choices: Sequence[str]) -> Callable[[Any, Field], None]:
    """Validator: the field's value is one of ``choices``; empty means the first."""

    def check(form: Any, field: Field) -> None:
        if field.data in (None, ""):
            field.data = choices[0]
        elif field.data not in choices:
            raise StopValidation(
                _(
                    "Unknown %(name)s %(data)s; use one of: %(choices)s.",
                    name=name,
                    data=repr(field.data),
                    choices=", ".join(choices),
                )
            )

    return check


def _without_controls(text: Any) -> Any:
    return strip_controls(text, keep_blank=True) if isinstance(text, str) else text


def _short_search(form: Any, field: Field) -> None:
    if len(field.data or "") > MAX_QUERY_LENGTH:
        raise StopValidation(
            _(
                "This search is too long: %(length)s characters, at most %(limit)s are taken. "
                "Search for a few words or an order number.",
                length=format(len(field.data), ","),
                limit=MAX_QUERY_LENGTH,
            )
        )


def _whole_number(name: str) -> Callable[[Any, Field], None]:
    """Validator: empty, or a whole number from 0 to :data:`MAX_ID`."""

    def check(form: Any, field: Field) -> None:
        if field.data in (None, ""):
            return
        if not str(field.data).isdigit() or int(field.data) > MAX_ID:
            raise StopValidation(_("The %(name)s must be a whole number.", name=name))

    return check


class PageField(Field):  # type: ignore[misc]
    """A page number: 1 when empty; else a whole number from 1 to :data:`MAX_PAGE`."""

    data: int

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0] in (None, ""):
            self.data = 1
            return
        try:
            self.data = int(valuelist[0])
        except (TypeError, ValueError):
            self.data = 1
            raise ValueError(_("The page must be a whole number.")) from None

    def pre_validate(self, form: Any) -> None:
        if self.process_errors or self.data is None:
            return
        if not 1 <= self.data <= MAX_PAGE:
            raise StopValidation(_("The page must be between 1 and 1,000,000."))

    def _value(self) -> str:
        return str(self.data or 1)


class ThreadIdsField(Field):  # type: ignore[misc]
    """The ticked rows of the Messages section: thread ids, whole numbers."""

    data: list[int]

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = [int(x) for x in valuelist]
        except (TypeError, ValueError):
            self.data = [-1]  # refused in pre_validate, with the same words as an id out of range

    def pre_validate(self, form: Any) -> None:
        if getattr(form, "scope", None) is not None and form.scope.data != "selected":
            return  # "all" takes no ids; whatever came along is not looked at
        if any(not 1 <= i <= MAX_ID for i in self.data or []):
            raise StopValidation(_("Thread ids must be whole numbers."))


# -- the Messages section -------------------------------------------------------------------


class MessagesQuery(OrderMessagesForm):
    """The Messages section's search box, filter and page (its query string)."""

    q = StringField(default="", filters=[_without_controls], validators=[_short_search])
    filter = StringField(validators=[_one_of("filter", THREAD_FILTERS)])
    #: Response targets: "overdue" lists only the threads whose reply is overdue.
    due = StringField(validators=[_one_of("due", ("", *DUE_FILTERS))])
    page = PageField()
    #: Back from a bulk mark (see :class:`MarkForm`): what it did, to say so on the list.
    marked = StringField(validators=[_one_of("marked", ("", *BULK_DONE))])
    count = StringField(validators=[_whole_number("count")])
    of = StringField(validators=[_whole_number("of")])  # how many were ticked

    def marked_notice(self) -> tuple[str, int, int | None] | None:
        """(what was done, to how many threads, of how many ticked or None) or None."""
        if not self.marked.data:
            return None
        ticked = int(self.of.data) if self.of.data else None
        return str(self.marked.data), int(self.count.data or 0), ticked

    # Team inbox: whose threads ("all" first: a shop that never assigns sees them all), and
    # which statuses ("active", not closed, first).
    view = StringField(validators=[_one_of("view", VIEWS)])
    status = StringField(validators=[_one_of("status", STATUS_FILTERS)])
    #: Marketplaces: the marketplace staff's vendor filter (an unknown key finds nothing).
    vendor = StringField(default="", filters=[_without_controls])

    @property
    def narrowed_by_team(self) -> bool:
        """Whether the view or the status filter leaves some threads out."""
        return bool(self.view.data != "all" or self.status.data != "all")

    @classmethod
    def from_request(cls) -> Any:
        """Read from the query string (a GET form).  The parameters of a feature that is off
        are left out, whatever they say (a bookmarked ``?view=mine`` lists every thread): the
        view while assignment is off, the status filter while statuses are off (every status
        is listed), the reply filter while response targets are off."""
        from .state import current_settings

        off = {
            "view": not current_settings.team.assignment,
            "status": not current_settings.team.status,
            "due": not current_settings.targets.enabled,
        }
        args = MultiDict([(k, v) for k, v in request.args.items(multi=True) if not off.get(k)])
        if off["status"]:
            args["status"] = "all"
        return cls(formdata=args)


class MarkForm(OrderMessagesForm):
    """Mark threads read or unread: the ticked ones (``scope=selected``) or all of them.  The
    list's search, filter and page ride along, to go back to the same list."""

    action = StringField(validators=[_one_of("action", ("read", "unread"))])
    scope = StringField(validators=[_one_of("scope", ("selected", "all"))])
    thread_id = ThreadIdsField()
    q = HiddenField(filters=[_without_controls], validators=[_short_search])
    filter = HiddenField()
    page = HiddenField()
    view = HiddenField()
    due = HiddenField()
    status = HiddenField()
    vendor = HiddenField()

    @classmethod
    def from_request(cls) -> Any:
        """The buttons name the scope in their ``formaction`` query; the rest is the form."""
        return cls(formdata=CombinedMultiDict((request.args, request.form)))

    def thread_ids(self) -> list[int] | None:
        """The ids to mark, or None for every thread."""
        return list(self.thread_id.data or []) if self.scope.data == "selected" else None

    def list_params(
        self, marked: int | None = None, done: str = "", ticked: int | None = None
    ) -> dict[str, str]:
        """The list's query to go back to, saying what was done (``forms_list.back_params``)."""
        from .forms_list import back_params

        return back_params(self, marked, done or self.action.data, ticked)


class ConfirmForm(OrderMessagesForm):
    """A button and nothing else ("Mark unread" on a thread, "Delete" a canned reply)."""


# -- a thread ----------------------------------------------------------------------------------


class _ReturnsForm(OrderMessagesForm):
    #: The page the form was on, to go back to (checked with ``safe_next`` where it is used).
    next = HiddenField()


class MessageForm(_ReturnsForm):
    """The reply box: the text, files, and (staff) which of the two buttons."""

    body = TextAreaField()
    #: Named as ``services.attachments.FIELD`` (``files``), where the file checks live.
    files = MultipleFileField()
    #: "note" when staff pressed "Add staff-only note"; empty for "Send".
    kind = HiddenField()

    #: Staff: the id of the newest entry its writer had seen (``services.confirm``).
    seen_id = HiddenField()
    #: "1" from "Send anyway", the answer to ``services.confirm``'s question.
    confirm = HiddenField()

    def wants_note(self, side: str) -> bool:
        """Whether staff pressed "Add staff-only note" (customers have no such button)."""
        return side == "staff" and self.kind.data == "note"

    def seen(self) -> int | None:
        """The entry id the writer had seen: None when the form carries none (a form from
        before, or the host's own); 0 for anything that is not one, so every entry by
        someone else asks again."""
        raw = self.seen_id.data
        if raw in (None, ""):
            return None
        text = str(raw).strip()
        ok = text.isascii() and text.isdigit() and len(text) <= 18
        return int(text) if ok else 0


class GuestReplyForm(OrderMessagesForm):
    """The reply box of the page a guest link in a customer's mail opens."""

    body = TextAreaField()
    files = MultipleFileField()


class _PanelForm(_ReturnsForm):
    #: "1" when posted from the thread panel's dialog, whose refusals go back to the panel.
    from_panel = HiddenField()

    @property
    def posted_from_panel(self) -> bool:
        """Whether the thread panel's dialog sent it (rather than the extension's own page)."""
        return bool(self.from_panel.data == "1")


class AssignForm(_ReturnsForm):
    """Assign a thread: a staff member's key, "me", or empty for nobody."""

    assignee = StringField()
    #: "1" from the "Assign to me" button.
    to_me = HiddenField()

    def chosen(self) -> str:
        """Who to assign to, as ``services.assignment.assign`` takes it."""
        return "me" if self.to_me.data == "1" else str(self.assignee.data or "")


class StatusForm(_ReturnsForm):
    """Set a thread's status by hand."""

    status = StringField(validators=[_one_of("status", ("open", "waiting", "closed"))])


class DisputeOpenForm(_PanelForm):
    """Open a dispute: the reason."""

    reason = TextAreaField()


class DisputeCloseForm(_PanelForm):
    """Close (staff, with an outcome when outcomes are on) or withdraw (customer) a dispute."""

    outcome = StringField()
    note = TextAreaField()


class DisputeReopenForm(_PanelForm):
    """Reopen the last closed dispute, with an optional note."""

    note = TextAreaField()


# -- canned replies ---------------------------------------------------------------------------


class CannedReplyForm(OrderMessagesForm):
    """A canned reply's title and text (new or edited); a marketplace's: shared with vendors."""

    title = StringField()
    body = TextAreaField()
    shared = BooleanField()


class QuestionForm(_ReturnsForm):
    """ "Ask a question about this product": the product's key (checked by the service) and
    the question."""

    product_key = HiddenField()
    body = TextAreaField()


class LinkOrderForm(OrderMessagesForm):
    """ "Link to order": the key of one of the question's customer's orders."""

    order_id = StringField()
