"""The page shells: each route renders a layout with its headings, nav and translated strings;
the page's ES module (static/app/pages/<name>.js) fills it from /api/v1 and keeps it live."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dialog.auth import CSRF_COOKIE, SESSION_COOKIE, current_caller
from dialog.extensions import db
from dialog.webapp.i18n import remember_language
from dialog.webapp.strings import js_strings
from services.calls import DEFAULT_PROGRAMME
from services.errors import DomainError
from services.identity import MIN_PASSWORD_LENGTH, get_member

blp = Blueprint("webapp", __name__, template_folder="templates")
blp.after_request(remember_language)

STAFF = ("editor", "moderator", "admin")
# Every role, as admins assign them (services.identity's ROLES), with its name on the page.
ROLES = (
    ("member", _l("member")),
    ("partner", _l("partner")),
    ("editor", _l("editor")),
    ("moderator", _l("moderator")),
    ("admin", _l("admin")),
)
# The inbox kinds a member may also have mailed (services.identity's notification preferences).
MAIL_KINDS = (
    ("mention", _l("when someone mentions me")),
    ("reply", _l("replies to my posts")),
    ("new_thread", _l("new threads in spaces I follow")),
    ("thread_post", _l("new posts in threads I follow")),
    ("space_post", _l("new posts in spaces I follow")),
    ("project_activity", _l("news of projects I follow")),
    ("call_reminder", _l("deadline reminders of calls I follow")),
)


@dataclass(frozen=True)
class Viewer:
    """The signed-in member a page is rendered for."""

    id: int
    name: str
    handle: str
    role: str
    language: str

    @property
    def staff(self) -> bool:
        """True for editors, moderators and admins."""
        return self.role in STAFF


def viewer() -> Viewer | None:
    """The member of the session cookie (None if signed out or the session ended)."""
    if "viewer" not in g:
        g.viewer = None
        try:
            caller = current_caller()
        except DomainError:  # an ended session: the page is shown signed out and the cookie cleared
            g.session_ended = True
            return None
        if caller.id is not None:
            with db.read() as session:
                member = get_member(session, caller.id)
                g.viewer = Viewer(member.id, member.name, member.handle, member.role, member.language)
            g.member_language = member.language  # before any gettext call fixes the page's language
    found: Viewer | None = g.viewer
    return found


@blp.before_request
def identify() -> None:
    """Who is signed in, before anything is translated (their language preference counts)."""
    viewer()


def page(template: str, script: str, title: str, **context: Any) -> Response:
    """Render a page shell: `script` names its module in static/app/pages, `title` its <title>."""
    response = Response(
        render_template(template, script=script, title=title, strings=json.dumps(js_strings()), **context)
    )
    if g.get("session_ended"):
        response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="Lax")
        response.delete_cookie(CSRF_COOKIE, samesite="Strict")
    return response


def members_page(template: str, script: str, title: str, **context: Any) -> Response:
    """A page for signed-in members: others are sent to sign in first, and come back after."""
    if viewer() is None:
        return redirect(url_for("webapp.sign_in", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    return page(template, script, title, **context)


@blp.app_context_processor
def shell_context() -> dict[str, Any]:
    """What every page's layout needs: who is signed in and how to switch language (and, for the
    forms choosing a password, the service's minimum length)."""
    return {
        "viewer": viewer(),
        "switch_language": switch_language,
        "lang": str(get_locale() or "de"),
        "min_password_length": MIN_PASSWORD_LENGTH,
    }


def switch_language(language: str) -> str:
    """This page's address in `language`."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "lang": language}
    return url_for(request.endpoint or "webapp.home", **args)


# -- for anyone --------------------------------------------------------------------------------
@blp.get("/")
def home() -> Response:
    """Live news, open calls with their deadlines, announcements."""
    return page("home.html", "home", _("Home"))


@blp.get("/news/<int:news_id>")
def news_article(news_id: int) -> Response:
    """One news article."""
    return page("news.html", "news", _("News"), news_id=news_id)


@blp.get("/calls/<int:call_id>")
def call(call_id: int) -> Response:
    """One funding call: follow it, add it to a calendar."""
    return page("call.html", "call", _("Funding call"), call_id=call_id)


@blp.get("/projects")
def projects() -> Response:
    """The model projects directory with search and filters."""
    return page("projects.html", "projects", _("Model projects"))


@blp.get("/projects/<int:project_id>")
def project(project_id: int) -> Response:
    """One model project and its feed."""
    return page("project.html", "project", _("Model project"), project_id=project_id)


@blp.get("/spaces")
def spaces() -> Response:
    """The spaces the viewer may read (public ones for anyone)."""
    return page("spaces.html", "spaces", _("Spaces"))


@blp.get("/spaces/<slug>")
def space(slug: str) -> Response:
    """A space's threads."""
    return page("space.html", "space", _("Space"), slug=slug)


