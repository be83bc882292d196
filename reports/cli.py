"""The reports' commands.

* `flask --app wsgi demo history --days 30`: a month of calls and responses for the reports (see
  reports/history.py). It is a `demo` command next to `demo seed` (core/cli.py adds it).
* `flask --app wsgi reports check-facts` and `reports rebuild-facts`: compare the report facts
  with their records, and derive them again (reports/facts.py), for an operator who doubts a
  figure or has changed records outside the service."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from core.clock import now as clock_now
from core.deps import settings_of
from core.extensions import db
from core.ports import ports_of
from reports import facts
from reports.history import HistoryExists, HistoryRefused, make_history
from triage.service import active_questionnaire


@click.command("history")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 366), help="How many days back.")
@click.option("--seed", default=988, show_default=True, type=int, help="Another seed draws other calls.")
@with_appcontext
def history_command(days: int, seed: int) -> None:
    """A month (or --days) of plausible calls and responses in the demo city, all of them over.

    Run `demo seed` first. Once the database has calls from earlier days, this adds nothing."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = settings_of(app)
    tz = ZoneInfo(settings.timezone)
    questionnaire = active_questionnaire(session=db.session, catalogue=app.extensions["triage_catalogue"])
    try:
        result = make_history(
            session=db.session,
            days=days,
            now=clock_now(),
            questionnaire=questionnaire,
            timers=settings.timers,
            areas=ports_of(app).areas,
            tz=tz,
            seed=seed,
        )
    except HistoryExists as error:
        db.session.rollback()
        click.echo(f"Demo history is not added: {error}. Nothing changed.")
        return
    except HistoryRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"Demo history: {result.calls} calls and {result.incidents} incidents from "
        f"{result.first.astimezone(tz):%Y-%m-%d %H:%M} to {result.last.astimezone(tz):%Y-%m-%d %H:%M} "
        f"({settings.timezone}), every response over; {result.followups} follow-ups, "
        f"{result.followups_due} of them still due."
    )


reports_cli = AppGroup("reports", help="The report facts behind every figure.")


@reports_cli.command("check-facts")
def check_facts_command() -> None:
    """Compare the report facts with the records they come from; exits 1 when they differ."""
    drift = facts.drift(db.session.connection())
    db.session.rollback()
    if drift:
        raise click.ClickException(
            f"The report facts differ from their records: {drift}. "
            "Run `flask --app wsgi reports rebuild-facts` to derive them again."
        )
    click.echo("The report facts match their records.")


@reports_cli.command("rebuild-facts")
def rebuild_facts_command() -> None:
    """Derive every report fact again from the records (in one transaction: reports read the old
    facts until it commits)."""
    count = facts.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Rebuilt the report facts: {count} rows.")
