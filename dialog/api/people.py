"""People API: the member directory and @-autocomplete, each caller seeing whom they may."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.api.identity import PersonOut
from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, members
from dialog.pagination import keyset_page, page_args, page_schema
from services.network import find_people

blp = Blueprint("people", __name__, url_prefix="/api/v1/people", description="Finding people")
AUTOCOMPLETE_LIMIT = 10


class PeopleQuery(page_args(50, 200)):  # type: ignore[misc]
    """A search in the directory."""

    q = fields.String(load_default=None, validate=validate.Length(max=200))


class AutocompleteQuery(Schema):
    """What has been typed after `@`."""

    q = fields.String(required=True, validate=validate.Length(min=1, max=100))


PeoplePage = page_schema(PersonOut, "PeoplePage")


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
    @members()
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Active people you may see, by name, handle or organisation (partners: the network's people)."""
        with db.read() as session:
            items, after, total = find_people(session, current_caller(), **query)
            return keyset_page(items, after, total)


@blp.route("/autocomplete")
class Autocomplete(MethodView):
    """Completing an @mention."""

    @blp.arguments(AutocompleteQuery, location="query")
    @blp.response(200, page_schema(Suggestion))
    @members()
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Up to ten people you may see whose name or handle contains `q` (one page: `next` is always null)."""
        with db.read() as session:
            items, _after, _total = find_people(session, current_caller(), query["q"], limit=AUTOCOMPLETE_LIMIT)
            return keyset_page(items, None, len(items))
