"""Bearer-token authentication for HTTP requests and Socket.IO connections.

Authentication only: who the caller is. What they may do is decided by the services.
"""

from __future__ import annotations

from flask import g, request

from dialog.extensions import db
from events import ANONYMOUS, Caller
from services.errors import AuthenticationFailed
from services.identity import authenticate, caller_for_token_id


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


def current_caller() -> Caller:
    """The caller of this request, from its `Authorization: Bearer` header (cached per request)."""
    if "caller" not in g:
        header = request.headers.get("Authorization")
        if header is None:
            g.caller = ANONYMOUS
        else:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise AuthenticationFailed("use `Authorization: Bearer <token>`", code="invalid_token")
            g.caller = caller_from_token(token)
    caller: Caller = g.caller
    return caller


def require_member() -> Caller:
    """The calling member; 401 for anonymous requests."""
    caller = current_caller()
    if caller.anonymous:
        raise AuthenticationFailed("log in first: this needs a bearer token", code="login_required")
    return caller
