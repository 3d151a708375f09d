"""Prometheus metrics of one web process (each process is scraped on its own /metrics)."""

from __future__ import annotations

import gc
import hmac
import ipaddress
import time
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound, Unauthorized

from dialog.extensions import db
from events import Event, on_commit
from services.mail import backlog as mail_backlog
from services.webhooks import backlog

CONNECTIONS = Gauge("dialog_connected_clients", "Connected Socket.IO clients", ["namespace"])
SUBSCRIPTIONS = Gauge("dialog_subscriptions", "Topics followed by connected Socket.IO clients")
# Per-session state of /live (ours and the libraries'): each should fall back to 0 with no
# connections; one that does not is a leak growing with every connect/disconnect.
LIVE_SESSIONS = Gauge("dialog_live_sessions", "Per-session entries of /live state, by map", ["map"])
# Started, unfinished greenlets of the process (only with METRICS_GREENLETS: it scans the heap).
# Frozen objects (dialog.heap) are not in the heap it scans: the greenlets started before the freeze
# (the relay's ...) are not counted.
GREENLETS = Gauge("dialog_greenlets", "Started, unfinished greenlets (diagnosis; off by default)")
# The start-up heap the garbage collector skips (dialog.heap; 0 where nothing froze it).
GC_FROZEN = Gauge("dialog_gc_frozen_objects", "Objects of the process's start-up the garbage collector skips")
GC_FROZEN.set_function(gc.get_freeze_count)
GC_THRESHOLD = Gauge("dialog_gc_threshold", "The garbage collector's threshold of each generation", ["generation"])
STREAM_CLIENTS = Gauge("dialog_stream_clients", "Live SSE and long-poll listeners")
COMMITTED = Counter("dialog_events_committed", "Events committed by this process")
PUSHED = Counter("dialog_events_pushed", "Events pushed by this process's relay")
PUSH_LAG = Histogram(
    "dialog_push_lag_seconds",
    "Time from an event's occurrence to its push by the relay",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REPLAYED = Histogram(
    "dialog_replay_events",
    "Events replayed to one subscription before it went live",
    buckets=(0, 1, 10, 100, 1000, 10_000, 100_000, 1_000_000),
)
WEBHOOK_BACKLOG = Gauge("dialog_webhook_backlog", "Webhook deliveries waiting to be sent (all processes)")
MAIL_BACKLOG = Gauge("dialog_mail_backlog", "Mails waiting to be sent, due or retrying later (all processes)")
REQUEST_LATENCY = Histogram(
    "dialog_http_request_duration_seconds", "HTTP request latency", ["method", "endpoint", "status"]
)


def _gc_threshold(generation: int) -> Callable[[], float]:
    return lambda: float(gc.get_threshold()[generation])


for _generation in range(3):  # dialog.heap sets them in a web worker
    GC_THRESHOLD.labels(str(_generation)).set_function(_gc_threshold(_generation))


class MetricsSink:
    """Relay sink that counts pushes and measures push lag."""

    def push(self, events: list[Event]) -> None:
        """Record a pushed batch."""
        PUSHED.inc(len(events))
        now = datetime.now(UTC).replace(tzinfo=None)
        for event in events:
            PUSH_LAG.observe(max(0.0, (now - event.occurred_at).total_seconds()))

    def revoke(self, _event: Event) -> None:
        """Access changes are counted as the events they are, when pushed."""


def _count_committed(events: list[Event]) -> None:
    COMMITTED.inc(len(events))


def _backlog(count: Callable[[Session], int]) -> Callable[[], float]:
    def read() -> float:
        try:
            with db.read() as session:
                return float(count(session))
        except SQLAlchemyError:  # the database is away: /readyz says so; the gauge says "unknown"
            return float("nan")

    return read


def init_app(app: Flask) -> None:
    """Time every request and serve /metrics."""
    on_commit(_count_committed)
    WEBHOOK_BACKLOG.set_function(_backlog(backlog))
    MAIL_BACKLOG.set_function(_backlog(mail_backlog))

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            REQUEST_LATENCY.labels(request.method, endpoint, str(response.status_code)).observe(
                time.perf_counter() - started
            )
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus text format, for whoever may scrape (see `_check_scraper`)."""
        _check_scraper(current_app.config["METRICS_TOKEN"])
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


def _check_scraper(token: str | None) -> None:
    """With DIALOG_METRICS_TOKEN set, the scraper shows it as a bearer token (401 otherwise); without,
    only a direct connection from this machine may scrape (404 for everyone else, as if absent)."""
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise Unauthorized("scraping /metrics needs its bearer token")
        return
    # A proxy on this machine connects from loopback too: whatever it forwarded is not local.
    if request.headers.get("X-Forwarded-For") is not None or not _is_loopback(request.remote_addr):
        raise NotFound()


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
