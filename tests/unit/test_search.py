"""The search service with the real bus, on SQLite (FTS5) and PostgreSQL (tsvector): one suite, both engines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from events import ANONYMOUS, Caller, Database, Event, registry, utcnow
from services import forum
from services.calls import announce_call, change_deadline, create_call, get_call, list_calls, update_call
from services.errors import InvalidInput
from services.forum import Thread
from services.news import create_news, get_news, published_news, retract_news, update_news
from services.projects import create_project, get_project, search_projects, update_project
from services.search import SearchEntry, matching_ids, rebuild, search
from services.search import queries as search_queries
from services.search.text import forms, highlight, parse_query
from tests.support.callers import staff
from tests.support.world import World, build_world


@pytest.fixture
def db(any_database: Database) -> Database:
    return any_database


@pytest.fixture
def editor(db: Database) -> Caller:
    """An editor: enough for news, calls and projects (a whole world costs six password hashes)."""
    with db.write() as session:
        return staff(session, "editor")


@pytest.fixture
def world(db: Database) -> World:
    with db.write() as session:
        return build_world(session)


def _news(db: Database, editor: Caller, title: dict[str, str], body: dict[str, str], **extra: Any) -> int:
    with db.write() as session:
        item = create_news(
            session,
            caller=editor,
            title=title,
            body=body,
            tags=extra.pop("tags", []),
            publish_now=extra.pop("publish_now", True),
            **extra,
        )
        return item.id


def _thread(db: Database, world: World, space: str, title: str, body: str, language: str = "de") -> tuple[int, int]:
    with db.write() as session:
        thread, post = forum.create_thread(
            session,
            **world.as_("admin"),  # type: ignore[arg-type]
            space=session.merge(world.spaces[space]),
            title=title,
            body=body,
            language=language,
            mentions=[],
        )
        return thread.id, post.id


def _reply(db: Database, world: World, thread_id: int, body: str, language: str = "de", who: str = "admin") -> int:
    with db.write() as session:
        post = forum.create_post(
            session,
            **world.as_(who),  # type: ignore[arg-type]
            thread=session.get(Thread, thread_id),  # type: ignore[arg-type]
            body=body,
            language=language,
            mentions=[],
        )
        return post.id


def _find(db: Database, q: str, caller: Caller = ANONYMOUS, **options: Any) -> list[tuple[str, int]]:
    with db.read() as session:
        hits, _total, _bounded = search(session, caller, q=q, limit=options.pop("limit", 50), **options)
        return [(hit.kind, hit.id) for hit in hits]


def _entries(db: Database) -> list[tuple[Any, ...]]:
    with db.read() as session:
        rows = session.execute(
            select(
                SearchEntry.kind,
                SearchEntry.item_id,
                SearchEntry.lang,
                SearchEntry.space_id,
                SearchEntry.title,
                SearchEntry.body,
                SearchEntry.ref,
                SearchEntry.title_terms,
                SearchEntry.body_terms,
            ).order_by(SearchEntry.kind, SearchEntry.item_id, SearchEntry.lang)
        )
        return [tuple(row) for row in rows]


# -- language: stemming and folding -------------------------------------------------------------
def test_german_and_english_words_are_stemmed(db: Database, editor: Caller) -> None:
    calls = _news(db, editor, {"de": "Neue Förderaufrufe veröffentlicht"}, {"de": "<p>Zwei Aufrufe für Kommunen</p>"})
    cities = _news(db, editor, {"en": "Smart city budgets"}, {"en": "<p>How the city plans its budget</p>"})
    assert _find(db, "Förderaufruf") == [("news", calls)]
    assert _find(db, "förderaufrufen") == [("news", calls)]
    assert _find(db, "Kommune") == [("news", calls)]
    assert _find(db, "cities") == [("news", cities)]
    assert _find(db, "budgeting plans") == [("news", cities)]
    # The German stemmer is not used on English text, nor the other way round.
    assert _find(db, "cities", lang="de") == []
    assert _find(db, "Förderaufruf", lang="en") == []


def test_umlauts_and_sharp_s_are_found_however_they_are_typed(db: Database, editor: Caller) -> None:
    munich = _news(db, editor, {"de": "Smarte Straße in München"}, {"de": "<p>Ein Bericht über Bürger</p>"})
    written_out = _news(db, editor, {"de": "Neues aus Muenchen"}, {"de": "<p>Buergerbeteiligung</p>"})
    english = _news(db, editor, {"en": "A street in Düsseldorf"}, {"en": "<p>Report</p>"})
    for typed in ("München", "Muenchen", "munchen", "MÜNCHEN", "muenchen"):
        assert ("news", munich) in _find(db, typed), typed
    assert ("news", written_out) in _find(db, "München")
    for typed in ("Straße", "Strasse", "strasse", "STRASSE"):
        assert _find(db, typed) == [("news", munich)], typed
    for typed in ("Düsseldorf", "Duesseldorf", "dusseldorf"):
        assert _find(db, typed) == [("news", english)], typed
    assert _find(db, "Bürgerbeteiligung") == [("news", written_out)]


def test_folding_gives_every_spelling_of_an_umlaut() -> None:
    assert forms("München", "de") == {"muenchen", "munchen"}
    assert forms("Muenchen", "de") == {"muenchen", "munchen"}
    assert forms("Straße", "de") == {"strasse"}
    assert forms("Quelle", "de") == {"quelle"}  # a "ue" after q is no umlaut
    assert forms("Café", "en") == {"cafe"}


# -- ranking, snippets, pages -------------------------------------------------------------------
def test_a_word_in_the_title_ranks_above_the_same_word_in_the_text(db: Database, editor: Caller) -> None:
    in_text = _news(
        db, editor, {"de": "Jahresbericht"}, {"de": "<p>Im Bericht steht auch etwas über Mobilität und Verkehr.</p>"}
    )
    in_title = _news(db, editor, {"de": "Mobilität im ländlichen Raum"}, {"de": "<p>Ein Modellprojekt berichtet.</p>"})
    _news(db, editor, {"de": "Unbeteiligt"}, {"de": "<p>Nichts davon</p>"})
    with db.read() as session:
        hits, total, _bounded = search(session, ANONYMOUS, q="Mobilität", limit=10)
    assert [(h.kind, h.id) for h in hits] == [("news", in_title), ("news", in_text)]
    assert total == 2
    assert hits[0].score > hits[1].score


def test_snippets_mark_the_matching_words_and_escape_the_rest(db: Database, editor: Caller) -> None:
    before, after = (" ".join(f"{word}{i}" for i in range(60)) for word in ("vorher", "nachher"))
    body = f"<p>{before} Die Förderaufrufe &lt;script&gt;alert(1)&lt;/script&gt; und {after}</p>"
    item = _news(db, editor, {"de": "Bericht"}, {"de": body})
    with db.read() as session:
        hits, _total, _bounded = search(session, ANONYMOUS, q="förderaufruf", limit=5)
    assert [h.id for h in hits] == [item]
    snippet = hits[0].snippet
    assert "<mark>Förderaufrufe</mark>" in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet and "<script>" not in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "vorher55 " not in snippet and "vorher59 Die" in snippet and "nachher59" not in snippet
    assert hits[0].title == "Bericht" and hits[0].language == "de" and hits[0].ref == {"news_id": item}


def test_a_title_match_is_marked_in_the_title_when_the_text_has_none(db: Database, world: World) -> None:
    thread_id, _post = _thread(db, world, "public", "Parken in der Innenstadt", "<p>Was meint ihr?</p>")
    with db.read() as session:
        hits, _total, _bounded = search(session, ANONYMOUS, q="innenstadt", limit=5)
    assert [(h.kind, h.id) for h in hits] == [("threads", thread_id)]
    assert hits[0].snippet == "Parken in der <mark>Innenstadt</mark>"
    query = parse_query("Strasse")
    assert highlight("Die Straße & der Platz", query, "de") == "Die <mark>Straße</mark> &amp; der Platz"


def test_pages_follow_each_other_and_each_item_appears_once(db: Database, editor: Caller) -> None:
    titles = {"de": "Radweg {}", "en": "Radweg {} (cycle path)"}
    ids = {_news(db, editor, {k: t.format(i) for k, t in titles.items()}, {"de": "<p>Radweg</p>"}) for i in range(7)}
    seen: list[int] = []
    offset = 0
    while True:
        with db.read() as session:
            hits, total, _bounded = search(session, ANONYMOUS, q="radweg", limit=3, offset=offset)
        assert total == 7
        if not hits:
            break
        seen.extend(h.id for h in hits)
        offset += len(hits)
    # Each item matches in German and in English, and is one hit (in its better language).
    assert sorted(seen) == sorted(ids)
    assert len(_find(db, "radweg", lang="en")) == 7
    assert len(_find(db, "path")) == 7 and _find(db, "path", lang="de") == []


def test_kinds_narrow_the_search(db: Database, world: World) -> None:
    news_id = _news(db, world.caller("editor"), {"de": "Digitale Verwaltung"}, {"de": "<p>Text</p>"})
    thread_id, post_id = _thread(db, world, "public", "Verwaltung digital", "<p>Digitale Verwaltung vor Ort</p>")
    assert set(_find(db, "verwaltung")) == {("news", news_id), ("threads", thread_id), ("posts", post_id)}
    assert _find(db, "verwaltung", kinds=["posts"]) == [("posts", post_id)]
    assert set(_find(db, "verwaltung", kinds=["news", "threads"])) == {("news", news_id), ("threads", thread_id)}


# -- what is indexed, and when it leaves -----------------------------------------------------------
def test_news_is_indexed_when_published_updated_and_gone_when_retracted(db: Database, editor: Caller) -> None:
    draft = _news(db, editor, {"de": "Entwurf Klimaschutz"}, {"de": "<p>geheim</p>"}, publish_now=False)
    assert _find(db, "Klimaschutz") == []
    published = _news(db, editor, {"de": "Klimaschutz konkret"}, {"de": "<p>Text</p>"})
    assert _find(db, "Klimaschutz") == [("news", published)]
    with db.write() as session:
        item = get_news(session, editor, published)
        update_news(session, item, caller=editor, changes={"title": {"de": "Wärmeplanung konkret"}})
    assert _find(db, "Klimaschutz") == []
    assert _find(db, "Wärmeplanung") == [("news", published)]
    with db.write() as session:
        retract_news(session, get_news(session, editor, published), caller=editor)
    assert _find(db, "Wärmeplanung") == []
    assert draft != published


def test_calls_are_indexed_from_their_announcement_and_follow_their_edits(db: Database, editor: Caller) -> None:
    now = utcnow()
    with db.write() as session:
        call = create_call(
            session,
            caller=editor,
            programme="Modellprojekte Smart Cities",
            round=4,
            title={"de": "Vierter Förderaufruf", "en": "Fourth call for funding"},
            summary={"de": "Gesucht: Quartiere", "en": "Wanted: neighbourhoods"},
            opens_at=now + timedelta(days=1),
            deadline=now + timedelta(days=30),
        )
        call_id = call.id
    assert _find(db, "Förderaufruf") == []  # a draft
    with db.write() as session:
        announce_call(session, get_call(session, editor, call_id), caller=editor)
    assert _find(db, "Förderaufruf") == [("calls", call_id)]
    assert _find(db, "neighbourhood") == [("calls", call_id)]
    with db.write() as session:
        call = get_call(session, editor, call_id)
        update_call(session, call, caller=editor, changes={"summary": {"de": "Gesucht: Dörfer"}})
    assert _find(db, "Dorf") == [("calls", call_id)]
    assert _find(db, "Quartier") == []
    with db.write() as session:
        call = get_call(session, editor, call_id)
        change_deadline(session, call, caller=editor, deadline=now + timedelta(days=40), reason="mehr Zeit")
    assert _find(db, "Dörfer", lang="de") == [("calls", call_id)]


def test_projects_are_indexed_with_their_topics_and_states(db: Database, editor: Caller) -> None:
    with db.write() as session:
        project = create_project(
            session,
            caller=editor,
            name="Smarte Region Südwest",
            kind="cooperation",
            round=2,
            federal_states=["Baden-Württemberg"],
            description={"de": "Gemeinsame Datenplattform", "en": "A shared data platform"},
            topics=["mobilität"],
        )
        project_id = project.id
    assert _find(db, "Datenplattformen") == [("projects", project_id)]
    assert _find(db, "platforms") == [("projects", project_id)]
    assert _find(db, "Wuerttemberg") == [("projects", project_id)]
    assert _find(db, "Mobilitaet") == [("projects", project_id)]
    with db.write() as session:
        update_project(
            session,
            get_project(session, project_id),
            caller=editor,
            changes={"description": {"de": "Offene Sensorik"}},
        )
    assert _find(db, "Datenplattform") == []
    assert _find(db, "Sensorik") == [("projects", project_id)]


def test_a_hidden_post_leaves_the_index_with_the_hiding(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread_id, _first = _thread(db, world, "public", "Ladesäulen", "<p>Wo gibt es Ladesäulen?</p>")
    reply = _reply(db, world, thread_id, "<p>Am Bahnhof stehen Ladesäulen für Lastenräder</p>")
    assert ("posts", reply) in _find(db, "Lastenrad")

    # The removal commits with the hiding or not at all: a later handler that fails undoes both.
    def fail(_session: Session, _event: Event) -> None:
        raise RuntimeError("a later reaction failed")

    monkeypatch.setitem(registry.handlers, "post.hidden", [*registry.handlers["post.hidden"], fail])
    with pytest.raises(RuntimeError), db.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=reply, reason="spam")  # type: ignore[arg-type]
    assert ("posts", reply) in _find(db, "Lastenrad")
    monkeypatch.undo()
    # ... one that commits takes it out in the same transaction.
    with db.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=reply, reason="spam")  # type: ignore[arg-type]
    assert ("posts", reply) not in _find(db, "Lastenrad")
    assert ("threads", thread_id) in _find(db, "Ladesäulen")


def test_an_edited_post_is_found_by_its_new_words_only(db: Database, world: World) -> None:
    thread_id, _first = _thread(db, world, "public", "Bänke", "<p>Mehr Bänke im Park</p>")
    reply = _reply(db, world, thread_id, "<p>Schattenplätze fehlen</p>", who="member")
    with db.write() as session:
        forum.edit_post(session, **world.as_("member"), post_id=reply, body="<p>Trinkbrunnen fehlen</p>")  # type: ignore[arg-type]
    assert _find(db, "Schattenplatz") == []
    assert _find(db, "Trinkbrunnen") == [("posts", reply)]


def test_a_rolled_back_publication_indexes_nothing(db: Database, editor: Caller) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        create_news(
            session,
            caller=editor,
            title={"de": "Zurückgenommen"},
            body={"de": "<p>x</p>"},
            tags=[],
            publish_now=True,
        )
        raise RuntimeError("rollback")
    assert _entries(db) == []


# -- who sees what -------------------------------------------------------------------------------
def test_threads_and_posts_show_only_to_those_who_may_read_their_space(db: Database, world: World) -> None:
    found: dict[str, set[tuple[str, int]]] = {}
    for space in ("public", "members", "network", "closed"):
        thread_id, post_id = _thread(db, world, space, f"Fahrradstraßen {space}", "<p>Fahrradstraßen überall</p>")
        found[space] = {("threads", thread_id), ("posts", post_id)}

    def seen(who: str | None) -> set[tuple[str, int]]:
        return set(_find(db, "Fahrradstrasse", ANONYMOUS if who is None else world.caller(who)))

    assert seen(None) == found["public"]
    assert seen("member") == found["public"] | found["members"] | found["network"]
    assert seen("partner") == found["public"] | found["network"]
    assert seen("editor") == found["public"] | found["members"]
    assert seen("admin") == found["public"] | found["members"] | found["network"] | found["closed"]
    # News, calls and projects are everyone's.
    news_id = _news(db, world.caller("editor"), {"de": "Fahrradstraßen kommen"}, {"de": "<p>x</p>"})
    assert ("news", news_id) in seen(None)


def test_a_frequent_word_ranks_the_newest_readable_matches_and_says_its_total_is_a_lower_bound(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_queries, "CANDIDATES", 5)  # the cap, small enough to pass in a test
    thread_id, first = _thread(db, world, "public", "Allerlei", "<p>Ein Radweg</p>")
    readable = [first, *(_reply(db, world, thread_id, f"<p>Radweg {n}</p>") for n in range(7))]
    readable.append(_reply(db, world, thread_id, "<p>Radweg Radweg Radweg Radweg</p>"))  # the best score
    closed_id, closed_first = _thread(db, world, "closed", "Intern", "<p>Radweg intern</p>")
    # The newest matches are in a space the anonymous reader may not read: they take no place of theirs.
    closed = [closed_first, *(_reply(db, world, closed_id, f"<p>Radweg {n}</p>") for n in range(5))]

    def pages(caller: Caller, q: str = "radweg") -> tuple[list[int], set[int], set[bool]]:
        ids, totals, bounds = [], set(), set()
        for offset in range(0, 20, 2):
            with db.read() as session:
                found = search(session, caller, q=q, kinds=["posts"], limit=2, offset=offset)
            assert [h.id for h in found.hits] == [h.id for h in found.hits if h.id not in ids]
            ids += [h.id for h in found.hits]
            totals.add(found.total)
            bounds.add(found.total_is_lower_bound)
            if not found.hits:
                break
            assert len(found.hits) == 2 or len(ids) == found.total, "full pages up to the total"
        return ids, totals, bounds

    ids, totals, bounds = pages(ANONYMOUS)
    assert totals == {5} and bounds == {True}
    # The five newest readable matches, best first (the post saying it four times leads).
    assert ids[0] == readable[-1] and sorted(ids) == sorted(readable[-5:])
    assert not set(ids) & set(closed)
    ids, totals, bounds = pages(world.caller("admin"))  # reads the closed space: its posts are the newest
    assert sorted(ids) == sorted(closed[-5:]) and totals == {5} and bounds == {True}
    # At most the cap: exact, as before.
    ids, totals, bounds = pages(ANONYMOUS, "radweg intern")
    assert (ids, totals, bounds) == ([], {0}, {False})
    monkeypatch.setattr(search_queries, "CANDIDATES", 9)
    ids, totals, bounds = pages(ANONYMOUS)
    assert sorted(ids) == sorted(readable) and totals == {9} and bounds == {False}


# -- the index can be rebuilt from the services' tables ------------------------------------------
def test_a_rebuild_gives_the_index_the_events_built(db: Database, world: World) -> None:
    editor = world.caller("editor")
    _news(
        db, editor, {"de": "Öffentlicher Nahverkehr", "en": "Public transport"}, {"de": "<p>Busse</p>"}, tags=["öpnv"]
    )
    _news(db, editor, {"de": "Entwurf"}, {"de": "<p>x</p>"}, publish_now=False)
    thread_id, _first = _thread(db, world, "members", "Busse", "<p>Takt</p>")
    hidden = _reply(db, world, thread_id, "<p>Versteckt</p>")
    _reply(db, world, thread_id, "<p>Sichtbar</p>", language="en")
    with db.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=hidden, reason=None)  # type: ignore[arg-type]
    built_by_events = _entries(db)
    with db.write() as session:
        counts = rebuild(session)
    assert _entries(db) == built_by_events
    assert counts == {"news": 2, "calls": 0, "projects": 0, "threads": 1, "posts": 2}
    assert _find(db, "Nahverkehr") and _find(db, "Versteckt", world.caller("admin")) == []


# -- the list filters use the same index ---------------------------------------------------------
def test_list_filters_keep_to_the_matches(db: Database, editor: Caller) -> None:
    wanted = _news(db, editor, {"de": "Stadtwerke digital"}, {"de": "<p>x</p>"})
    _news(db, editor, {"de": "Anderes Thema"}, {"de": "<p>x</p>"})
    with db.read() as session:
        items, total = published_news(
            session, ANONYMOUS, limit=10, offset=0, ids=matching_ids(session, "news", "Stadtwerk")
        )
        assert ([i.id for i in items], total) == ([wanted], 1)
        calls, total = list_calls(session, ANONYMOUS, limit=10, offset=0, ids=matching_ids(session, "calls", "x"))
        assert (calls, total) == ([], 0)
        projects, total = search_projects(session, limit=10, offset=0, ids=matching_ids(session, "projects", "x"))
        assert (projects, total) == ([], 0)


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "q",
    ["", "   ", "x" * 1000, '"*:()-', "!!! ??? ...", " ".join(f"w{i}" for i in range(13))],
    ids=["empty", "blank", "1000-chars", "only-syntax", "punctuation", "too-many-words"],
)
def test_queries_without_words_or_too_long_are_refused(db: Database, q: str) -> None:
    with db.read() as session, pytest.raises(InvalidInput) as refused:
        search(session, ANONYMOUS, q=q, limit=5)
    assert refused.value.field == "q"


@pytest.mark.parametrize(
    "q", ['"Radweg', "Radweg*", "NEAR(Radweg fehlt)", "title:Radweg", "(Radweg", "-Radweg", "Radweg AND OR NOT"]
)
def test_full_text_syntax_is_taken_literally(db: Database, editor: Caller, q: str) -> None:
    item = _news(db, editor, {"de": "Radweg fehlt"}, {"de": "<p>near title and or not</p>"})
    # Every word is a literal term, and the text has every one of them: never a syntax error.
    assert _find(db, q) == [("news", item)]


def test_unknown_kinds_and_languages_are_refused(db: Database) -> None:
    with db.read() as session:
        with pytest.raises(InvalidInput) as refused:
            search(session, ANONYMOUS, q="x", kinds=["news", "tweets"], limit=5)
        assert refused.value.field == "kind"
        with pytest.raises(InvalidInput) as refused:
            search(session, ANONYMOUS, q="x", lang="fr", limit=5)
        assert refused.value.field == "lang"


def test_unhidden_and_deleted_posts_follow_when_the_forum_publishes_them(db: Database, world: World) -> None:
    # The forum declares no `post.unhidden` / `post.deleted` yet: run the handlers the bus would run.
    thread_id, _first = _thread(db, world, "public", "Wasserspielplatz", "<p>Ein Wasserspielplatz im Park?</p>")
    reply = _reply(db, world, thread_id, "<p>Ja, mit Pumpe und Wasserspielplatz-Rinne</p>")

    def dispatch(event_type: str) -> None:
        with db.write() as session:
            event = Event(type=event_type, topic="space.offen", data={"thread_id": thread_id, "post_id": reply})
            for handler in registry.handlers_for(event_type):
                handler(session, event)

    with db.write() as session:
        forum.hide_post(session, **world.as_("moderator"), post_id=reply, reason=None)  # type: ignore[arg-type]
    assert ("posts", reply) not in _find(db, "Pumpe")
    with db.write() as session:  # what an unhide will do to the post
        post = session.get(forum.Post, reply)
        assert post is not None
        post.hidden_at = None
    dispatch("post.unhidden")
    assert _find(db, "Pumpe") == [("posts", reply)]
    dispatch("post.deleted")
    assert _find(db, "Pumpe") == []


def test_withdrawing_many_posts_in_one_transaction_merges_the_index_once(db: Database, world: World) -> None:
    # FTS5's 'optimize' rewrites the whole index: once per transaction (after all its handlers),
    # not once per withdrawn post, or a member's erasure costs hundreds of whole-index merges.
    thread_id, _first = _thread(db, world, "public", "Brunnen", "<p>Wo stehen Trinkbrunnen?</p>")
    replies = [_reply(db, world, thread_id, f"<p>Trinkbrunnen am Marktplatz Nummer {n}</p>") for n in range(3)]
    assert {("posts", reply) for reply in replies} <= set(_find(db, "Marktplatz"))
    merges: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "'optimize'" in statement:
            merges.append(statement)

    assert db.engine is not None
    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.write() as session:
            for reply in replies:
                forum.delete_post(session, **world.as_("moderator"), post_id=reply)  # type: ignore[arg-type]
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert len(merges) == (1 if db.engine.dialect.name == "sqlite" else 0)  # PostgreSQL: autovacuum's job
    assert _find(db, "Marktplatz") == []
