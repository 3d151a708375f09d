"""A 422's field problems in the request's language: German for `Accept-Language: de`, English
otherwise (also without the header); every message marshmallow's validators and fields in our
schemas can write has a German text (so a new validator or a marshmallow upgrade cannot slip by)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, ValidationError, class_registry, fields, validate

from dialog import problem_texts
from tests.support.api import bearer, login
from tests.support.server import ADMIN, EDITOR, MEMBER, MODERATOR

ROOT = Path(__file__).resolve().parents[2]
# A new call with a missing title, a round too large, a broken link, a budget that is no number,
# reminder days out of range (marshmallow's required, Range, Url, Decimal; our own Range message).
BAD_CALL = {"round": 500, "application_url": "kein link", "budget": "viel", "reminder_days": [400]}


@pytest.fixture(scope="module")
def editor(app: Flask) -> str:
    """An editor's token."""
    return login(app.test_client(), EDITOR)


def _bad_call(client: FlaskClient, token: str, **headers: str) -> Any:
    response = client.post("/api/v1/calls", json=BAD_CALL, headers={**bearer(token), **headers})
    assert response.status_code == 422, response.get_data(as_text=True)
    return response


def test_a_422_in_german_carries_german_field_messages(client: FlaskClient, editor: str) -> None:
    response = _bad_call(client, editor, **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    error = response.get_json()["error"]
    problems = error["details"]["json"]
    assert problems["title"] == ["Pflichtfeld: bitte ausfüllen."]
    assert problems["round"] == ["Muss zwischen 1 und 100 liegen."]
    assert problems["application_url"] == ["Keine gültige URL."]
    assert problems["budget"] == ["Keine gültige Zahl."]
    assert problems["reminder_days.0"] == ["ganze Tage zwischen 1 und 365"]
    assert error["code"] == "invalid_input"
    assert error["message"].split(": ", 1)[1] in {texts[0] for texts in problems.values()}
    assert response.headers["Content-Language"] == "de"
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("language", [None, "en-GB,en;q=0.9", "fr-FR"])
def test_a_422_stays_english_unless_german_is_asked_for(client: FlaskClient, editor: str, language: str | None) -> None:
    response = _bad_call(client, editor, **({"Accept-Language": language} if language else {}))
    problems = response.get_json()["error"]["details"]["json"]
    assert problems["title"] == ["Missing data for required field."]
    assert problems["round"] == ["Must be greater than or equal to 1 and less than or equal to 100."]
    assert problems["application_url"] == ["Not a valid URL."]
    assert problems["reminder_days.0"] == ["whole days between 1 and 365"]
    assert response.headers["Content-Language"] == "en"


def test_a_services_field_rule_and_a_bodys_problem_in_german(client: FlaskClient, editor: str) -> None:
    german = {**bearer(editor), "Accept-Language": "de"}
    budget = client.post("/api/v1/calls", json={"round": 1, "title": {"de": "T"}, "budget": "1.234"}, headers=german)
    problems = budget.get_json()["error"]["details"]
    assert problems == {"json": {"budget": ["höchstens zwei Nachkommastellen (ganze Cent)"]}}
    not_an_object = client.post("/api/v1/calls", json=[1], headers=german)
    assert not_an_object.status_code == 422
    assert not_an_object.get_json()["error"]["message"].startswith("der Inhalt: ")


def _fields(field: fields.Field) -> Iterator[fields.Field]:
    """`field` and the fields inside it (list items, dict values, nested schemas' fields)."""
    yield field
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if isinstance(inner, fields.Field):
            yield from _fields(inner)


def _validator_messages(validator: Any) -> Iterator[str]:
    """The texts `validator` writes for values it refuses."""
    probes: list[Any] = []
    if isinstance(validator, validate.Length):
        probes = [[None] * n for n in {0, (validator.min or 0) - 1, (validator.max or 0) + 1} if n >= 0]
    elif isinstance(validator, validate.Range):
        probes = [b + d for b, d in ((validator.min, -1), (validator.max, 1)) if b is not None]
    elif isinstance(validator, validate.OneOf | validate.ContainsOnly | validate.Email | validate.URL):
        probes = [["\x00"]] if isinstance(validator, validate.ContainsOnly) else ["\x00 no such thing"]
    for probe in probes:
        try:
            validator(probe)
        except ValidationError as error:
            yield from (m for m in error.messages if isinstance(m, str))
        except TypeError:
            pass


def schema_messages() -> set[str]:
    """Every English text marshmallow writes for the fields and validators of our schemas."""
    texts: set[str] = set()
    for classes in list(class_registry._registry.values()):
        for cls in classes:
            if not issubclass(cls, Schema):
                continue
            schema = cls()
            texts.update(str(m) for m in schema.error_messages.values())
            for declared in schema.fields.values():
                for field in _fields(declared):
                    for key, message in field.error_messages.items():
                        if isinstance(message, str) and key != "format":  # "format": dumping only
                            obj_type = getattr(field, "OBJ_TYPE", "")
                            texts.add(message.format(obj_type=obj_type, awareness="aware", input="x", choices="a, b"))
                    for validator in field.validators:
                        texts.update(_validator_messages(validator))
    return texts


def test_every_message_our_schemas_can_write_has_a_german_text(app: Flask) -> None:
    import dialog.api.calls  # noqa: F401  (the schemas register when their blueprints are imported)

    texts = schema_messages()
    assert {"Missing data for required field.", "Not a valid email address.", "Not a valid URL."} <= texts
    assert any(t.startswith("Length must be between") for t in texts)
    assert any(t.startswith("Must be one of: ") for t in texts)
    with app.test_request_context("/api/v1/calls", headers={"Accept-Language": "de"}):
        untranslated = sorted(t for t in texts if problem_texts.translate(t) == t)
    assert untranslated == []


def test_templates_with_more_fixed_text_win_and_values_carry_over(app: Flask) -> None:
    with app.test_request_context("/api/v1/calls", headers={"Accept-Language": "de"}):
        both = problem_texts.translate("Must be greater than 1 and less than 5.")
        assert both == "Muss größer als 1 und kleiner als 5 sein."
        assert problem_texts.translate("Must be greater than 1.") == "Muss größer als 1 sein."
        assert problem_texts.translate("unknown language 'fr'") == "unbekannte Sprache 'fr'"
        assert problem_texts.translate("something no template knows") == "something no template knows"


def field_rules_in_the_code() -> set[str]:
    """The texts of every `InvalidInput(field, text)` in services/ and dialog/, an f-string's values as `7`."""
    texts = set()
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "dialog").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "InvalidInput"):
                continue
            text = node.args[1] if len(node.args) > 1 else None
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                texts.add(text.value)
            elif isinstance(text, ast.JoinedStr):
                texts.add("".join(str(part.value) if isinstance(part, ast.Constant) else "7" for part in text.values))
            else:
                raise AssertionError(f"{path}:{node.lineno}: InvalidInput's text is neither a literal nor an f-string")
    return texts


