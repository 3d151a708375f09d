"""Bearer-token authentication for HTTP requests and Socket.IO connections."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request

from dialog.extensions import db
from events import ANONYMOUS, Actor, Principal
from services.errors import AuthenticationFailed, PermissionDenied
from services.identity import authenticate


@dataclass(frozen=True)
class Caller:
    """The authenticated member behind a request (or nobody)."""

    principal: Principal
    name: str | None = None
    token_id: int | None = None

    @property
    def actor(self) -> Actor:
        """The caller as the actor of the events it causes."""
        assert self.principal.member_id is not None and self.name is not None
        return Actor(self.principal.member_id, self.name)


NOBODY = Caller(ANONYMOUS)


def caller_from_token(token: str) -> Caller:
    """Check a bearer token and return who it belongs to; raises AuthenticationFailed."""
    if not isinstance(token, str) or not token.strip():
        raise AuthenticationFailed("the token is empty", code="invalid_token")
    with db.read() as session:
        member, record = authenticate(session, token.strip())
        return Caller(Principal(member.id, member.role), member.name, record.id)


def current_caller() -> Caller:
    """The caller of this request, from its `Authorization: Bearer` header (cached per request)."""
    if "caller" not in g:
        header = request.headers.get("Authorization")
        if header is None:
            g.caller = NOBODY
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
    if caller.principal.anonymous:
        raise AuthenticationFailed("log in first: this needs a bearer token", code="login_required")
    return caller


def require_role(*roles: str) -> Caller:
    """The calling member if they have one of `roles`; 401 or 403 otherwise."""
    caller = require_member()
    if caller.principal.role not in roles:
        raise PermissionDenied(f"this needs the role {' or '.join(roles)}")
    return caller