@blp.get("/threads/<int:thread_id>")
def thread(thread_id: int) -> Response:
    """A thread that updates live; members write, reply, react, edit and flag."""
    return page("thread.html", "thread", _("Thread"), thread_id=thread_id)


@blp.get("/search")
def search() -> Response:
    """One search over news, calls, projects, threads and posts."""
    return page("search.html", "search", _("Search"), query=request.args.get("q", ""))


@blp.get("/login")
def sign_in() -> Response:
    """The sign-in form (sets the HttpOnly session cookie through the API)."""
    return page("login.html", "login", _("Sign in"), next=_local(request.args.get("next")))


@blp.get("/invitations/accept")
def accept_invitation() -> Response:
    """Accepting an invitation (the link in the invitation mail)."""
    return page("accept.html", "accept", _("Accept invitation"), token=request.args.get("token", ""))


@blp.get("/password-reset")
def password_reset() -> Response:
    """Asking for a reset link, or (with the mail's token) choosing a new password."""
    return page("reset.html", "reset", _("Reset password"), token=request.args.get("token", ""))


@blp.get("/api/docs")
def api_docs() -> Response:
    """Human API docs (Swagger UI, served by us) of /api/v1/openapi.json."""
    return page("api_docs.html", "api_docs", _("API documentation"))


# -- for members and partners ------------------------------------------------------------------
@blp.get("/inbox")
def inbox() -> Response:
    """The member's notifications, live."""
    return members_page("inbox.html", "inbox", _("Inbox"))


@blp.get("/profile")
def profile() -> Response:
    """Profile, language and mail preferences, password, data export and account deletion."""
    return members_page(
        "profile.html", "profile", _("Profile and settings"), mail_kinds=MAIL_KINDS, export_url="/api/v1/me/export"
    )


# -- for staff: editors, moderators, admins (the API checks every call again) -----------------------
def staff_page(allowed: tuple[str, ...], template: str, script: str, title: str, **context: Any) -> Response:
    """A page for members of the `allowed` roles: others sign in first; any other role gets a 403 page."""
    who = viewer()
    if who is None:
        return redirect(url_for("webapp.sign_in", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    if who.role not in allowed:
        response = page("forbidden.html", "forbidden", _("Not allowed"))
        response.status_code = 403
        return response
    return page(template, script, title, **context)


@blp.get("/staff/news")
def staff_news() -> Response:
    """Editors write, schedule, publish and retract news."""
    return staff_page(("editor", "admin"), "staff_news.html", "staff_news", _("Write news"))


@blp.get("/staff/calls")
def staff_calls() -> Response:
    """Editors prepare, edit and announce calls and move a deadline with a reason."""
    return staff_page(
        ("editor", "admin"), "staff_calls.html", "staff_calls", _("Prepare calls"), programme=DEFAULT_PROGRAMME
    )


@blp.get("/staff/broadcast")
def staff_broadcast() -> Response:
    """Admins broadcast an announcement or a call opening and watch its reach count up."""
    return staff_page(("admin",), "staff_broadcast.html", "staff_broadcast", _("Broadcast"))


@blp.get("/staff/members")
def staff_members() -> Response:
    """Admins find members, change roles, deactivate and reactivate; invite, revoke and re-send."""
    return staff_page(("admin",), "staff_members.html", "staff_members", _("Members and invitations"), roles=ROLES)


@blp.get("/staff/moderation")
def staff_moderation() -> Response:
    """Moderators work the flag queue (resolve, hide, delete, lock, pin) and read a member's history."""
    return staff_page(("moderator", "admin"), "staff_moderation.html", "staff_moderation", _("Moderation"))


@blp.get("/staff/webhooks")
def staff_webhooks() -> Response:
    """Admins manage webhook subscriptions and read their deliveries."""
    return staff_page(("admin",), "staff_webhooks.html", "staff_webhooks", _("Webhooks"))


@blp.get("/staff/audit")
def staff_audit() -> Response:
    """Admins read and filter the audit log of admin and moderator actions."""
    return staff_page(("admin",), "staff_audit.html", "staff_audit", _("Audit log"))


def _local(target: str | None) -> str:
    """`target` if it is a path on this site, else the home page (no open redirect after sign-in)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