def test_every_field_rule_of_the_services_has_a_german_text(app: Flask) -> None:
    texts = field_rules_in_the_code()
    assert {"must not be blank", "at most 7 characters", "whole days between 1 and 7"} <= texts
    with app.test_request_context("/api/v1/calls", headers={"Accept-Language": "de"}):
        untranslated = sorted(t for t in texts if problem_texts.translate(t) == t)
    assert untranslated == [], "add them to dialog/problem_texts.py's TEMPLATES and translate them"


# Where the code writes a problem text for people: (callable, index of the text argument).
ERROR_TEXT_ARGUMENTS = {
    "NotFound": 0,
    "PermissionDenied": 0,
    "AuthenticationFailed": 0,
    "Conflict": 0,
    "Gone": 0,
    "require_role": 2,
    "Rejected": 1,
    "refusal": 1,
}


def _literal(node: ast.AST | None) -> str | None:
    """A string literal's text, an f-string's with each value as `7`; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(part.value) if isinstance(part, ast.Constant) else "7" for part in node.values)
    return None


def error_texts_in_the_code() -> set[str]:
    """Every other problem text of services/ and dialog/: the services' errors (and the texts of their
    `details`), role refusals, /live's error acks and connect refusals, and the reasons the
    `*refusal` functions give (a topic's, a space's)."""
    texts: set[str] = set()
    for path in [
        *(ROOT / "services").rglob("*.py"),
        *(ROOT / "dialog").rglob("*.py"),
        *(ROOT / "events").rglob("*.py"),
    ]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                index = ERROR_TEXT_ARGUMENTS.get(str(name))
                if index is not None and len(node.args) > index:
                    text = _literal(node.args[index])
                    if text is not None:
                        texts.add(text)
                for keyword in node.keywords if index is not None else ():
                    if keyword.arg == "details" and isinstance(keyword.value, ast.Dict):
                        for value in keyword.value.values:
                            for item in value.elts if isinstance(value, ast.List) else ():
                                texts.update(t for t in [_literal(item)] if t is not None)
            elif isinstance(node, ast.FunctionDef) and ("refusal" in node.name or node.name == "_write_block"):
                for returned in ast.walk(node):
                    if isinstance(returned, ast.Return) and returned.value is not None:
                        values = returned.value.elts if isinstance(returned.value, ast.Tuple) else [returned.value]
                        # A refusal's reason is a sentence; the codes beside some are single words.
                        texts.update(t for t in map(_literal, values) if t is not None and " " in t)
    return texts


def test_every_other_error_text_of_the_code_has_a_german_text(app: Flask) -> None:
    texts = error_texts_in_the_code()
    expected = {
        "no post 7",
        "already taken",
        "admins only",
        "connect first",
        "this space is for its invited members only",
    }
    assert expected <= texts, expected - texts
    with app.test_request_context("/api/v1/posts/7", headers={"Accept-Language": "de"}):
        untranslated = sorted(t for t in texts - COMPOSED if problem_texts.translate(t) == t)
    assert untranslated == [], "add them to dialog/problem_texts.py's TEMPLATES and translate them"


# Texts put together from parts that are translated on their own (the gateway's "<topic>: <reason>"
# translates the reason), or whose values are whole templates ("log in to type in a thread").
COMPOSED = {"7: 7", "log in to 7"}


def _german(token: str | None = None) -> dict[str, str]:
    return {"Accept-Language": "de", **(bearer(token) if token else {})}


def test_every_kind_of_error_answers_in_german_when_asked(client: FlaskClient, editor: str) -> None:
    """404, 401, 403, 409, a route that does not exist, 405: German message and problem texts,
    `Content-Language: de`; the code stays the same."""
    missing = client.get("/api/v1/posts/999999", headers=_german())
    assert missing.status_code == 404
    assert missing.get_json()["error"] == {
        "code": "not_found",
        "message": "den Beitrag 999999 gibt es nicht",
        "details": {},
    }
    assert missing.headers["Content-Language"] == "de" and "Accept-Language" in missing.headers["Vary"]

    wrong = client.post("/api/v1/auth/tokens", json={"email": EDITOR, "password": "falsch"}, headers=_german())
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["message"] == "E-Mail-Adresse oder Passwort ist falsch"

    refused = client.post(
        "/api/v1/webhooks", json={"url": "https://example.org/h", "topics": ["news"]}, headers=_german(editor)
    )
    assert refused.status_code == 403 and refused.get_json()["error"]["message"] == "nur für Admins"

    moderators = client.get("/api/v1/me", headers=bearer(login(client, MODERATOR))).get_json()["handle"]
    taken = client.patch("/api/v1/me", json={"handle": moderators}, headers=_german(editor))
    assert taken.status_code == 409, taken.get_json()
    error = taken.get_json()["error"]
    assert error["message"] == f"das Kürzel {moderators} ist vergeben"
    assert error["details"] == {"handle": ["schon vergeben"]}

    nowhere = client.get("/api/v1/no-such-thing", headers=_german())
    assert nowhere.status_code == 404 and nowhere.get_json()["error"]["message"].startswith("Die angefragte Adresse")
    not_allowed = client.delete("/api/v1/calls", headers=_german(editor))
    assert not_allowed.status_code == 405
    assert not_allowed.get_json()["error"]["message"] == "Diese Methode ist für die angefragte Adresse nicht erlaubt."


def test_errors_stay_english_without_german_and_a_space_refusal_translates_its_reason(
    client: FlaskClient, app: Flask
) -> None:
    missing = client.get("/api/v1/posts/999999")
    assert missing.get_json()["error"]["message"] == "no post 999999"
    assert missing.headers["Content-Language"] == "en"
    with app.test_request_context("/api/v1/spaces/x", headers={"Accept-Language": "de"}):
        assert (
            problem_texts.translate("space partner-netzwerk: login required")
            == "Raum partner-netzwerk: Anmeldung erforderlich"
        )
        limited = problem_texts.translate("too many requests: at most 10 per 1 minute; retry in 42 s")
        assert limited == "zu viele Anfragen: höchstens 10 per 1 minute; versuchen Sie es in 42 s wieder"


def test_a_410_and_a_409_with_details_in_german_and_english_by_default(client: FlaskClient) -> None:
    admin = login(client, ADMIN)
    registered = client.post("/api/v1/invitations", json={"email": MEMBER, "role": "editor"}, headers=_german(admin))
    assert registered.status_code == 409, registered.get_json()
    assert registered.get_json()["error"] == {
        "code": "conflict",
        "message": f"{MEMBER} hat schon ein Konto",
        "details": {"email": ["schon registriert"]},
    }
    invited = client.post(
        "/api/v1/invitations", json={"email": "late@example.org", "role": "editor"}, headers=bearer(admin)
    )
    assert invited.status_code == 201, invited.get_json()
    assert client.delete(f"/api/v1/invitations/{invited.get_json()['id']}", headers=bearer(admin)).status_code == 200
    accept = {
        "token": invited.get_json()["token"],
        "name": "Late Guest",
        "password": "a long guest password",
        "language": "de",
    }
    revoked = client.post("/api/v1/invitations/accept", json=accept, headers=_german())
    assert revoked.status_code == 410, revoked.get_json()
    assert revoked.get_json()["error"] == {
        "code": "invitation_revoked",
        "message": "diese Einladung wurde zurückgezogen",
        "details": {},
    }
    assert revoked.headers["Content-Language"] == "de" and "Accept-Language" in revoked.headers["Vary"]
    english = client.post("/api/v1/invitations/accept", json=accept)
    assert english.get_json()["error"]["message"] == "this invitation was revoked"
    assert english.headers["Content-Language"] == "en"


def test_a_429_in_german_and_in_english_by_default(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "LIMIT_LOGIN_PER_EMAIL", "2/minute")  # read on every request
    guess = {"email": "guessed@example.org", "password": "a guess"}
    assert [client.post("/api/v1/auth/tokens", json=guess).status_code for _ in range(2)] == [401, 401]
    limited = client.post("/api/v1/auth/tokens", json=guess, headers=_german())
    assert limited.status_code == 429, limited.get_json()
    error = limited.get_json()["error"]
    assert error["code"] == "rate_limited" and error["details"]["retry_after"] >= 1
    assert error["message"].startswith("zu viele Anfragen: höchstens 2 per 1 minute; versuchen Sie es in ")
    assert limited.headers["Content-Language"] == "de" and limited.headers["Retry-After"]
    english = client.post("/api/v1/auth/tokens", json=guess)
    assert english.status_code == 429
    assert english.get_json()["error"]["message"].startswith("too many requests: at most 2 per 1 minute; retry in ")
    assert english.headers["Content-Language"] == "en"
