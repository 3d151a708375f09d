"""`flask dialog ...`: migrate, reindex, create-admin, seed-demo, serve, prune-events, events, db-revision."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from dialog.extensions import db

group = AppGroup("dialog", help="Smart City Dialog administration.")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config():  # type: ignore[no-untyped-def]
    """Alembic configuration pointing at our migrations and the app's database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    return config


def migrate_database() -> str:
    """Bring the schema to the newest migration, make sure the event log has its epoch, fill an empty search index."""
    from alembic import command

    from events import init_log
    from services.search import is_empty, rebuild

    command.upgrade(alembic_config(), "head")
    with db.write() as session:
        # A database from before search has content but no index yet (new content indexes itself).
        if is_empty(session):
            rebuild(session)
        return init_log(session)


@group.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema (Alembic) and initialise the event log."""
    from sqlalchemy.exc import OperationalError

    try:
        epoch = migrate_database()
    except OperationalError as exc:
        raise click.ClickException(f"cannot reach the database: {exc.orig or exc}") from exc
    click.echo(f"database at the newest migration; event log epoch {epoch}")


@group.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the news, calls, projects and forum tables."""
    from services.search import rebuild

    with db.write() as session:
        counts = rebuild(session)
    entries = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    click.echo(f"search index rebuilt; entries (one per item and language): {entries}")


@group.command("db-revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    from alembic import command

    command.revision(alembic_config(), message=message, autogenerate=True)


@group.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", default="Administrator", show_default=True)
@click.option("--password", envvar="DIALOG_ADMIN_PASSWORD", help="or DIALOG_ADMIN_PASSWORD; prompted if absent")
def create_admin_command(email: str, name: str, password: str | None) -> None:
    """Create an admin account."""
    from services.errors import DomainError
    from services.identity import create_member

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with db.write() as session:
            member = create_member(session, email=email, name=name, password=password, role="admin")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"admin {member.email} created (id {member.id})")


@group.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="only when the database has no members yet")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo data (members and news from the programme documents)."""
    from dialog import demo

    with db.write() as session:
        if if_empty and demo.has_data(session):
            click.echo("database has data; demo not loaded")
            return
        created = demo.seed(session)
    click.echo(f"demo data loaded: {created}; demo accounts use the password {demo.DEMO_PASSWORD!r}")


@group.command("scheduler")
@click.option("--once", is_flag=True, help="run one tick now and exit (for cron or a check)")
@click.option("--tick-seconds", type=float, default=None, help="default DIALOG_SCHEDULER_TICK_SECONDS")
def scheduler_command(once: bool, tick_seconds: float | None) -> None:
    """Open and close calls, send reminders, publish scheduled news: forever, or `--once`."""
    import logging
    from datetime import timedelta

    from dialog import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if once:
        window = timedelta(hours=current_app.config["REMINDER_WINDOW_HOURS"])
        report = scheduler.run_tick(window, lock=scheduler.scheduler_lock(current_app))
        if report is None:
            click.echo("another scheduler is running; nothing done")
        else:
            click.echo(f"handled {len(report.handled)}, failed {len(report.failed)}")
        return
    blocking = scheduler.build(current_app, blocking=True, tick_seconds=tick_seconds)
    seconds = tick_seconds or current_app.config["SCHEDULER_TICK_SECONDS"]
    click.echo(f"scheduler running (tick every {seconds}s, pid {os.getpid()}); Ctrl-C stops it", err=True)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        blocking.start()


@group.command("prune-events")
def prune_command() -> None:
    """Delete events older than the retention setting."""
    from dialog.realtime import realtime_of

    watermark = realtime_of(current_app).prune_now()
    click.echo(f"events up to id {watermark} are pruned")


@group.command("events")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="write to this file")
def events_command(fmt: str, output: Path | None) -> None:
    """List every event type with its topics, description and the JSON Schema of its data."""
    from events import catalog, registry

    if fmt == "json":
        text = catalog.as_json(registry)
    elif fmt == "markdown":
        text = catalog.as_markdown(registry)
    else:
        text = catalog.as_text(registry)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(registry.types)} event types written to {output}")


@group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host: str, port: int) -> None:
    """Serve with Flask-SocketIO's own server (development and tests; production uses gunicorn)."""
    from dialog.extensions import socketio
    from dialog.realtime import realtime_of
    from dialog.realtime.engineio import server_options
    from dialog.scheduler import start_embedded

    realtime_of(current_app).start()
    start_embedded(current_app)
    # Flask ignores app.run() inside its own CLI; this command is the one place that should run.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f"serving on http://{host}:{port} (async mode {socketio.server.async_mode}, pid {os.getpid()})")
    socketio.run(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        host=host,
        port=port,
        use_reloader=False,
        log_output=False,
        allow_unsafe_werkzeug=True,
        # Under gevent: a server that lets idle WebSocket sessions live without a greenlet each.
        **server_options(socketio.server.async_mode),
    )


def register(app: Flask) -> None:
    """Add the `dialog` command group to the app's CLI."""
    app.cli.add_command(group)
