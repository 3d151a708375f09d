"""The API object and blueprint class: an OpenAPI document that says what the routes really do.

- Every error response is documented with our `Error` schema (no framework default schema, no
  catch-all `default` response: a status that is not declared is a bug the schema test finds).
- Each operation declares who may call it (`anyone`, `members`, `roles(...)`), which becomes its
  `security` and its 401/403 responses; a route without a declaration is refused at start-up. A
  token is never ignored: wherever one is sent, a bad one is 401 (`dialog.auth.check_sent_token`).
- 404 is declared where the path names something, 400/413 where a JSON body is read, 422 where
  any argument is validated; other statuses (409, 410) with `errors(...)`.
- Path ids are 1 .. 2^63-1: anything else matches no route (404), instead of reaching SQLite.
- JSON bodies are parsed with a depth limit: deeper nesting is 400 `invalid_json`. A body is
  required where one is read (422 naming `the body` when missing), and a PATCH names a field.
"""

from __future__ import annotations

import http
import json
from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
import marshmallow
from flask import Flask
from flask_smorest import Api
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map, ValidationError

from dialog.errors import INVALID_JSON, Error
from dialog.schemas import MAX_ID

F = TypeVar("F", bound=Callable[..., Any])

MAX_JSON_DEPTH = 32
BEARER = "bearerAuth"
COOKIE = "sessionCookie"  # the web app's sign-in (dialog/api/session.py): the same access as a bearer token
_ACCESS_KEY = "security"


def _name(status: int) -> str:
    # flask-smorest registers one response component per status, named like HTTPStatus.
    return http.HTTPStatus(status).name


# -- who may call an operation -----------------------------------------------------------------
def _access(security: list[dict[str, list[str]]], statuses: tuple[int, ...], note: str) -> Callable[[F], F]:
    responses = {status: _name(status) for status in statuses}
    return flask_smorest.Blueprint.doc(security=security, responses=responses, **{"x-access": note})  # type: ignore[no-any-return]


def anyone() -> Callable[[F], F]:
    """Open to everyone; a bearer token is optional (and checked if sent: a bad one is 401)."""
    return _access([{}, {BEARER: []}, {COOKIE: []}], (401,), "anyone")


def members(*extra: int) -> Callable[[F], F]:
    """Logged-in members (401 without a token); `extra` adds 403 where the service may refuse."""
    return _access([{BEARER: []}, {COOKIE: []}], (401, *extra), "members")


def roles(*names: str) -> Callable[[F], F]:
    """Members with one of the roles `names` (401 without a token, 403 with another role)."""
    return _access([{BEARER: []}, {COOKIE: []}], (401, 403), " or ".join(names))


def errors(*statuses: int) -> Callable[[F], F]:
    """Further error statuses the operation answers with (409 conflict, 410 gone, ...)."""
    return flask_smorest.Blueprint.doc(responses={s: _name(s) for s in statuses})  # type: ignore[no-any-return]


# -- request parsing ---------------------------------------------------------------------------
class InvalidJson(BadRequest):
    """The body is not JSON we accept."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.data = {"code": INVALID_JSON, "message": message}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _deeper_than(value: Any, limit: int) -> bool:
    # Iterative, so the check itself cannot exhaust the stack.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_json_body(raw: bytes) -> Any:
    """A request body as JSON: InvalidJson for anything else, NaN/Infinity and deep nesting included."""
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested far deeper than the limit
        raise InvalidJson("the body is not valid JSON") from exc
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise InvalidJson(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    return value


class BodyParser(FlaskParser):
    """webargs' parser with our JSON reading: every body is required, and a PATCH changes something.

    Every operation that reads a body declares it required; webargs would read a missing one as
    `{}`, so an operation whose fields are all optional (hiding a post, a PATCH) ran on nothing.
    """

    def _raw_load_json(self, req: Any) -> Any:
        raw = req.get_data(cache=True)
        if raw == b"":
            raise marshmallow.ValidationError({"_schema": ["a JSON object is required (send {} for no fields)"]})
        if not is_json_request(req):
            raise marshmallow.ValidationError({"_schema": ["send the body as application/json"]})
        body = parse_json_body(raw)
        if body == {} and req.method == "PATCH":
            raise marshmallow.ValidationError({"_schema": ["name at least one field to change"]})
        return body


# -- path ids ----------------------------------------------------------------------------------
class IdConverter(IntegerConverter):
    """`<int:...>` in our routes: 1 .. 2^63-1, anything else matches no route (404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(MAX_ID)):  # also keeps int() away from 10,000-digit strings
            raise ValidationError()
        return super().to_python(value)


# -- blueprint and API -------------------------------------------------------------------------
class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose operations document their errors and access."""

    ARGUMENTS_PARSER = BodyParser()

    def register_views_in_doc(self, api: Any, app: Flask, spec: Any, *, name: str, parameters: Any) -> None:
        """Add the error responses each operation can give, then document as usual."""
        for endpoint, info in self._docs.items():
            rule = next(app.url_map.iter_rules(f"{name}.{endpoint}"))
            for method, doc in info.items():
                if method == "parameters":
                    continue
                manual = doc.setdefault("manual_doc", {})
                if _ACCESS_KEY not in manual:
                    raise RuntimeError(f"{method.upper()} {rule.rule} declares no access (anyone, members, roles ...)")
                responses = manual.setdefault("responses", {})
                if method.upper() not in ("GET", "HEAD", "OPTIONS") and {COOKIE: []} in manual[_ACCESS_KEY]:
                    responses.setdefault(403, _name(403))  # a cookie write without its CSRF header: csrf_failed
                if rule.arguments:
                    responses.setdefault(404, _name(404))
                locations = {p.get("in") for p in doc.get("arguments", {}).get("parameters", [])}
                if "json" in locations:
                    responses.setdefault(400, _name(400))
                    responses.setdefault(413, _name(413))
        super().register_views_in_doc(api, app, spec, name=name, parameters=parameters)


class DialogApi(Api):
    """flask-smorest's Api with our error schema and the bearer-token security scheme."""

    ERROR_SCHEMA = Error
    DEFAULT_ERROR_RESPONSE_NAME = None  # type: ignore[assignment]

    def init_app(self, app: Flask, *args: Any, **kwargs: Any) -> None:
        """Bind to `app` (before any blueprint is registered: the id converter applies to their rules)."""
        app.url_map.converters["int"] = IdConverter
        super().init_app(app, *args, **kwargs)
        self.spec.components.security_scheme(
            BEARER,
            {"type": "http", "scheme": "bearer", "description": "a token from `POST /api/v1/auth/tokens`"},
        )
        self.spec.components.security_scheme(
            COOKIE,
            {
                "type": "apiKey",
                "in": "cookie",
                "name": "dialog_session",
                "description": (
                    "the browser's sign-in: an HttpOnly, SameSite=Lax cookie set by `POST /api/v1/auth/session`. "
                    "Every request other than GET/HEAD/OPTIONS that relies on it must send the header "
                    "`X-CSRF-Token` with the value of the `dialog_csrf` cookie (403 `csrf_failed` otherwise). "
                    "A bearer token, if sent, takes precedence."
                ),
            },
        )
