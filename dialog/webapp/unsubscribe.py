"""The page behind a mail's List-Unsubscribe link, for a person who clicks it.

Mail clients that do RFC 8058 one-click POST to the link (`dialog/api/mail.py`). A person who
clicks it in a mail gets a GET of the same URL: this page says which mails the link stops and
asks first (a GET must change nothing: link checkers and previews open links too); its button
POSTs the same token, and the answer says what was turned off. A link that is not valid shows
an error page (403, 404), never a 500.
"""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from dialog.extensions import db
from dialog.webapp.pages import MAIL_KINDS, blp, page
from services.errors import NotFound, PermissionDenied
from services.identity import check_unsubscribe_link, unsubscribe

# What each kind of list mail is called on the page (the profile's names, and the two it has not).
KIND_NAMES = {**dict(MAIL_KINDS), "announcement": _l("announcements"), "digest": _l("the digest")}
MAX_TOKEN = 200  # as the API's UnsubscribeArgs


def _render(state: str, status: int, member_id: int, kinds: str, token: str = "") -> Response:
    names = [str(KIND_NAMES.get(kind, kind)) for kind in kinds.split(",")]
    action = url_for("webapp.unsubscribe_confirmed", member_id=member_id, kinds=kinds)
    title = _("Unsubscribe") if state in ("ask", "done") else _("Link not valid")
    response = page("unsubscribe.html", "unsubscribe", title, state=state, kinds=names, token=token, action=action)
    response.status_code = status
    return response


def _refused(error: Exception, member_id: int, kinds: str) -> Response:
    if isinstance(error, PermissionDenied):
        return _render("invalid", 403, member_id, kinds)
    return _render("unknown", 404, member_id, kinds)


@blp.get("/api/v1/mail/unsubscribe/<int:member_id>/<kinds>")
def unsubscribe_link(member_id: int, kinds: str) -> Response:
    """A click on a mail's List-Unsubscribe link: which mails it stops, and a button to confirm."""
    token = request.args.get("token", "")[:MAX_TOKEN]
    try:
        with db.read() as session:
            check_unsubscribe_link(
                session, secret=current_app.config["SECRET_KEY"], member_id=member_id, kinds=kinds, token=token
            )
    except (PermissionDenied, NotFound) as error:
        return _refused(error, member_id, kinds)
    return _render("ask", 200, member_id, kinds, token)


@blp.post("/mail/unsubscribe/<int:member_id>/<kinds>")
def unsubscribe_confirmed(member_id: int, kinds: str) -> Response:
    """The confirmation page's button: turn those mails off (the token decides, no sign-in)."""
    token = request.form.get("token", "")[:MAX_TOKEN]
    try:
        with db.write() as session:
            unsubscribe(session, secret=current_app.config["SECRET_KEY"], member_id=member_id, kinds=kinds, token=token)
    except (PermissionDenied, NotFound) as error:
        return _refused(error, member_id, kinds)
    return _render("done", 200, member_id, kinds)
