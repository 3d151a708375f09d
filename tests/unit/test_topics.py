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


def test_an_invited_space_and_its_threads_are_unknown_topics_to_members_outside_it(
    database: Database, world: World
) -> None:
    # REST answers them 404 (a member outside an invited space is not told it exists): so does a topic's refusal.
    with database.write() as session:
        thread, _post = forum.create_thread(
            session, **world.as_("admin"), space=session.merge(world.spaces["closed"]), title="Fusion der Stadtwerke",
            body="<p>x</p>", language="de", mentions=[],
        )  # type: ignore[arg-type]  # fmt: skip
    topics = ["space.ag-zu", "space.no-such-space", f"thread.{thread.id}", f"thread.{thread.id + 1}"]
    for outsider in ("member", "partner", "moderator", "editor"):
        granted, denied = policy.authorize(world.caller(outsider), topics)
        assert granted == []
        assert denied == [{"topic": topic, "reason": "unknown topic"} for topic in topics], outsider
    # Anonymous callers are asked to log in (REST: 401); a members-only space still says why; admins read it all.
    assert policy.refusal(ANONYMOUS, "space.ag-zu") == "login required"
    national = "this space is for members of the national platform"
    assert policy.refusal(world.caller("partner"), "space.intern") == national
    assert policy.authorize(world.caller("admin"), topics[::2])[0] == topics[::2]
