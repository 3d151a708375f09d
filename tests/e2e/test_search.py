"""Search over HTTP against a live server: language, ranking, snippets, permissions, pages, withdrawals, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.support.api import call, me, ok
from tests.support.programme import call_body
from tests.support.server import ADMIN, EDITOR, MEMBER, MODERATOR, PARTNER, LiveServer

pytestmark = pytest.mark.e2e


@dataclass
class Content:
    """What the module's tests search for, and who searches."""

    tokens: dict[str, str | None]
    news: dict[str, int]
    threads: dict[str, int]
    posts: dict[str, int]
    call_id: int
    project_id: int


def _news(server: LiveServer, token: str | None, title: dict[str, str], body: dict[str, str]) -> int:
    created = call(server, "POST", "/news", token, json={"title": title, "body": body, "publish": True})
    return int(ok(created, 201)["id"])


def _thread(server: LiveServer, token: str | None, slug: str, title: str, body: str) -> tuple[int, int]:
    opened = ok(
        call(server, "POST", f"/spaces/{slug}/threads", token, json={"title": title, "body": body, "language": "de"}),
        201,
    )
    return int(opened["id"]), int(opened["first_post"]["id"])


@pytest.fixture(scope="module")
def content(server: LiveServer) -> Iterator[Content]:
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, email in (
        ("admin", ADMIN),
        ("editor", EDITOR),
        ("member", MEMBER),
        ("partner", PARTNER),
        ("moderator", MODERATOR),
    ):
        tokens[role] = server.token(email)
    admin, editor = tokens["admin"], tokens["editor"]
    news = {
        "title": _news(
            server, editor, {"de": "Zebrastreifen für alle Quartiersplätze"}, {"de": "<p>Mehr Sicherheit.</p>"}
        ),
        "body": _news(
            server,
            editor,
            {"de": "Jahresbericht Verkehr"},
            {"de": "<p>Im Bericht: Zebrastreifen &amp; Ampeln <b>in</b> der Straße vor der Schule in München.</p>"},
        ),
        "english": _news(server, editor, {"en": "Pilot cities report"}, {"en": "<p>Every city tried a pilot.</p>"}),
    }
    for slug, visibility in (("s-offen", "public"), ("s-intern", "members"), ("s-einladung", "invited")):
        body = {"slug": slug, "name": {"de": slug}, "kind": "working_group", "visibility": visibility}
        ok(call(server, "POST", "/spaces", admin, json=body), 201)
    # The partner is invited into s-einladung; the member is not.
    ok(call(server, "PUT", f"/spaces/s-einladung/members/{me(server, str(tokens['partner']))}", admin), 204)
    threads, posts = {}, {}
    for slug in ("s-offen", "s-intern", "s-einladung"):
        threads[slug], posts[slug] = _thread(server, admin, slug, f"Schulweg {slug}", "<p>Wo fehlen Zebrastreifen?</p>")
    created = call(
        server,
        "POST",
        "/calls",
        editor,
        json=call_body(
            5,
            {"de": "Aufruf Quartiersmobilität", "en": "Call for neighbourhood mobility"},
            timedelta(days=5),
            timedelta(days=50),
            summary={"de": "Für sichere Zebrastreifen"},
            announce=True,
        ),
    )
    project = call(
        server,
        "POST",
        "/projects",
        editor,
        json={
            "name": "Zebrastreifen-Labor Nord",
            "kind": "municipality",
            "round": 3,
            "federal_states": ["Schleswig-Holstein"],
            "description": {"de": "Ein Labor für Querungen"},
        },
    )
    yield Content(tokens, news, threads, posts, int(ok(created, 201)["id"]), int(ok(project, 201)["id"]))


def _search(server: LiveServer, token: str | None = None, **params: Any) -> dict[str, Any]:
    return dict(ok(call(server, "GET", "/search", token, params=params)))


def _hits(server: LiveServer, token: str | None = None, **params: Any) -> list[tuple[str, int]]:
    return [(hit["kind"], hit["id"]) for hit in _search(server, token, limit=50, **params)["items"]]


