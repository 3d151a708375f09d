"""Feeds for readers and calendars: Atom for news, calls and one project's news; iCal for calls."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.extensions import db
from dialog.feeds import FEED_TITLES, calls_atom, calls_calendar, news_atom
from dialog.openapi import Blueprint, anyone
from events import ANONYMOUS
from services.calls import deadline_changes_of, list_calls
from services.fields import LANGUAGES
from services.news import published_news
from services.projects import get_project

blp = Blueprint("feeds", __name__, url_prefix="/api/v1/feeds", description="Atom and iCalendar feeds")
ATOM = "application/atom+xml; charset=utf-8"
ICAL = "text/calendar; charset=utf-8"


class FeedArgs(Schema):
    """Language and size of a feed."""

    lang = fields.String(load_default="de", validate=validate.OneOf(LANGUAGES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def _urls() -> tuple[str, str]:
    api = request.host_url.rstrip("/") + "/api/v1"
    return request.base_url, api


def _answer(body: bytes, mimetype: str) -> Response:
    # ETag + conditional GET: readers polling every few minutes get 304 while nothing changed.
    response = Response(body, content_type=mimetype)
    response.add_etag()
    response.headers["Cache-Control"] = "public, max-age=60"
    response.make_conditional(request)  # turns itself into a 304 when the reader's ETag matches
    return response


@blp.route("/news.atom")
class NewsFeed(MethodView):
    """Published news."""

    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, content_type=ATOM)
    @anyone()
    def get(self, args: dict[str, Any]) -> Response:
        """Atom feed of the newest published news."""
        self_url, api = _urls()
        with db.read() as session:
            items, _total = published_news(session, ANONYMOUS, limit=args["limit"], offset=0)
        title = FEED_TITLES["news"][args["lang"]]
        return _answer(news_atom(items, title=title, self_url=self_url, api_url=api, language=args["lang"]), ATOM)


@blp.route("/projects/<int:project_id>.atom")
class ProjectFeed(MethodView):
    """One model project's news."""

    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, content_type=ATOM)
    @anyone()
    def get(self, args: dict[str, Any], project_id: int) -> Response:
        """Atom feed of the news about one model project."""
        self_url, api = _urls()
        with db.read() as session:
            project = get_project(session, project_id)
            items, _total = published_news(session, ANONYMOUS, limit=args["limit"], offset=0, project_id=project_id)
            name = project.name
        body = news_atom(
            items, title=f"{name} – Smart City Dialog", self_url=self_url, api_url=api, language=args["lang"]
        )
        return _answer(body, ATOM)


@blp.route("/calls.atom")
class CallsFeed(MethodView):
    """Funding calls."""

    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, content_type=ATOM)
    @anyone()
    def get(self, args: dict[str, Any]) -> Response:
        """Atom feed of announced, open and closed calls."""
        self_url, api = _urls()
        with db.read() as session:
            calls, _total = list_calls(session, ANONYMOUS, limit=args["limit"], offset=0)
        return _answer(calls_atom(calls, self_url=self_url, api_url=api, language=args["lang"]), ATOM)


@blp.route("/calls.ics")
class CallsCalendar(MethodView):
    """Call openings and deadlines for calendars."""

    @blp.arguments(FeedArgs, location="query")
    @blp.response(200, content_type=ICAL)
    @anyone()
    def get(self, args: dict[str, Any]) -> Response:
        """iCalendar with each call's opening and application deadline."""
        _self_url, api = _urls()
        with db.read() as session:
            calls, _total = list_calls(session, ANONYMOUS, limit=args["limit"], offset=0)
            sequence = {call.id: len(deadline_changes_of(session, call.id)) for call in calls}
        return _answer(calls_calendar(calls, api_url=api, language=args["lang"], sequence=sequence), ICAL)
