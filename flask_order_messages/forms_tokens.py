"""The access tokens page's forms: a new token's name, scope and days; revoking one."""

from __future__ import annotations

from wtforms import HiddenField, StringField

from .forms import OrderMessagesForm


class TokenForm(OrderMessagesForm):
    """A new personal access token (``access_tokens.create_token`` checks every field)."""

    name = StringField()
    scope = StringField()
    days = StringField()


class RevokeTokenForm(OrderMessagesForm):
    """The "Revoke" button of one token (``access_tokens.get_token`` checks the id is theirs)."""

    token_id = HiddenField()
