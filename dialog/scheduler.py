"""The scheduler entry point: APScheduler 3 runs `services.scheduling.tick` every few seconds.

APScheduler only provides the heartbeat. Correctness lives in the database (see
services/scheduling.py): every tick looks at what is due *now*, so a tick that was missed,
a process that was down, or a second scheduler elsewhere changes nothing. The job is
coalesced (a backlog of missed runs becomes one run), never runs twice at once in a process,
and has no misfire grace limit (a late run still runs instead of being dropped silently).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from dialog.extensions import db
from dialog.scheduler_lock import SchedulerLock
from events import utcnow
from services.mail import MailSettings, send_due, transport_from_url
from services.notifications import DEFAULT_MISSED_DELAY
from services.scheduling import TickReport, tick
from services.webhooks import DeliveryPolicy, deliver_due

log = logging.getLogger("dialog.scheduler")
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def run_tick(
    reminder_window: timedelta,
    now: datetime | None = None,
    lock: SchedulerLock | None = None,
    missed_delay: timedelta = DEFAULT_MISSED_DELAY,
) -> TickReport | None:
    """One tick at `now` (default: the current time), unless another scheduler holds `lock`."""
    if lock is not None and not lock.held():
        return None
    report = tick(db, now or utcnow(), reminder_window=reminder_window, missed_delay=missed_delay)
    for kind, item_id, outcome in report.handled:
        log.info("scheduler: %s %s %s", kind, item_id, outcome)
    for kind, item_id in report.failed:
        log.warning("scheduler: %s %s failed; it stays due", kind, item_id)
    return report


def scheduler_lock(app: Flask) -> SchedulerLock:
    """The lock that makes this process the only working scheduler of the deployment."""
    assert db.engine is not None
    return SchedulerLock(db.engine, app.instance_path)


def build(app: Flask, *, blocking: bool, tick_seconds: float | None = None) -> BaseScheduler:
    """A scheduler with the tick job; blocking for its own process, background when embedded."""
    window = timedelta(hours=app.config["REMINDER_WINDOW_HOURS"])
    seconds = tick_seconds or app.config["SCHEDULER_TICK_SECONDS"]
    scheduler: BaseScheduler
    options: dict[str, Any] = {"job_defaults": JOB_DEFAULTS, "timezone": UTC}
    scheduler = BlockingScheduler(**options) if blocking else BackgroundScheduler(daemon=True, **options)
    lock = scheduler_lock(app)  # one lock object for both jobs: the process holds it or does not
    scheduler.add_job(
        run_tick,
        "interval",
        seconds=seconds,
        args=[window, None, lock, timedelta(seconds=app.config["MAIL_MISSED_DELAY_SECONDS"])],
        id="dialog-tick",
        next_run_time=datetime.now(UTC),  # catch up on anything that fell due while we were down
        replace_existing=True,
    )
    scheduler.add_job(
        run_webhook_deliveries,
        "interval",
        seconds=app.config["WEBHOOK_POLL_SECONDS"],
        args=[delivery_policy(app), lock],
        id="dialog-webhooks",
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    scheduler.add_job(
        run_mail,
        "interval",
        seconds=app.config["MAIL_POLL_SECONDS"],
        args=[mail_settings(app), app.config["MAIL_URL"], lock],
        id="dialog-mail",
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    return scheduler


def mail_settings(app: Flask) -> MailSettings:
    """Sender, reply-to, public base URL, unsubscribe signing key and retries of mails, from the app's settings."""
    config = app.config
    return MailSettings(
        sender=config["MAIL_SENDER"],
        reply_to=config["MAIL_REPLY_TO"],
        base_url=config["PUBLIC_BASE_URL"],
        secret=config["SECRET_KEY"],
        max_attempts=config["MAIL_MAX_ATTEMPTS"],
        first_delay=timedelta(seconds=config["MAIL_FIRST_RETRY_SECONDS"]),
    )


def run_mail(settings: MailSettings, mail_url: str, lock: SchedulerLock | None = None) -> None:
    """Send the due mails, unless another scheduler holds `lock`."""
    if lock is not None and not lock.held():
        return
    report = send_due(db, utcnow(), settings, transport_from_url(mail_url))
    for mail_id, outcome in report.outcomes:
        log.info("mail %s: %s", mail_id, outcome)


def delivery_policy(app: Flask) -> DeliveryPolicy:
    """How the webhook worker retries, from the app's settings."""
    config = app.config
    return DeliveryPolicy(
        max_attempts=config["WEBHOOK_MAX_ATTEMPTS"],
        first_delay=timedelta(seconds=config["WEBHOOK_FIRST_RETRY_SECONDS"]),
        timeout=config["WEBHOOK_TIMEOUT_SECONDS"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
    )


def run_webhook_deliveries(policy: DeliveryPolicy, lock: SchedulerLock | None = None) -> None:
    """Attempt the due webhook deliveries, unless another scheduler holds `lock`."""
    if lock is not None and not lock.held():
        return
    report = deliver_due(db, utcnow(), policy)
    for delivery_id, outcome in report.outcomes:
        log.info("webhook delivery %s: %s", delivery_id, outcome)


def start_embedded(app: Flask) -> BaseScheduler | None:
    """Start the scheduler inside this web process if `EMBEDDED_SCHEDULER` is on."""
    if not app.config["EMBEDDED_SCHEDULER"]:
        return None
    scheduler = app.extensions.get("dialog.scheduler")
    if scheduler is None:
        scheduler = build(app, blocking=False)
        scheduler.start()
        app.extensions["dialog.scheduler"] = scheduler
        log.info("embedded scheduler started (tick every %ss)", app.config["SCHEDULER_TICK_SECONDS"])
    return scheduler
