"""`flask --app wsgi users set-password NAME [--password PW]`: a new password for a user, which
ends every sign-in they have (tokens, cookie sessions and live connections)."""

from __future__ import annotations

import click

from admin.users import set_password
from core.actors import Actor
from core.cli import users_cli
from core.errors import DomainError
from core.extensions import db
from core.live import end_live_sessions


@users_cli.command("set-password")
@click.argument("username")
@click.option(
    "--password",
    default=None,
    help="The new password: at least 8 characters (12 for an admin), not a common one. "
    "Without it you are asked twice, and nothing shows as you type.",
)
def set_password_command(username: str, password: str | None) -> None:
    """Set a user's password (a forgotten one, too); their sign-ins end."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt="Repeat the new password")
    try:
        user = set_password(
            session=db.session, username=username, password=password, by=Actor.system("cli:set-password")
        )
    except DomainError as error:
        db.session.rollback()
        words = error.fields.get("password") if error.fields else None
        raise click.ClickException(words or error.message) from None
    db.session.commit()
    end_live_sessions(user_id=user.id)
    click.echo(f"new password set for {username}; their sign-ins have ended")
