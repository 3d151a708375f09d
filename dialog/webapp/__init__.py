"""The members' web app: Jinja page shells (layout, nav, translated strings) and small ES modules
per page (dialog/static/app) that talk only to /api/v1 and /live. See README.md beside this file."""

from __future__ import annotations

from flask import Flask

from dialog.webapp import i18n, unsubscribe  # noqa: F401  (unsubscribe registers its pages)
from dialog.webapp.pages import blp


def init_app(app: Flask) -> None:
    """Bind the translations and register the pages."""
    i18n.init_app(app)
    app.register_blueprint(blp)
