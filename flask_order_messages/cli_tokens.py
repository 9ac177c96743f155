"""``flask order-messages create-token`` and ``revoke-token``: the JSON API's personal access
tokens, for integrations (see docs/api.md)."""

from __future__ import annotations

import click

from .i18n import gettext as _


@click.command("create-token")
@click.option("--user", "user_key", required=True, help="The user's key (staff or customer).")
@click.option(
    "--scope", type=click.Choice(["read", "write"]), required=True, help="What it may do."
)
@click.option(
    "--days", type=click.IntRange(min=1), default=None, help="Days it lasts (default 90)."
)
@click.option("--name", default="", help="A name to tell it apart by.")
def create_token(user_key: str, scope: str, days: int | None, name: str) -> None:
    """Make a personal access token for the JSON API and print it (once: only its hash is
    kept).  It acts as the user: a staff member's permissions and vendor, a customer's own
    orders."""
    from .access_tokens import create_token as make
    from .errors import ValidationError
    from .state import current_order_messages as ext
    from .transactions import unit_of_work

    user = _user(user_key)
    try:
        with unit_of_work():
            made = make(user, scope=scope, days=days, name=name or "CLI")
            expires = made.token.expires_at
    except ValidationError as exc:
        raise click.ClickException(exc.message) from None
    until = f"{expires:%Y-%m-%d %H:%M}"
    if ext.is_staff(user):
        said = _(
            "A %(scope)s token for staff member %(user)s, until %(until)s UTC. Copy it now: it "
            "is not shown again.",
            scope=scope,
            user=user_key,
            until=until,
        )
    else:
        said = _(
            "A %(scope)s token for customer %(user)s, until %(until)s UTC. Copy it now: it is "
            "not shown again.",
            scope=scope,
            user=user_key,
            until=until,
        )
    click.echo(made.secret)
    click.echo(said, err=True)


@click.command("revoke-token")
@click.option("--user", "user_key", required=True, help="The token's user's key.")
@click.option("--id", "token_id", required=True, help="The token's id.")
def revoke_token(user_key: str, token_id: str) -> None:
    """Revoke one of a user's personal access tokens."""
    from .access_tokens import TokenNotFound, get_token
    from .access_tokens import revoke_token as revoke
    from .state import current_order_messages as ext
    from .transactions import unit_of_work

    user = _user(user_key)
    try:
        with unit_of_work():
            changed = revoke(get_token(token_id, ext.user_key(user)))
    except TokenNotFound as exc:
        raise click.ClickException(exc.message) from None
    click.echo(_("Revoked.") if changed else _("It was revoked already."))


def _user(raw: str) -> object:
    from .state import current_order_messages as ext

    key: object = raw
    try:
        python_type = ext.user_pk.type.python_type
        key = python_type(raw)
    except (NotImplementedError, TypeError, ValueError):
        pass
    user = ext.db.session.get(ext.user_model, key)
    if user is None:
        raise click.ClickException(_("There is no user with the key %(key)s.", key=repr(raw)))
    return user


TOKEN_COMMANDS = (create_token, revoke_token)
