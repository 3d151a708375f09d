"""The API's problems in the caller's language: every error answer's `message`, a 422's `details`,
the field texts of other errors' `details`, and the texts of `/live`'s error acks and refusals.

Marshmallow, our schemas, the services and the realtime layer write each problem in English and
already filled in ("Length must be between 1 and 300.", "no post 7"). To answer a German request in
German, a text is matched against the English templates it can come from (TEMPLATES, `{name}` for a
value); the template's German translation from the Babel catalog (dialog/webapp/translations, like
the pages' strings) is filled with the values the match found — a `{reason}` is itself a problem
text and is translated in turn. A text no template matches stays as it is, in English. Templates
with more fixed text are tried first, so that "Must be greater than {min}." does not swallow "Must
be greater than 1 and less than 5.". Outside a request nothing is translated.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask import has_request_context
from flask_babel import get_locale, gettext


def N_(text: str) -> str:  # noqa: N802  (gettext's conventional name: pybabel extracts its arguments)
    """Mark `text` for the catalog without translating it here."""
    return text


# Marshmallow's own messages (fields, validators, schemas; tests/unit checks this list covers
# every one of them our schemas can raise), then ours (dialog/schemas.py, the blueprints,
# services/fields.py, dialog/openapi.py), then every field rule of the services (`InvalidInput`;
# tests/api/test_error_language.py finds them in the code and fails for one missing here).
TEMPLATES: tuple[str, ...] = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Not a valid list."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("Must be one of: {choices}."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("String does not match expected pattern."),
    N_("Must be equal to {other}."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    # ours
    N_("an id between 1 and 2^63-1"),
    N_("an event id between 0 and 2^63-1"),
    N_("true or false (a JSON boolean)"),
    N_("true or false"),
    N_("a list of topic names"),
    N_("name at least one topic"),
    N_("at most {count} topics"),
    N_("a topic name has at most 120 characters"),
    N_("not a time like 2021-03-14T23:59:00+01:00 or 2021-03-14T22:59:00Z"),
    N_("give the time zone: 2021-03-14T23:59:00+01:00 or 2021-03-14T22:59:00Z"),
    N_("whole days between 1 and {max}"),
    N_("the budget is implausibly large"),
    N_("not a German federal state"),
    N_("unknown language {input}"),
    N_("give the text in at least one language"),
    N_("one or more of {kinds}, comma-separated"),
    N_("not a UTC time like 2021-03-14T22:59:59Z"),
    N_("not a cursor of this list: pass the `next` of the previous page"),
    N_("not a thread id"),
    N_("a JSON object is required (send {} for no fields)"),
    N_("send the body as application/json"),
    N_("name at least one field to change"),
    # the services' field rules
    N_("must not be blank"),
    N_("must be one of {choices}"),
    N_("at most {count} characters"),
    N_("must have at least {count} characters"),
    N_("must not be your email address or handle"),
    N_("cannot be changed here"),
    N_("this field cannot be changed"),
    N_("3 to 30 of a-z, 0-9, '.', '_', '-', starting and ending with a letter or digit"),
    N_("an amount in EUR such as 300000000 or 1250.50"),
    N_("the budget must be a positive amount in EUR"),
    N_("at most two decimal places (whole cents)"),
    N_("at most 10 reminders"),
    N_("the deadline must be after opens_at"),
    N_("the call is already open"),
    N_("an announced call needs an opening time"),
    N_("set {name} before announcing the call"),
    N_("the deadline has already passed"),
    N_("say why the deadline moves"),
    N_("the new deadline must be in the future"),
    N_("that is the current deadline"),
    N_("set a deadline before opening the call"),
    N_("a round is a positive number"),
    N_("an ISO 3166 alpha-2 code like PL"),
    N_("{code} is not a partner country"),
    N_("a partner is invited with their partner country (or organisation)"),
    N_("a post has at most {count} characters"),
    N_("a space slug: lower-case letters, digits and dashes"),
    N_("an object: notification kind -> settings object"),
    N_("at most {count} different words"),
    N_("at most {count} members per post"),
    N_("between {min} and {max} characters"),
    N_("cannot be followed: {topics}"),
    N_("give either publish: true or a publish_at, not both"),
    N_("lower-case letters, digits and single dashes, at most 60 characters"),
    N_("member {id} cannot read this space"),
    N_("must be an http:// or https:// URL with a host"),
    N_("must be erase or keep"),
    N_("must be in the future; publish now instead"),
    N_("must be the id of the last event received (a whole number)"),
    N_("must not be before `since`"),
    N_("name at least one federal state"),
    N_("name the `target_kind` too"),
    N_("no member with the id {id}"),
    N_("no organisation {id}"),
    N_("not a German federal state: {states}"),
    N_("one of {choices}"),
    N_("organisation {id} is not in {code}"),
    N_("points to a private or loopback address (DIALOG_WEBHOOK_ALLOW_PRIVATE=1 allows it)"),
    N_("post {post} is not in thread {thread}"),
    N_("post {id} was deleted"),
    N_("post {id} was hidden by the moderators"),
    N_("round {round} already has a project named {name}"),
    N_("search for at least one word of letters or digits"),
    N_("the call is {status}: move its deadline with POST .../deadline and a reason"),
    N_("the deadline has not passed; announce the call instead"),
    N_("the item is already published"),
    N_("the post has no text (after removing unsafe markup)"),
    N_("there is no project {id}"),
    N_("unknown kind {kind}"),
    N_("unknown kind {kind}: one or more of {kinds}"),
    N_("{kind}: an object of true/false settings"),
    # the services' other errors (NotFound, PermissionDenied, AuthenticationFailed, Conflict, Gone:
    # tests/api/test_error_language.py finds each in the code), their `details`, and the reasons
    # they and /live give for a refusal
    N_("a member with the email {email} exists"),
    N_("a space {slug} exists"),
    N_("a write with the session cookie needs the {header} header (the {cookie} cookie's value)"),
    N_("admins cannot demote or deactivate themselves; ask another admin"),
    N_("admins only"),
    N_("call {id} is already open"),
    N_("call {id} is closed and can no longer be changed"),
    N_("call {id} is {status}, only a draft can be announced"),
    N_("call {id} is {status}, only a draft can be archived"),
    N_("call {id} was opened meanwhile"),
    N_("country {code} is already a partner"),
    N_("delivery {id} is {status}; only a failed one can be retried"),
    N_("email or password is wrong"),
    N_("erase your own account with DELETE /me"),
    N_("log in first: this needs a bearer token"),
    N_("log in first: this needs a bearer token or the session cookie"),
    N_("log in to follow"),
    N_("member {member} is not a member of {space}"),
    N_("member {id} was already erased"),
    N_("member {id} was erased: the account cannot be changed"),
    N_("moderators and admins only"),
    N_("news item {id} is {status}, only a draft can be published"),
    N_("news item {id} is {status}, only a published item can be retracted"),
    N_("news item {id} was retracted and cannot be edited"),
    N_("news item {id} was retracted and cannot be published again"),
    N_("no announcement {id}"),
    N_("no delivery {delivery} of webhook {webhook}"),
    N_("no funding call {id}"),
    N_("no invitation {id}"),
    N_("no kind of mail {kind}: one of {kinds}"),
    N_("no mail {id}"),
    N_("no member {id}"),
    N_("no news item {id}"),
    N_("no notification {id} of yours"),
    N_("no post {id}"),
    N_("no project {id}"),
    N_("no space {slug}"),
    N_("no thread {id}"),
    N_("no token {id} of yours"),
    N_("no webhook {id}"),
    N_("no {kind} {key}: a {kind} is followed by its numeric id"),
    N_("none of the topics may be followed"),
    N_("nothing to follow as {kind}: a {kinds} can be followed"),
    N_("only admins broadcast a call's opening"),
    N_("only editors and admins maintain the projects directory"),
    N_("only editors and admins prepare funding calls"),
    N_("only editors and admins see unpublished news"),
    N_("only editors and admins write news"),
    N_("only the author and the moderators may delete a post"),
    N_("only the author and the moderators see a post's history"),
    N_("only the author may edit a post"),
    N_("only the member themselves and admins may read a member's data"),
    N_("post {id} has no open flags"),
    N_("post {id} is already deleted"),
    N_("post {id} is already hidden"),
    N_("post {id} is not hidden"),
    N_("post {id} was deleted; its history went with it"),
    N_("space {slug}: {reason}"),
    N_("that email or handle was just taken"),
    N_("that handle was just taken"),
    N_("the browser session has ended: sign in again"),
    N_("the current password is wrong"),
    N_("the handle {handle} is taken"),
    N_("the password is wrong"),
    N_("the token has expired"),
    N_("the token is empty"),
    N_("the token is not known"),
    N_("the token was revoked"),
    N_("this account is deactivated"),
    N_("this invitation has expired: ask for a new one"),
    N_("this invitation token is not known"),
    N_("this invitation was already accepted"),
    N_("this invitation was already used"),
    N_("this invitation was revoked"),
    N_("this is the last active admin: make someone else admin first"),
    N_("this reset token has expired: ask for a new one"),
    N_("this reset token is not known"),
    N_("this reset token was already used"),
    N_("this unsubscribe link is not valid"),
    N_("thread {id} is locked"),
    N_("use `Authorization: Bearer <token>`"),
    N_("webhook {id} is deactivated"),
    N_("you already flagged post {id}"),
    N_("you already reacted with {kind}"),
    N_("you do not follow {kind} {key}"),
    N_("{email} already has an account"),
    N_("already a partner"),
    N_("already given"),
    N_("already registered"),
    N_("already taken"),
    N_("is wrong"),
    N_("or handle: already taken"),
    N_("taken"),
    N_("login required"),
    N_("only that member may follow it"),
    N_("partners write only in spaces they were invited to"),
    N_("this space is for members of the national platform"),
    N_("this space is for its invited members only"),
    N_("not a topic name"),
    N_("unknown topic"),
    N_("unknown topic: no such project"),
    N_("unknown topic: ids have no leading zeros ({id})"),
    # the HTTP layer's own answers (dialog/errors.py, dialog/ratelimit.py, werkzeug's texts)
    N_("the request body is larger than this server accepts"),
    N_("something went wrong on our side"),
    N_("the database is not reachable right now; retry shortly"),
    N_("too many requests: at most {limit}; retry in {seconds} s"),
    N_(
        "The requested URL was not found on the server. If you entered the URL manually please check "
        "your spelling and try again."
    ),
    N_("The method is not allowed for the requested URL."),
    N_("scraping /metrics needs its bearer token"),
    # /live: error acks and connect refusals (dialog/realtime/)
    N_("connect first"),
    N_("this connection is closing: {reason}"),
    N_("you are not viewing {topic}"),
    N_("log in to type in a thread"),
    N_("log in to be seen viewing"),
    N_("the server failed to carry out this message; it has been logged"),
    N_("{name} is reserved by Socket.IO and cannot be sent as a message"),
    N_("there is no message {name} in {namespace}"),
    N_("{name} takes one argument, an object; got {count}"),
    N_('{name} takes an object, like {"topics": ["news"]}'),
    N_("too many connection attempts from this address; retry in {seconds} s"),
    N_("the database is not reachable; retry"),
    N_("the server failed to accept this connection"),
    N_('auth must be {"token": "<bearer token>"} or nothing'),
)
# Where a problem of the request as a whole was found (the 422's `message` names it).
LOCATIONS = {
    "json": N_("the body"),
    "query": N_("the query"),
    "headers": N_("the headers"),
    "path": N_("the path"),
}
SOURCE_LANGUAGE = "en"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each template as a pattern that matches its filled-in texts, most fixed text first."""
    compiled = []
    for template in TEMPLATES:
        parts = PLACEHOLDER.split(template)  # literal, name, literal, name, ..., literal
        seen: set[str] = set()
        regex = ""
        for index, part in enumerate(parts):
            if index % 2 == 0:
                regex += re.escape(part)
            else:
                regex += f"(?P={part})" if part in seen else f"(?P<{part}>.+?)"
                seen.add(part)
        fixed = sum(len(part) for part in parts[::2])
        compiled.append((fixed, re.compile(regex, re.DOTALL), template))
    compiled.sort(key=lambda item: -item[0])
    return [(pattern, template) for _, pattern, template in compiled]