def test_stemming_in_german_and_english(server: LiveServer, content: Content) -> None:
    assert ("news", content.news["title"]) in _hits(server, q="Quartiersplatz")
    assert _hits(server, q="Quartiersplätzen", kind="news") == [("news", content.news["title"])]
    assert _hits(server, q="city pilots") == [("news", content.news["english"])]
    assert _hits(server, q="city", lang="de") == []


def test_umlauts_and_sharp_s_however_typed(server: LiveServer, content: Content) -> None:
    wanted = ("news", content.news["body"])
    for typed in ("München", "Muenchen", "munchen", "MÜNCHEN"):
        assert wanted in _hits(server, q=typed), typed
    for typed in ("Straße", "Strasse", "STRASSE"):
        assert wanted in _hits(server, q=f"Schule {typed}"), typed


def test_hits_are_ranked_with_escaped_marked_snippets(server: LiveServer, content: Content) -> None:
    page = _search(server, q="Zebrastreifen", kind="news")
    assert [hit["id"] for hit in page["items"]] == [content.news["title"], content.news["body"]]
    assert page["total"] == 2 and page["next"] is None
    first, second = page["items"]
    assert first["score"] > second["score"]
    assert first["snippet"] == "<mark>Zebrastreifen</mark> für alle Quartiersplätze"
    assert (
        "<mark>Zebrastreifen</mark> &amp; Ampeln in der Straße" in second["snippet"] and "<b>" not in second["snippet"]
    )
    assert second == {
        "kind": "news",
        "id": content.news["body"],
        "title": "Jahresbericht Verkehr",
        "snippet": second["snippet"],
        "language": "de",
        "score": second["score"],
        "ref": {"news_id": content.news["body"]},
        "url": f"/api/v1/news/{content.news['body']}",
    }
    assert ok(requests.get(server.url + second["url"], timeout=10))["id"] == content.news["body"]


def test_one_search_over_every_kind(server: LiveServer, content: Content) -> None:
    found = set(_hits(server, content.tokens["admin"], q="Zebrastreifen"))
    assert {
        ("news", content.news["title"]),
        ("news", content.news["body"]),
        ("calls", content.call_id),
        ("projects", content.project_id),
        *(("posts", post_id) for post_id in content.posts.values()),
    } <= found
    assert _hits(server, q="Schulweg", kind="threads,posts") == [("threads", content.threads["s-offen"])]
    thread_hit = _search(server, q="Schulweg", kind="threads")["items"][0]
    assert thread_hit["ref"] == {"space": "s-offen", "thread_id": content.threads["s-offen"]}
    assert thread_hit["url"] == f"/api/v1/threads/{content.threads['s-offen']}"


def test_threads_and_posts_only_for_readers_of_their_space(server: LiveServer, content: Content) -> None:
    def seen(role: str) -> set[str]:
        hits = _hits(server, content.tokens[role], q="Zebrastreifen", kind="posts")
        return {slug for slug, post_id in content.posts.items() if ("posts", post_id) in hits}

    assert seen("anonymous") == {"s-offen"}
    assert seen("member") == {"s-offen", "s-intern"}
    assert seen("partner") == {"s-offen", "s-einladung"}
    assert seen("admin") == {"s-offen", "s-intern", "s-einladung"}


def test_pages_follow_each_other_by_cursor(server: LiveServer, content: Content) -> None:
    admin = content.tokens["admin"]
    everything = _search(server, admin, q="Zebrastreifen", limit=50)
    collected: list[dict[str, Any]] = []
    params: dict[str, Any] = {"q": "Zebrastreifen", "limit": 2}
    while True:
        page = _search(server, admin, **params)
        assert page["total"] == everything["total"] and len(page["items"]) <= 2
        collected.extend(page["items"])
        if page["next"] is None:
            break
        params["cursor"] = page["next"]
    assert [(h["kind"], h["id"]) for h in collected] == [(h["kind"], h["id"]) for h in everything["items"]]
    assert len(collected) == everything["total"] >= 7


