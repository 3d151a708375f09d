"""The catalogue of event types: each with its topics, description and `data` schema, as JSON,
as text for a terminal (`flask dialog events`), and as the Markdown of docs/events.md."""

from __future__ import annotations

import json
from typing import Any

from events.registry import EventType, Registry

DOCS_INTRO = """\
Every event reaches clients as the envelope of the [real-time contract](realtime-contract.md)
(`id`, `epoch`, `topic`, `type`, `occurred_at`, `actor`, `data`); this page lists each `type`
with the topics it is published on and the JSON Schema of its `data`. Times are UTC ISO 8601
with `Z`; multilingual text is an object keyed by language. Every field is always present
(`null` where the schema allows it). The schemas describe events as published; a redacted
event has the form described [once, below](#redacted-events)."""

REDACTED_SECTION = """## Redacted events

When content is withdrawn (a hidden or deleted post, the earlier version of an edited post,
retracted news), the events that carried it are redacted in the log, and every replay, page,
stream and webhook retry shows them so from then on. The envelope stays as it was (`id`,
`epoch`, `topic`, `type`, `occurred_at`, `actor`); `data` keeps only

- the ids: the field `id`, every field ending in `_id`, and `space` (the space's slug),
- the fields its type lists as *kept when redacted* above (times and counts, never text),

each with its schema above, and gains `"redacted": true`. For example, a redacted `post.created`:

```json
{"space": "national", "thread_id": 7, "post_id": 31, "parent_id": null,
 "reply_to_author_id": 4, "author_id": 9, "created_at": "2021-01-15T08:00:00Z", "redacted": true}
```

A client that shows the event withdraws its content; restoring (a post unhidden) is a new event.

When a member is erased (`member.erased`), the events that carried their personal data (profile
changes, joining, invitations to their address, notification summaries naming them, and their
posts if they chose `erase`) are redacted so, and every event they acted in keeps its `actor.id`
but shows `actor.name` "Former member" from then on."""


WITHDRAWAL = (
    "A **withdrawal**: published with the [redaction](#redacted-events) of the earlier events that"
    " carried the withdrawn content; a client that keeps copies of those events drops their content."
)
ACCESS_CHANGE = (
    "An **access change**: every process re-checks the open subscriptions it affects before it delivers"
    " anything published after it."
)


def catalogue(registry: Registry) -> list[dict[str, Any]]:
    """Every event type, by name: `type`, `topics`, `description`, `access_change` and `schema` (of `data`)."""
    return [
        {
            "type": spec.name,
            "topics": list(spec.topics),
            "description": spec.description,
            "access_change": spec.access_change,
            "withdraws": spec.withdraws,
            "schema": spec.schema,
            "kept_when_redacted": kept_when_redacted(spec),
        }
        for spec in _sorted(registry)
    ]


def as_json(registry: Registry) -> str:
    """The catalogue as indented JSON."""
    return json.dumps({"event_types": catalogue(registry)}, ensure_ascii=False, indent=2) + "\n"


def as_text(registry: Registry) -> str:
    """The catalogue for a terminal: each type, its topics and description, one line per field."""
    lines: list[str] = []
    for spec in _sorted(registry):
        marks = ("  (access change)" if spec.access_change else "") + ("  (withdrawal)" if spec.withdraws else "")
        lines.append(f"{spec.name}  on {', '.join(spec.topics)}{marks}")
        lines.append(f"  {spec.description}")
        for name, schema in spec.schema["properties"].items():
            note = f"  ({schema['description']})" if "description" in schema else ""
            lines.append(f"    {name}: {type_text(schema)}{note}")
        lines.append(f"  kept when redacted: {', '.join(kept_when_redacted(spec)) or 'nothing'}")
        lines.append("")
    return "\n".join(lines)


def as_markdown(registry: Registry) -> str:
    """The page docs/events.md: an index, then each type with a field table and its JSON Schema."""
    out = [
        "# Event types",
        "",
        "<!-- Generated from the event classes by `make docs` (`flask dialog events --format markdown`):",
        "     edit those, not this page. -->",
        "",
        DOCS_INTRO,
        "",
        "| type | topics | description |",
        "| --- | --- | --- |",
    ]
    specs = _sorted(registry)
    out += [f"| [`{s.name}`](#{_anchor(s)}) | {_topics(s)} | {_cell(s.description)} |" for s in specs]
    for spec in specs:
        out += ["", f"## {spec.name}", "", spec.description, "", f"Topics: {_topics(spec)}", ""]
        if spec.access_change:
            out += [ACCESS_CHANGE, ""]
        if spec.withdraws:
            out += [WITHDRAWAL, ""]
        kept = ", ".join(f"`{name}`" for name in kept_when_redacted(spec)) or "nothing"
        out += [f"Kept when [redacted](#redacted-events): {kept}", ""]
        out += ["| field | type | description |", "| --- | --- | --- |"]
        for name, schema in spec.schema["properties"].items():
            out.append(f"| `{name}` | {_cell(type_text(schema))} | {_cell(schema.get('description', ''))} |")
        schema_json = json.dumps(spec.schema, ensure_ascii=False, indent=2)
        out += ["", "<details><summary>JSON Schema</summary>", "", "```json", schema_json, "```", "", "</details>"]
    out += ["", REDACTED_SECTION]
    return "\n".join(out) + "\n"


def kept_when_redacted(spec: EventType) -> list[str]:
    """The fields of `spec`'s data that a redacted event keeps, in field order."""
    return [name for name in spec.schema["properties"] if spec.kept(name)]


def type_text(schema: dict[str, Any]) -> str:
    """A short human reading of a field's schema: `integer or null`, `array of string` ..."""
    if "anyOf" in schema:
        return " or ".join(type_text(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    kinds = schema.get("type")
    if kinds is None:
        return "any JSON value"
    names = []
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        if kind == "array":
            names.append(f"array of {type_text(schema.get('items', {}))}")
        elif kind == "object" and "propertyNames" in schema:
            languages = ", ".join(schema["propertyNames"].get("enum", []))
            names.append(f"text by language ({languages})")
        elif kind == "object":
            names.append(f"object of {type_text(schema.get('additionalProperties', {}))}")
        elif kind == "string" and schema.get("format") == "date-time":
            names.append("UTC time")
        else:
            names.append(kind)
    return " or ".join(names)


def _sorted(registry: Registry) -> list[EventType]:
    return [registry.types[name] for name in sorted(registry.types)]


def _topics(spec: EventType) -> str:
    return ", ".join(f"`{t}`" for t in spec.topics)


def _anchor(spec: EventType) -> str:
    # The heading's id as GitHub and most renderers make it: lower case, dots dropped.
    return spec.name.lower().replace(".", "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
