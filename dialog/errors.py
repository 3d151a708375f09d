"""One error shape for the whole HTTP API: `{"error": {"code", "message", "details"}}`.

Validation errors, whether the request's schema or a service found them, are 422 with code
`invalid_input`, the first problem as `message`, and `details` laid out by where the value
came from and which field: `{"json": {"title.de": ["..."]}, "query": {"limit": ["..."]}}`
(locations: `json`, `query`, `path`, `headers`). A body that is not JSON at all (or nests
deeper than we parse) is 400 `invalid_json`. Every error's `message` and problem texts are in the
language the request's Accept-Language prefers (de or en, English without one; dialog/problem_texts.py),
which `Content-Language` names.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from dialog import problem_texts
from dialog.schemas import flatten_errors
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
INVALID_INPUT = "invalid_input"
INVALID_JSON = "invalid_json"

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
    422: INVALID_INPUT,
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


class ErrorDetail(Schema):
    """What went wrong."""

    code = fields.String(required=True, metadata={"description": "stable, machine-readable"})
    message = fields.String(
        required=True,
        metadata={
            "description": "for people; the first problem of several. In the language the request's "
            "`Accept-Language` prefers (de or en; English without one), named by the answer's "
            "`Content-Language`, as are the problem texts in `details`"
        },
    )
    details = fields.Dict(
        required=True,
        metadata={
            "description": "for `invalid_input`: `{location: {field: [problems]}}`, location one of "
            "json, query, path, headers; otherwise code-specific, often empty"
        },
    )


class Error(Schema):
    """Every error response of the API."""

    error = fields.Nested(ErrorDetail, required=True)


def error_body(status: int, message: str, *, code: str | None = None, details: Any = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {
        "error": {"code": code or CODE_OF_STATUS.get(status, "error"), "message": message, "details": details or {}}
    }


def invalid_input(details: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """The body of a 422: the first problem as the message, every problem in `details`, in the
    request's language (Accept-Language; dialog/problem_texts.py)."""
    details = problem_texts.translate_details(details)
    location, problems = next(iter(details.items()))
    field, texts = next(iter(problems.items()))
    message = f"{problem_texts.where(location)}: {texts[0]}" if field == "_schema" else f"{field}: {texts[0]}"
    return error_body(422, message, code=INVALID_INPUT, details=details)


def language_headers() -> dict[str, str]:
    """What an error answer says of its language (and that it depends on the request's)."""
    return {"Content-Language": problem_texts.language(), "Vary": "Accept-Language"}


def error_response(
    status: int, message: str, *, code: str | None = None, details: Any = None, headers: Any = None
) -> Response:
    """An error answer in our shape, its message and problem texts in the request's language."""
    translated = problem_texts.translate_problems(details) if isinstance(details, dict) else details
    response = jsonify(error_body(status, problem_texts.translate(message), code=code, details=translated))
    response.status_code = status
    response.headers.update({**(headers or {}), **language_headers()})
    return response


def invalid_input_response(details: dict[str, dict[str, list[str]]], headers: Any = None) -> ResponseReturnValue:
    """A 422 answer: `invalid_input(details)` saying which language its texts are in."""
    return jsonify(invalid_input(details)), 422, {**(headers or {}), **language_headers()}


def _location_of(field: str) -> str:
    """Where the request carried `field` (a service names fields, not HTTP locations)."""
    if field in (request.view_args or {}):
        return "path"
    if field in request.args:
        return "query"
    if field in request.headers:
        return "headers"
    return "json"


def handle_http_exception(error: HTTPException) -> ResponseReturnValue:
    """Render any HTTP error (including flask-smorest's validation errors) in our shape."""
    if error.response is not None:  # raised with its answer ready (the rate limiter's 429)
        return error.response
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = data.get("headers") or {}
    messages = data.get("messages") or data.get("errors")
    if status == 422 and messages:
        details = {location: flatten_errors(problems) for location, problems in messages.items()}
        return invalid_input_response(details, headers)
    message = data.get("message") or error.description or error.name
    code = data.get("code")
    if status == 413:
        message = "the request body is larger than this server accepts"
    if status == 401:
        headers = {**headers, "WWW-Authenticate": "Bearer"}
    if isinstance(error, InternalServerError):  # a bug: Flask has logged its traceback once already
        message = "something went wrong on our side"
    return error_response(status, str(message), code=code, headers=headers)


def handle_domain_error(error: DomainError) -> ResponseReturnValue:
    """Map a service's error to its HTTP status."""
    if isinstance(error, InvalidInput):
        return invalid_input_response({_location_of(error.field): {error.field: [error.message]}})
    status = next((s for cls, s in STATUS_OF.items() if isinstance(error, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return error_response(status, error.message, code=error.code, details=error.details, headers=headers)


def handle_database_unavailable(error: Exception) -> ResponseReturnValue:
    """The database is unreachable: 503 with Retry-After, never a 500 with a traceback."""
    log.error("database unavailable: %s", error.__class__.__name__)
    message = "the database is not reachable right now; retry shortly"
    return error_response(503, message, code="unavailable", headers={"Retry-After": "5"})


def register(app: Flask) -> None:
    """Install the handlers (after flask-smorest, so ours win)."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, handle_database_unavailable)
