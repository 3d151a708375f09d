"""Model projects API: everyone reads and searches; editors and admins maintain the directory."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from dialog.api.search import query_field, text_filter
from dialog.auth import current_caller
from dialog.extensions import db
from dialog.openapi import Blueprint, anyone, roles
from dialog.pagination import PageArgs, offset_page, page_schema, with_offset
from services.fields import UtcTimestamp, localized_text
from services.identity import ADMIN, EDITOR
from services.projects import (
    FEDERAL_STATES,
    KINDS,
    Project,
    create_project,
    get_project,
    project_topic,
    search_projects,
    update_project,
)

blp = Blueprint("projects", __name__, url_prefix="/api/v1/projects", description="Model projects directory")
STATE = fields.String(validate=validate.OneOf(FEDERAL_STATES, error="not a German federal state"))


class ProjectFields(Schema):
    """Fields a project is written with."""

    name = fields.String(validate=validate.Length(min=1, max=300))
    kind = fields.String(validate=validate.OneOf(KINDS))
    round = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    federal_states = fields.List(STATE, validate=validate.Length(min=1, max=16))
    topics = fields.List(fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=20))
    description = localized_text(max_length=20_000)
    website = fields.Url(allow_none=True, validate=validate.Length(max=500))


class ProjectIn(ProjectFields):
    """A new project."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    round = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))
    federal_states = fields.List(STATE, required=True, validate=validate.Length(min=1, max=16))
    description = localized_text(required=True, max_length=20_000)


class ProjectOut(Schema):
    """A model project; follow its feed on the topic `feed_topic`."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    round = fields.Integer()
    federal_states = fields.List(fields.String())
    topics = fields.List(fields.String())
    description = fields.Dict(keys=fields.String(), values=fields.String())
    website = fields.String(allow_none=True)
    feed_topic = fields.Function(lambda p: project_topic(p.id))
    created_at = UtcTimestamp()
    updated_at = UtcTimestamp()


ProjectPage = page_schema(ProjectOut)


class ProjectSearch(PageArgs):
    """Search and filters."""

    q = query_field()
    round = fields.Integer(validate=validate.Range(min=1, max=100))
    state = STATE
    topic = fields.String(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "a topic; case and umlauts folded (mobilitaet finds Mobilität)"},
    )
    kind = fields.String(validate=validate.OneOf(KINDS))


@blp.route("")
class Projects(MethodView):
    """The directory."""

    @blp.arguments(ProjectSearch, location="query")
    @blp.response(200, ProjectPage)
    @anyone()
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search projects by text, round, federal state, topic or kind."""
        with db.read() as session:
            matches = text_filter(session, "projects", args)
            items, total = search_projects(session, **with_offset(args), **matches)
            return offset_page(items, total, args)

    @blp.arguments(ProjectIn)
    @blp.response(201, ProjectOut)
    @roles(EDITOR, ADMIN)
    def post(self, body: dict[str, Any]) -> Project:
        """Add a project (editors and admins): `project.created` on `projects` and `project.<id>`."""
        with db.write() as session:
            return create_project(session, caller=current_caller(), **body)


@blp.route("/<int:project_id>")
class ProjectResource(MethodView):
    """One project."""

    @blp.response(200, ProjectOut)
    @anyone()
    def get(self, project_id: int) -> Project:
        """Read a project."""
        with db.read() as session:
            return get_project(session, project_id)

    @blp.arguments(ProjectFields)
    @blp.response(200, ProjectOut)
    @roles(EDITOR, ADMIN)
    def patch(self, changes: dict[str, Any], project_id: int) -> Project:
        """Change a project: `project.updated` naming the changed fields."""
        with db.write() as session:
            return update_project(session, get_project(session, project_id), caller=current_caller(), changes=changes)
