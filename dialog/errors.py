"""One error shape for the whole HTTP API: `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from services.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
)

log = logging.getLogger(__name__)

# Database errors that mean "not reachable right now" (503 / an `unavailable` ack), not a bug.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

STATUS_OF: dict[type[DomainError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    AuthenticationFailed: 401,
    Conflict: 409,
    Gone: 410,
    InvalidInput: 422,
}

CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


def error_body(status: int, message: str, *, code: str | None = None, details: Any = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {
        "error": {"code": code or CODE_OF_STATUS.get(status, "error"), "message": message, "details": details or {}}
    }


def handle_http_exception(error: HTTPException) -> ResponseReturnValue:
    """Render any HTTP error (including flask-smorest's validation errors) in our shape."""
    if error.response is not None:  # raised with its answer ready (the rate limiter's 429)
        return error.response
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details = data.get("messages") or data.get("errors") or {}
    message = data.get("message") or error.description or error.name
    code = data.get("code")
    if status == 422 and details:
        message = "the request does not match the schema"
    if status == 400 and details == {"json": ["Invalid JSON body."]}:
        message, code = "the body is not valid JSON", "invalid_json"
    if status == 413:
        message = "the request body is larger than this server accepts"
    headers = data.get("headers") or {}
    if status == 401:
        headers = {**headers, "WWW-Authenticate": "Bearer"}
    if isinstance(error, InternalServerError):
        log.error("internal error", exc_info=error.original_exception or error)
        message = "something went wrong on our side"
    return jsonify(error_body(status, str(message), code=code, details=details)), status, headers


def handle_domain_error(error: DomainError) -> ResponseReturnValue:
    """Map a service's error to its HTTP status."""
    status = next((s for cls, s in STATUS_OF.items() if isinstance(error, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return jsonify(error_body(status, error.message, code=error.code, details=error.details)), status, headers


def handle_database_unavailable(error: Exception) -> ResponseReturnValue:
    """The database is unreachable: 503 with Retry-After, never a 500 with a traceback."""
    log.error("database unavailable: %s", error.__class__.__name__)
    body = error_body(503, "the database is not reachable right now; retry shortly", code="unavailable")
    return jsonify(body), 503, {"Retry-After": "5"}


def register(app: Flask) -> None:
    """Install the handlers (after flask-smorest, so ours win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, handle_database_unavailable)
