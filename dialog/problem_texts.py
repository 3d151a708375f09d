"""The API's field problems in the caller's language (a 422's `message` and `details`).

Marshmallow, our schemas and the services write each problem in English and already filled in
("Length must be between 1 and 300."). To answer a German request in German, a text is matched
against the English templates it can come from (TEMPLATES, `{name}` for a value); the template's
German translation from the Babel catalog (dialog/webapp/translations, like the pages' strings) is
filled with the values the match found. A text no template matches stays as it is, in English.
Templates with more fixed text are tried first, so that "Must be greater than {min}." does not
swallow "Must be greater than 1 and less than 5.".
"""

from __future__ import annotations

import re
from functools import cache

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
    locale = get_locale()
    return locale.language if locale is not None else SOURCE_LANGUAGE


def translate(text: str) -> str:
    """`text` (one English problem) in the request's language; unchanged if no template matches."""
    if language() == SOURCE_LANGUAGE:
        return text
    for pattern, template in _patterns():
        found = pattern.fullmatch(text)
        if found:
            return _fill(gettext(template), found.groupdict())
    return text


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
