"""The webhooks page's form: a new endpoint's URL, description and events."""

from __future__ import annotations

from wtforms import SelectMultipleField, StringField

from .forms import OrderMessagesForm


class WebhookEndpointForm(OrderMessagesForm):
    """A new endpoint (the service checks every field)."""

    url = StringField()
    description = StringField()
    # Checked by services.webhooks.clean_events, which names an unknown event.
    events = SelectMultipleField(choices=[], validate_choice=False)
