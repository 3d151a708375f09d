"""People API: the member directory and @-autocomplete, each caller seeing whom they may."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from dialog.api.identity import PersonOut
from dialog.auth import current_caller
from dialog.extensions import db
from services.network import find_people

blp = Blueprint("people", __name__, url_prefix="/api/v1/people", description="Finding people")
AUTOCOMPLETE_LIMIT = 10


class PeopleQuery(Schema):
    """A search in the directory."""

    q = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.Integer(load_default=None, validate=validate.Range(min=0))


class AutocompleteQuery(Schema):
    """What has been typed after `@`."""

    q = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PeoplePage(Schema):
    """A page of people."""

    items = fields.List(fields.Nested(PersonOut))
    next = fields.String(allow_none=True)
    total = fields.Integer()


class Suggestion(Schema):
    """One completion of an @mention."""

    id = fields.Integer()
    handle = fields.String()
    name = fields.String()


@blp.route("")
class People(MethodView):
    """The member directory."""

    @blp.arguments(PeopleQuery, location="query")
    @blp.response(200, PeoplePage)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Active people you may see, by name, handle or organisation (partners: the network's people)."""
        with db.read() as session:
            items, after, total = find_people(session, current_caller(), **query)
            return {"items": items, "next": None if after is None else str(after), "total": total}


@blp.route("/autocomplete")
class Autocomplete(MethodView):
    """Completing an @mention."""

    @blp.arguments(AutocompleteQuery, location="query")
    @blp.response(200, Suggestion(many=True))
    def get(self, query: dict[str, Any]) -> list[Any]:
        """Up to ten people you may see whose name or handle contains `q`."""
        with db.read() as session:
            items, _after, _total = find_people(session, current_caller(), query["q"], limit=AUTOCOMPLETE_LIMIT)
            return items
