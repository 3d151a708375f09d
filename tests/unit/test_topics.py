"""Topics name things that exist, in canonical form only."""

from __future__ import annotations

import pytest

from events import ANONYMOUS, Database, policy
from events.topics import MAX_ID, id_refusal
from services import forum
from services.projects import create_project
from tests.support.callers import staff
from tests.support.world import World, build_world


@pytest.mark.parametrize(
    ("arg", "reason"),
    [
        ("1", None),
        (str(MAX_ID), None),
        ("01", "unknown topic: ids have no leading zeros (1)"),
        ("007", "unknown topic: ids have no leading zeros (7)"),
        ("0", "unknown topic"),
        ("00", "unknown topic"),
        ("+1", "unknown topic"),
        ("-1", "unknown topic"),
        (" 1", "unknown topic"),
        ("1 ", "unknown topic"),
        ("1.0", "unknown topic"),
        ("1e3", "unknown topic"),
        ("²", "unknown topic"),
        ("١", "unknown topic"),  # an Arabic-Indic digit: int() would take it
        (str(MAX_ID + 1), "unknown topic"),
        ("9" * 40, "unknown topic"),
    ],
)
def test_only_the_canonical_form_of_an_id_is_an_id(arg: str, reason: str | None) -> None:
    assert id_refusal(arg) == reason


@pytest.fixture
def world(database: Database) -> World:
    with database.write() as session:
        return build_world(session)


def test_project_and_thread_topics_must_name_existing_ones(database: Database, world: World) -> None:
    with database.write() as session:
        project = create_project(
            session, caller=staff(session), name="Kassel", kind="municipality", round=2,
            federal_states=["Hessen"], description={"de": "x"},
        )  # fmt: skip
        thread, _post = forum.create_thread(
            session, **world.as_("member"), space=session.merge(world.spaces["public"]), title="T",
            body="<p>x</p>", language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
    member = world.caller("member")
    granted, denied = policy.authorize(
        ANONYMOUS,
        [
            f"project.{project.id}",
            f"thread.{thread.id}",
            f"project.{project.id + 1}",
            f"thread.{thread.id + 1}",
            f"project.0{project.id}",
            f"thread.0{thread.id}",
            f"project.+{project.id}",
            f"project.{MAX_ID + 1}",
        ],
    )
    assert granted == [f"project.{project.id}", f"thread.{thread.id}"]
    assert denied == [
        {"topic": f"project.{project.id + 1}", "reason": "unknown topic: no such project"},
        {"topic": f"thread.{thread.id + 1}", "reason": "unknown topic"},
        {"topic": f"project.0{project.id}", "reason": f"unknown topic: ids have no leading zeros ({project.id})"},
        {"topic": f"thread.0{thread.id}", "reason": f"unknown topic: ids have no leading zeros ({thread.id})"},
        {"topic": f"project.+{project.id}", "reason": "unknown topic"},
        {"topic": f"project.{MAX_ID + 1}", "reason": "unknown topic"},
    ]
    own = member.id
    assert policy.refusal(member, f"user.{own}") is None
    assert policy.refusal(member, f"user.0{own}") == f"unknown topic: ids have no leading zeros ({own})"
