"""The forms of staff presence (see :mod:`.services.presence`), beside :mod:`.forms`: a page's
heartbeat and the Messages list's live query."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict
from wtforms import Field, StringField
from wtforms.validators import StopValidation

from .errors import ValidationError
from .forms import OrderMessagesForm, ThreadIdsField
from .i18n import gettext as _
from .services.presence import STATES

#: Most rows the Messages list asks presence for at once.
MAX_PRESENCE_THREADS = 200


def _state(form: Any, field: Field) -> None:
    """One of :data:`STATES` ("viewing" when empty); the refusal does not repeat what came."""
    if field.data in (None, ""):
        field.data = STATES[0]
    elif field.data not in STATES:
        raise StopValidation(
            _("A heartbeat's state is one of: %(states)s.", states=", ".join(STATES))
        )


class PresenceForm(OrderMessagesForm):
    """A staff page's heartbeat: ``{"state": "viewing" | "replying" | "gone"}`` (JSON, or a
    form body)."""

    state = StringField(validators=[_state])

    @classmethod
    def from_request(cls) -> Any:
        """From the JSON object the page's script posts (a form body works too)."""
        if not request.is_json:
            return cls(formdata=request.form)
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise ValidationError(_('Send a JSON object such as {"state": "viewing"}.'), "state")
        state = payload.get("state", "")
        # Whatever else came is not looked at; a state that is no text is refused as unknown.
        value = state if isinstance(state, str) else type(state).__name__
        return cls(formdata=MultiDict([("state", value[:40])]))


def _few_threads(form: Any, field: Field) -> None:
    if len(field.data or []) > MAX_PRESENCE_THREADS:
        raise StopValidation(
            _("Ask for at most %(limit)s threads at once.", limit=MAX_PRESENCE_THREADS)
        )


class PresenceQuery(OrderMessagesForm):
    """The Messages list's live presence: ``?thread=<id>&thread=<id>...``, the rows shown."""

    thread = ThreadIdsField(validators=[_few_threads])

    @classmethod
    def from_request(cls) -> Any:
        return cls(formdata=request.args)
