"""Typed event data: the JSON form and the JSON Schema derived from a class, the registry's rules,
and mypy refusing a publish with wrong data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

import jsonschema
import pytest

from events import Constraints, Database, EventData, UnknownEventType, described, publish
from events.registry import Registry
from services.news.events import NewsPublished

ROOT = Path(__file__).resolve().parents[2]


class Sample(EventData):
    """A sample with every kind of field."""

    count: int
    ratio: float
    flag: bool
    name: str = described("what it is called")
    at: datetime
    maybe_at: datetime | None
    maybe_id: int | None
    tags: tuple[str, ...]
    times: tuple[datetime, ...]
    labels: Mapping[str, str]
    extra: Mapping[str, Any]
    colour: Literal["red", "green"]
    shade: Literal["dark", "light"] | None
    code: Annotated[str, Constraints(pattern="^[A-Z]{2}$")]


def sample(**changes: Any) -> Sample:
    values: dict[str, Any] = {
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "name": "x",
        "at": datetime(2021, 3, 14, 22, 59, 59, 123456),
        "maybe_at": None,
        "maybe_id": None,
        "tags": ("a", "b"),
        "times": (datetime(2021, 1, 1),),
        "labels": {"de": "Titel"},
        "extra": {"post_id": 7, "nested": [1]},
        "colour": "red",
        "shade": None,
        "code": "PL",
    }
    return Sample(**{**values, **changes})


def test_data_is_json_in_field_order_with_utc_z_times() -> None:
    data = sample(maybe_at=datetime(2021, 3, 15, 1, 0, tzinfo=timezone(timedelta(hours=1)))).to_data()
    assert list(data) == [
        "count", "ratio", "flag", "name", "at", "maybe_at", "maybe_id", "tags", "times", "labels", "extra",
        "colour", "shade", "code",
    ]  # fmt: skip
    assert data["at"] == "2021-03-14T22:59:59Z"  # whole seconds, as isoformat_z writes every time
    assert data["maybe_at"] == "2021-03-15T00:00:00Z"  # an aware time is converted to UTC
    assert data["tags"] == ["a", "b"] and data["times"] == ["2021-01-01T00:00:00Z"]
    assert json.loads(json.dumps(data)) == data  # JSON primitives only


def test_data_does_not_share_containers_with_the_event() -> None:
    labels = {"de": "Titel"}
    data = sample(labels=labels).to_data()
    labels["en"] = "changed after publishing"
    assert data["labels"] == {"de": "Titel"}


def test_derived_schema_accepts_the_data_and_refuses_what_the_types_forbid() -> None:
    schema = Sample.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    good = sample().to_data()
    validator.validate(good)
    validator.validate(sample(maybe_at=datetime(2021, 1, 1), maybe_id=4, shade="dark").to_data())
    assert schema["properties"]["name"]["description"] == "what it is called"
    assert schema["description"] == "A sample with every kind of field."
    assert schema["required"] == list(good)
    for key, bad in (
        ("count", "3"),
        ("count", True),
        ("flag", 1),
        ("at", "2021-03-14T22:59:59"),  # no Z
        ("at", "2021-03-14T22:59:59.5Z"),  # not whole seconds
        ("maybe_id", "4"),
        ("tags", "ab"),
        ("labels", {"de": 1}),
        ("colour", "blue"),
        ("shade", "pale"),
        ("code", "pl"),
    ):
        assert not validator.is_valid({**good, key: bad}), (key, bad)
    assert not validator.is_valid({k: v for k, v in good.items() if k != "maybe_id"})  # always sent, maybe null
    assert not validator.is_valid({**good, "surprise": 1})


@pytest.mark.parametrize("annotation", ["list[int]", "dict[str, int]", "set[int]", "int | str", "tuple[int, int]"])
def test_a_field_without_an_immutable_json_form_is_refused_at_declaration(annotation: str) -> None:
    namespace: dict[str, Any] = {}
    exec(  # a class with the annotation under test, made the way a module would
        f"class Odd(EventData):\n    '''Odd.'''\n\n    value: {annotation}\n",
        {"EventData": EventData, "__name__": __name__},
        namespace,
    )
    with pytest.raises(TypeError, match="Odd.value"):
        Registry().event_type("odd.happened", topics=("odd",))(namespace["Odd"])


def test_registry_rules() -> None:
    registry = Registry()

    class Done(EventData):
        """Something was done."""

        n: int

    class Undocumented(EventData):
        n: int

    registry.event_type("thing.done", topics=("things", "thing.<id>"))(Done)
    registry.event_type("thing.done", topics=("things", "thing.<id>"))(Done)  # the same declaration again is harmless
    assert registry.types["thing.done"].description == "Something was done."
    assert registry.of(Done(n=1)).name == "thing.done"
    with pytest.raises(ValueError, match="declared twice"):
        registry.event_type("thing.done", topics=("things",))(Sample)
    with pytest.raises(ValueError, match="already the data of"):
        registry.event_type("thing.redone", topics=("things",))(Done)
    with pytest.raises(ValueError, match="docstring"):
        registry.event_type("thing.undocumented", topics=("things",))(Undocumented)
    with pytest.raises(ValueError, match="<noun>.<verb>"):
        registry.event_type("thingdone", topics=("things",))
    with pytest.raises(ValueError, match="topics"):
        registry.event_type("thing.lost", topics=())
    with pytest.raises(UnknownEventType):
        registry.of(Undocumented(n=1))


def test_declared_topics_and_families() -> None:
    registry = Registry()

    class Moved(EventData):
        """Moved."""

    registry.event_type("thing.moved", topics=("things", "thing.<id>"))(Moved)
    spec = registry.types["thing.moved"]
    assert spec.routes_to("things") and spec.routes_to("thing.7")
    assert not spec.routes_to("thing.") and not spec.routes_to("thingsx") and not spec.routes_to("news")


def test_publish_takes_typed_data_and_records_its_declared_type(database: Database) -> None:
    data = NewsPublished(
        news_id=1,
        title={"de": "Titel"},
        summary={"de": "s"},
        tags=("a",),
        published_at=datetime(2021, 1, 15, 8, 0, 0, 500_000, tzinfo=UTC),
        space="news",
        project_id=None,
    )
    with database.write() as session:
        event = publish(session, data, topic="news")
    assert event.type == "news.published" and event.id is not None
    assert event.data == {
        "news_id": 1,
        "title": {"de": "Titel"},
        "summary": {"de": "s"},
        "tags": ["a"],
        "published_at": "2021-01-15T08:00:00Z",
        "space": "news",
        "project_id": None,
    }


def test_publishing_data_of_an_undeclared_class_is_refused(database: Database) -> None:
    class Stray(EventData):
        """Never declared."""

    with pytest.raises(UnknownEventType), database.write() as session:
        publish(session, Stray(), topic="news")


MYPY_SNIPPET = '''\
from datetime import datetime

from sqlalchemy.orm import Session

from events import EventData, publish


class Ping(EventData):
    """A ping."""

    n: int
    at: datetime


def check(session: Session) -> None:
    ping = Ping(n=1, at=datetime(2021, 1, 15))
    publish(session, ping, topic="t")
    publish(session, "ping.sent", {"n": 1}, topic="t")  # the string form is gone
    publish(session, Ping(n="1", at=datetime(2021, 1, 15)), topic="t")  # a wrong type
    Ping(n=1)  # a missing field
    Ping(1, datetime(2021, 1, 15))  # positional: fields are keyword-only
    ping.n = 2  # frozen
'''


def test_mypy_refuses_wrong_event_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mypy import api

    snippet = tmp_path / "snippet.py"
    snippet.write_text(MYPY_SNIPPET)
    monkeypatch.chdir(ROOT)  # our `events`, and the project's mypy settings and cache
    out, _err, _code = api.run([str(snippet)])
    flagged = sorted({int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line})
    assert flagged == [18, 19, 20, 21, 22], out
