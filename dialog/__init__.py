"""The Flask face of Smart City Dialog: create_app() binds the extensions and blueprints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import services
from dialog import cli, cors, errors, headers, logs, metrics, offload, ops, ratelimit, webapp
from dialog.api import (
    announcements,
    audit,
    calls,
    feeds,
    forum,
    identity,
    mail,
    moderation,
    network,
    news,
    notifications,
    people,
    privacy,
    projects,
    search,
    session,
    spaces,
    stream,
    webhooks,
)
from dialog.auth import check_sent_token
from dialog.config import from_env
from dialog.extensions import api, db, socketio
from dialog.realtime import Realtime
from services.mail import transport_from_url


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application from the environment (and `overrides`, for tests)."""
    services.load_all()
    settings = {**from_env(), **(overrides or {})}
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.update(settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    logs.init_app(app)
    headers.init_app(app)
    offload.init_app(app)
    db.configure(app.config["DATABASE_URL"])
    transport_from_url(app.config["MAIL_URL"])  # a wrong DIALOG_MAIL_URL stops the start, not every send
    services.bind_database(db)  # topic rules (who may follow space.<slug>) read memberships through it
    api.init_app(app)
    for blueprint in (
        identity.blp,
        session.blp,
        news.blp,
        calls.blp,
        projects.blp,
        announcements.blp,
        stream.blp,
        spaces.blp,
        forum.blp,
        network.blp,
        network.invitations,
        people.blp,
        privacy.blp,
        notifications.blp,
        webhooks.blp,
        mail.blp,
        feeds.blp,
        search.blp,
        audit.blp,
        moderation.blp,
    ):
        api.register_blueprint(blueprint)
        # On this app, not on the blueprint object (module-level: it outlives an app in tests).
        app.before_request_funcs.setdefault(blueprint.name, []).append(check_sent_token)
    errors.register(app)
    ratelimit.init_app(app)
    app.register_blueprint(ops.blp)
    webapp.init_app(app)
    metrics.init_app(app)
    cors.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
        **cors.engineio_options(app.config["CORS_ORIGINS"]),
    )
    Realtime(app)
    if app.config["PROXY_COUNT"]:
        # Outermost, so the REST API, SSE and Engine.IO all see the client's address.
        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    cli.register(app)
    return app