def language() -> str:
    """The language this request's answer is written in ("en" or "de")."""
    locale = get_locale() if has_request_context() else None
    return locale.language if locale is not None else SOURCE_LANGUAGE


def translate(text: str) -> str:
    """`text` (one English problem) in the request's language; unchanged if no template matches."""
    if not has_request_context() or language() == SOURCE_LANGUAGE:
        return text
    for pattern, template in _patterns():
        found = pattern.fullmatch(text)
        if found:
            values = found.groupdict()
            if "reason" in values:  # a refusal's reason is a problem text of its own
                values["reason"] = translate(values["reason"])
            return _fill(gettext(template), values)
    return text


def translate_problems(details: dict[str, Any]) -> dict[str, Any]:
    """An error's `details` with each field's list of problem texts in the request's language
    (`{"handle": ["already taken"]}`); values of other kinds (numbers, codes) stay as they are."""
    return {
        key: [translate(t) if isinstance(t, str) else t for t in value] if isinstance(value, list) else value
        for key, value in details.items()
    }


def _fill(translated: str, values: dict[str, str]) -> str:
    """`translated` with each `{name}` replaced by its value (other braces, like "{}", stay)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), translated)


def translate_details(details: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    """A 422's `{location: {field: [problems]}}` with every problem in the request's language."""
    return {
        location: {field: [translate(text) for text in texts] for field, texts in problems.items()}
        for location, problems in details.items()
    }


def where(location: str) -> str:
    """The words for `location` (json, query, ...) in the request's language."""
    words = LOCATIONS.get(location)
    return gettext(words) if words else location
