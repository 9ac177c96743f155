"""``flask order-messages create-token`` and ``revoke-token``: the JSON API's personal access
tokens, for integrations (see docs/api.md)."""

from __future__ import annotations

import click

from .i18n import gettext as _


@click.command("create-token")
@click.option(
    "--user", "user_key", required=True, help="The user's key or email address (staff or customer)."
)
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
@click.option("--user", "user_key", required=True, help="The token's user's key or email address.")
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
    """The user named by ``raw``: their key, or (with an ``@``) their email address, found
    as the reply addresses find staff (the ``email`` column, any case)."""
    from .state import current_order_messages as ext

    if "@" in raw:
        found = ext.user_by_email(raw)
        if found is None:
            raise click.ClickException(
                _(
                    "No one user has the email address %(address)s (the user model's 'email' "
                    "column; two users sharing it count as none). %(how)s",
                    address=repr(raw),
                    how=_how_to_find(),
                )
            )
        return found
    key: object = raw
    try:
        python_type = ext.user_pk.type.python_type
        key = python_type(raw)
    except (NotImplementedError, TypeError, ValueError):
        pass
    user = ext.db.session.get(ext.user_model, key)
    if user is None:
        raise click.ClickException(
            _(
                "There is no user with the key %(key)s: --user takes the primary key of "
                "%(model)s (%(column)s) or an email address. %(how)s",
                key=repr(raw),
                model=ext.user_model.__name__,
                column=ext.user_pk.key,
                how=_how_to_find(),
            )
        )
    return user


#: Where a user's key is found, for the error of a user that is not.
def _how_to_find() -> str:
    return _(
        "Find the key with e.g. `flask shell` and "
        "`User.query.filter_by(email=...).one().id`, or make the token on the staff page "
        "Messages → Access tokens."
    )


TOKEN_COMMANDS = (create_token, revoke_token)
