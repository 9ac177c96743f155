"""The Messages list's bulk team-inbox forms: assign or close the ticked threads."""

from __future__ import annotations

from typing import Any

from wtforms import HiddenField, StringField
from wtforms.validators import StopValidation

from .forms import MAX_ID, MarkForm, ThreadIdsField, _one_of
from .i18n import gettext as _


class TickedIdsField(ThreadIdsField):
    """Thread ids that must be there: a bulk change applies to the ticked rows only."""

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            raise StopValidation(_("Tick the threads to change first."))
        if any(not 1 <= i <= MAX_ID for i in self.data):
            raise StopValidation(_("Thread ids must be whole numbers."))


class BulkAssignForm(MarkForm):
    """Assign (or unassign: an empty ``assignee``) the ticked threads of the Messages list."""

    action = HiddenField()
    scope = HiddenField()
    thread_id = TickedIdsField()
    assignee = StringField()
    #: "1" from the "Unassign" button.
    unassign = HiddenField()

    def chosen(self) -> str:
        """Who to assign to, as ``services.assignment.assign_threads`` takes it."""
        return "" if self.unassign.data == "1" else str(self.assignee.data or "")


class BulkStatusForm(MarkForm):
    """Close or reopen the ticked threads of the Messages list."""

    action = HiddenField()
    scope = HiddenField()
    thread_id = TickedIdsField()
    new_status = StringField(validators=[_one_of("status", ("closed", "open"))])
