"""Authentication for HTTP requests and Socket.IO connections: a bearer token, or the browser's session cookie.

Authentication only: who the caller is. What they may do is decided by the services. The session
cookie holds an ordinary token (so revocation, expiry and roles work the same); because a browser
sends it by itself, a write that comes with it must also carry the CSRF header (double submit,
bound to the token by an HMAC, so a cookie planted by a sibling host cannot pass).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import current_app, g, request

from dialog.extensions import db
from events import ANONYMOUS, Caller
from services.errors import AuthenticationFailed, PermissionDenied
from services.identity import authenticate, caller_for_token_id

SESSION_COOKIE = "dialog_session"  # HttpOnly: the token itself, never readable by script
CSRF_COOKIE = "dialog_csrf"  # readable by the page's script, which echoes it in CSRF_HEADER
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def caller_from_token(token: str) -> Caller:
    """Check a bearer token and return who it belongs to; raises AuthenticationFailed."""
    if not isinstance(token, str) or not token.strip():
        raise AuthenticationFailed("the token is empty", code="invalid_token")
    with db.read() as session:
        return authenticate(session, token.strip())


def refresh_caller(caller: Caller) -> Caller:
    """`caller` as they stand now (current role); AuthenticationFailed if their session ended.

    Long-lived connections hold the caller they connected as; an access change makes them ask
    again (a revoked token, a deactivated account or a changed role take effect at once).
    """
    if caller.token_id is None:
        return caller
    with db.read() as session:
        return caller_for_token_id(session, caller.token_id)


def csrf_token_for(session_token: str) -> str:
    """The CSRF value that belongs to a session token (an HMAC under the app's secret)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, session_token.encode(), hashlib.sha256).hexdigest()


def session_token() -> str | None:
    """The token in this request's session cookie, if any."""
    token = request.cookies.get(SESSION_COOKIE)
    return token if token and token.strip() else None


def same_origin() -> bool:
    """True unless the request says it comes from a page of another origin (its Origin header)."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


def caller_from_cookie() -> Caller:
    """The caller of the session cookie (ANONYMOUS without one); writes must carry the CSRF header."""
    token = session_token()
    if token is None:
        return ANONYMOUS
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_token_for(token).encode()):
            raise PermissionDenied(
                f"a write with the session cookie needs the {CSRF_HEADER} header (the {CSRF_COOKIE} cookie's value)",
                code="csrf_failed",
            )
    try:
        return caller_from_token(token)
    except AuthenticationFailed as exc:
        raise AuthenticationFailed("the browser session has ended: sign in again", code="session_ended") from exc


def current_caller() -> Caller:
    """The caller of this request: `Authorization: Bearer`, else the session cookie (cached per request)."""
    if "caller" not in g:
        header = request.headers.get("Authorization")
        if header is None:
            g.caller = caller_from_cookie()
        else:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationFailed("use `Authorization: Bearer <token>`", code="invalid_token")
            g.caller = caller_from_token(token)
    caller: Caller = g.caller
    return caller


def check_sent_token() -> None:
    """Before every API request: a request that shows a token shows a good one (401 otherwise).

    Also where the token changes nothing (public reads, logging in): a client whose token went
    bad learns it at its next request, whichever that is, instead of being served as anonymous.
    """
    if "Authorization" in request.headers:
        current_caller()


def require_member() -> Caller:
    """The calling member; 401 for anonymous requests."""
    caller = current_caller()
    if caller.anonymous:
        raise AuthenticationFailed(
            "log in first: this needs a bearer token or the session cookie", code="login_required"
        )
    return caller
