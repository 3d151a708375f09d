"""Domain errors: what went wrong in the service's own words; the web layer maps them to HTTP."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a stable machine-readable `code`, a human message and optional details."""

    code = "domain_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class AuthenticationFailed(DomainError):
    """Credentials or token are missing, wrong, expired or revoked."""

    code = "unauthorized"


class Conflict(DomainError):
    """The request contradicts the current state (a duplicate, a wrong lifecycle step)."""

    code = "conflict"


class Gone(DomainError):
    """The thing existed but can no longer be used (an expired invitation)."""

    code = "gone"


class InvalidInput(DomainError):
    """A field's value breaks a domain rule; `details` names the field."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, details={field: [message]})
        self.field = field
