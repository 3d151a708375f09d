"""The start page: the public live feed (news, calls, announcements) in the browser, over SSE."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from services.fields import LANGUAGES

blp = Blueprint("web", __name__)


@blp.get("/")
def live_page() -> str:
    """A page that follows the public topics live and resumes after a reconnect (EventSource)."""
    language = request.args.get("lang", "de")
    return render_template("live.html", language=language if language in LANGUAGES else "de")