def test_list_endpoints_search_with_the_same_index(server: LiveServer, content: Content) -> None:
    news = ok(call(server, "GET", "/news", params={"q": "Zebrastreifen", "limit": 100}))
    assert {item["id"] for item in news["items"]} == {content.news["title"], content.news["body"]}
    assert ok(call(server, "GET", "/news", params={"q": "Muenchen"}))["items"][0]["id"] == content.news["body"]
    calls = ok(call(server, "GET", "/calls", params={"q": "Quartiersmobilitaet"}))
    assert [item["id"] for item in calls["items"]] == [content.call_id]
    projects = ok(call(server, "GET", "/projects", params={"q": "Querung"}))
    assert [item["id"] for item in projects["items"]] == [content.project_id]
    assert ok(call(server, "GET", "/projects", params={"q": "Koeln"}))["items"][0]["name"] == "Köln"


def test_retracted_news_and_hidden_posts_leave_the_results(server: LiveServer, content: Content) -> None:
    editor, moderator = content.tokens["editor"], content.tokens["moderator"]
    gone = _news(server, editor, {"de": "Fahrradparkhaus eröffnet"}, {"de": "<p>Am Bahnhof</p>"})
    thread_id, first = _thread(
        server, moderator, "s-offen", "Fahrradparkhaus", "<p>Wie findet ihr das Fahrradparkhaus?</p>"
    )
    assert {("news", gone), ("posts", first)} <= set(_hits(server, q="Fahrradparkhaus"))
    ok(call(server, "POST", f"/news/{gone}/retract", editor, json={"reason": "Falsche Meldung"}))
    ok(call(server, "POST", f"/posts/{first}/hide", moderator, json={"reason": "doppelt"}))
    assert _hits(server, q="Fahrradparkhaus") == [("threads", thread_id)]


def test_a_rebuilt_index_answers_the_same(server: LiveServer, content: Content) -> None:
    admin = content.tokens["admin"]
    before = _search(server, admin, q="Zebrastreifen", limit=50)
    output = server.cli("reindex")
    assert "search index rebuilt" in output and "posts" in output
    after = _search(server, admin, q="Zebrastreifen", limit=50)
    assert [(h["kind"], h["id"], h["snippet"]) for h in after["items"]] == [
        (h["kind"], h["id"], h["snippet"]) for h in before["items"]
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 1000}, "q"),
        ({"q": '"*:()-'}, "q"),
        ({"q": " ".join(f"w{i}" for i in range(13))}, "q"),
        ({"q": "Zebrastreifen", "kind": "tweets"}, "kind"),
        ({"q": "Zebrastreifen", "kind": ","}, "kind"),
        ({"q": "Zebrastreifen", "lang": "fr"}, "lang"),
        ({"q": "Zebrastreifen", "cursor": "not-a-cursor"}, "cursor"),
        ({"q": "Zebrastreifen", "cursor": "cDE5OTk5OTk5OTk5"}, "cursor"),
        ({"q": "Zebrastreifen", "limit": 0}, "limit"),
        ({"q": "Zebrastreifen", "limit": 51}, "limit"),
    ],
)
def test_bad_input_is_a_clear_422(server: LiveServer, params: dict[str, Any], field: str) -> None:
    response = call(server, "GET", "/search", params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["message"]
    assert field in str(error["details"]), error


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ('"Zebrastreifen', True),
        ("Zebrastreifen*", True),
        ("(Zebrastreifen", True),
        ("-Zebrastreifen", True),  # a word, not a negation
        ("Zebrastreifen:", True),
        ("Zebrastreifen AND", False),  # "and" is a word the item does not have, not an operator
        ("NEAR(Zebrastreifen Quartiersplätze)", False),
    ],
)
def test_full_text_syntax_is_only_words(server: LiveServer, content: Content, q: str, found: bool) -> None:
    response = call(server, "GET", "/search", params={"q": q, "kind": "news"})
    assert response.status_code == 200, response.text
    assert (content.news["title"] in [hit["id"] for hit in response.json()["items"]]) is found


@pytest.mark.parametrize("path", ["/news", "/calls", "/projects"])
def test_list_endpoints_refuse_a_query_without_words(server: LiveServer, path: str) -> None:
    response = call(server, "GET", path, params={"q": "***"})
    assert response.status_code == 422 and "q" in response.json()["error"]["details"]["query"]
