"""Helpers for tests of access that ends while subscribed: fresh accounts, spaces, and an SSE recorder."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.api import call, ok
from tests.support.live_client import Recorder
from tests.support.server import LiveServer
from tests.support.sse import frames

PASSWORD = "a-long-enough-password"
_serial = itertools.count(1)


@dataclass(frozen=True)
class Account:
    """A member created for one test: id and a bearer token."""

    id: int
    token: str


def new_account(server: LiveServer, admin: str, role: str, label: str) -> Account:
    """A new member with `role` (invited as a partner contact, then given the role by the admin)."""
    email = f"{label}-{next(_serial)}-{server.port}@example.org"
    # PL: the demo data's partner country (a partner is invited with one).
    invited = ok(call(server, "POST", "/network/invitations", admin, json={"email": email, "country": "PL"}), 201)
    body = {"token": invited["token"], "name": label.title(), "password": PASSWORD, "language": "de"}
    accepted = ok(call(server, "POST", "/network/invitations/accept", json=body), 201)
    member_id = int(accepted["member"]["id"])
    if role != accepted["member"]["role"]:
        ok(call(server, "PATCH", f"/members/{member_id}", admin, json={"role": role}))
    return Account(member_id, str(accepted["token"]))


def second_token(server: LiveServer, account: Account) -> str:
    """Another bearer token of the same account (each login is its own session)."""
    email = ok(call(server, "GET", "/me", account.token))["email"]
    return server.token(email, PASSWORD)


def new_space(server: LiveServer, admin: str, slug: str, visibility: str) -> int:
    """Create a space with one thread; return the thread's id."""
    body = {"slug": slug, "name": {"de": slug}, "kind": "working_group", "visibility": visibility}
    ok(call(server, "POST", "/spaces", admin, json=body), 201)
    opened = call(server, "POST", f"/spaces/{slug}/threads", admin, json={"title": "t", "body": "b", "language": "de"})
    return int(ok(opened, 201)["id"])


@dataclass
class SseRecorder:
    """An SSE stream read in the background: every frame (name, data) in arrival order, and whether it ended."""

    server: LiveServer
    topics: list[str]
    token: str | None = None
    frames: list[tuple[str | None, Any]] = field(default_factory=list)
    ended: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> SseRecorder:
        """Open the stream and wait for its `subscribed` frame."""
        headers = self.server.headers(self.token) if self.token else {}
        self._response = requests.get(
            self.server.url + "/api/v1/stream",
            params={"topics": ",".join(self.topics)},
            headers=headers,
            stream=True,
            timeout=60,
        )
        assert self._response.status_code == 200, self._response.text
        threading.Thread(target=self._read, daemon=True).start()
        assert self.wait_until(lambda r: any(name == "subscribed" for name, _ in r.frames), 10)
        return self

    def _read(self) -> None:
        try:
            for frame in frames(self._response):
                if frame.comment is not None:
                    continue
                with self.changed:
                    self.frames.append((frame.event, frame.data))
                    self.changed.notify_all()
        except requests.RequestException:
            pass
        finally:
            self.ended.set()
            with self.changed:
                self.changed.notify_all()

    def wait_until(self, predicate: Any, timeout: float) -> bool:
        """Wait until `predicate(self)` holds."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)

    def close(self) -> None:
        """Stop reading."""
        self._response.close()


@dataclass
class Scenario:
    """One reader whose access changes: what they follow, the change, and what they must lose."""

    name: str
    account: Account
    topics: list[str]
    lost: list[str]
    reason: str
    final: bool
    change: Callable[[], requests.Response]
    socket: Recorder | None = None
    sse: SseRecorder | None = None
    head_after_change: int = 0


def removal(server: LiveServer, admin: str, account: Account, slug: str, topics: list[str]) -> Scenario:
    """`account`, following `topics`, is removed from the space `slug` (through `server`) and loses its two topics."""
    lost = [t for t in topics if t == f"space.{slug}" or t.startswith("thread.")]
    remove = f"/spaces/{slug}/members/{account.id}"
    return Scenario(
        "removal", account, topics, lost, "space.member_removed", False, lambda: call(server, "DELETE", remove, admin)
    )


def token_revocation(server: LiveServer, account: Account, topics: list[str]) -> Scenario:
    """`account`, following `topics`, revokes its own token (through `server`): the session ends, everything is lost."""
    revoke = "/auth/tokens/current"
    return Scenario(
        "token", account, topics, topics, "token_revoked", True, lambda: call(server, "DELETE", revoke, account.token)
    )


def watch(scenario: Scenario, socket_on: LiveServer, sse_on: LiveServer, transports: list[str]) -> None:
    """Open the reader's Socket.IO connection (subscribed to its topics) and its SSE stream."""
    scenario.socket = Recorder(socket_on.url, scenario.account.token, transports=transports).connect()
    ack = scenario.socket.subscribe(scenario.topics)
    assert ack["topics"] == scenario.topics and ack["denied"] == [], (scenario.name, ack)
    scenario.sse = SseRecorder(sse_on, scenario.topics, scenario.account.token).start()


def unwatch(scenario: Scenario) -> None:
    """Close the reader's connection and stream."""
    assert scenario.socket is not None and scenario.sse is not None
    scenario.socket.disconnect()
    scenario.sse.close()


class Publishing:
    """News and posts POSTed in the background, each server to its threads in turn, until stopped.

    A round is one post to each thread and one news item; `counts()` says how many posts each
    publisher has had answered (201), so a test waits for publishing, not for time.
    """

    def __init__(self, publishers: list[tuple[LiveServer, list[int]]], admin: str) -> None:
        self.stop = threading.Event()
        self.changed = threading.Condition()
        self.sizes = [len(targets) + 1 for _server, targets in publishers]
        self.done = [0] * len(publishers)
        self.errors: list[BaseException] = []
        self.threads = [
            threading.Thread(target=self._publish, args=(n, server, admin, targets))
            for n, (server, targets) in enumerate(publishers)
        ]

    def _publish(self, n: int, server: LiveServer, admin: str, threads: list[int]) -> None:
        try:
            publish_until(server, admin, threads, self.stop, lambda: self._count(n))
        except BaseException as exc:  # reported by finish(): a thread's assertion is no test failure
            with self.changed:
                self.errors.append(exc)
                self.changed.notify_all()

    def _count(self, n: int) -> None:
        with self.changed:
            self.done[n] += 1
            self.changed.notify_all()

    def start(self) -> Publishing:
        """Start every publisher."""
        for thread in self.threads:
            thread.start()
        return self

    def counts(self) -> list[int]:
        """Posts answered so far, per publisher."""
        with self.changed:
            return list(self.done)

    def wait_for(self, counts: list[int], timeout: float = 120) -> None:
        """Wait until each publisher has answered `counts` posts (AssertionError if one failed or the bound passed)."""
        with self.changed:
            reached = self.changed.wait_for(
                lambda: self.errors or all(d >= c for d, c in zip(self.done, counts, strict=True)), timeout
            )
            assert not self.errors, self.errors
            assert reached, f"published {self.done}, waited for {counts}"

    def rounds_from(self, counts: list[int], rounds: int) -> list[int]:
        """The counts after `rounds` more whole rounds than `counts`."""
        return [c + rounds * size for c, size in zip(counts, self.sizes, strict=True)]

    def finish(self) -> None:
        """Stop publishing and wait for the publishers; re-raise what failed in one of them."""
        self.stop.set()
        for thread in self.threads:
            thread.join()
        assert not self.errors, self.errors


def change_while_publishing(
    publishers: list[tuple[LiveServer, list[int]]],
    admin: str,
    scenarios: list[Scenario],
    *,
    rounds: int = 3,
    then: Callable[[], object] = lambda: None,
) -> None:
    """Publish news and posts (each server to its threads); after `rounds` rounds, make every change.

    Each scenario's `head_after_change` is the log's head right after its change; `then` runs
    after the changes, while the publishing goes on. Publishing stops after `rounds` more rounds
    begun after the changes, so every thread and the news have events on both sides of each change
    however slowly the machine runs.
    """
    publishing = Publishing(publishers, admin).start()
    try:
        publishing.wait_for(publishing.rounds_from([0] * len(publishers), rounds))
        for scenario in scenarios:
            changed = scenario.change()
            assert changed.status_code in (200, 204), (scenario.name, changed.text)
            scenario.head_after_change = publishers[0][0].head()
        then()
        # A post in flight during the changes may be answered after them: one more, then whole rounds.
        publishing.wait_for([c + 1 for c in publishing.rounds_from(publishing.counts(), rounds)])
    finally:
        publishing.finish()


def check_lost_access(server: LiveServer, admin: str, scenario: Scenario, long_polls: list[LiveServer]) -> None:
    """Socket and stream were told `revoked` and got nothing more; long-polls on `long_polls` are refused."""
    check_socket(server, admin, scenario)
    check_sse(scenario)
    for on in long_polls:
        check_long_poll(on, scenario)


def publish_until(
    server: LiveServer, admin: str, threads: list[int], stop: threading.Event, answered: Callable[[], None]
) -> None:
    """POST news and posts to `threads` in turn as `admin` until `stop`; `answered()` after each 201."""
    with requests.Session() as http:
        http.headers.update(server.headers(admin))
        n = 0
        while not stop.is_set():
            n += 1
            target = threads[n % (len(threads) + 1)] if n % (len(threads) + 1) < len(threads) else None
            if target is None:
                body = {"title": {"de": f"Nachricht {n}"}, "body": {"de": "x"}, "publish": True}
                response = http.post(server.url + "/api/v1/news", json=body, timeout=10)
            else:
                body = {"body": f"<p>Beitrag {n}</p>", "language": "de"}
                response = http.post(f"{server.url}/api/v1/threads/{target}/posts", json=body, timeout=10)
            assert response.status_code == 201, response.text
            answered()


def check_socket(server: LiveServer, admin: str, scenario: Scenario) -> None:
    """The socket was told `revoked` once, then got nothing of the lost topics (and was disconnected if final)."""
    client = scenario.socket
    assert client is not None
    expected = {"topics": sorted(scenario.lost), "reason": scenario.reason}
    if scenario.final:
        assert client.wait_until(lambda c: ("disconnect", "server disconnect") in c.timeline, 10), scenario.name
    else:
        # The connection stays: news keep coming after the change.
        assert client.wait_until(lambda c: c.events and c.events[-1]["id"] >= last_news(server), 20), scenario.name
    timeline = client.timeline
    revoked = [i for i, (name, _data) in enumerate(timeline) if name == "revoked"]
    assert len(revoked) == 1 and timeline[revoked[0]][1] == expected, (
        scenario.name,
        [m for m in timeline if m[0] != "event"],
    )
    after = timeline[revoked[0] + 1 :]
    assert not [d for name, d in after if name == "event" and d["topic"] in scenario.lost], scenario.name
    lost_ids = [d["id"] for name, d in timeline if name == "event" and d["topic"] in scenario.lost]
    assert lost_ids and max(lost_ids) <= scenario.head_after_change, scenario.name
    if scenario.final:
        assert [name for name, _d in after] == ["disconnect"] and not client.client.connected, scenario.name
    else:
        assert any(name == "event" and d["topic"] == "news" for name, d in after), scenario.name
    # Events of the lost topics were published after the change: the test had something to withhold.
    published = server.log_events(",".join(t for t in scenario.lost if not t.startswith("user.")), token=admin)
    assert [e for e in published if e["id"] > scenario.head_after_change], scenario.name


def check_sse(scenario: Scenario) -> None:
    """The SSE stream ended with one `revoked` frame, after nothing of the lost topics published after the change."""
    sse = scenario.sse
    assert sse is not None
    assert sse.ended.wait(10), f"{scenario.name}: the SSE stream did not end"
    names = [name for name, _data in sse.frames]
    assert names[-1] == "revoked" and names.count("revoked") == 1, (scenario.name, names[-3:])
    assert sse.frames[-1][1] == {"topics": sorted(scenario.lost), "reason": scenario.reason}
    lost_ids = [d["id"] for name, d in sse.frames[1:-1] if isinstance(d, dict) and d.get("topic") in scenario.lost]
    assert lost_ids and max(lost_ids) <= scenario.head_after_change, scenario.name


def check_long_poll(server: LiveServer, scenario: Scenario) -> None:
    """Long-polls are refused: 401 with the reason when the session ended, 403 for the lost topics."""
    token = scenario.account.token
    if scenario.final:
        refused = call(server, "GET", "/events", token, params={"topics": "news"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == scenario.reason, scenario.name
        return
    lost = call(server, "GET", "/events", token, params={"topics": ",".join(scenario.lost)})
    assert lost.status_code == 403, (scenario.name, lost.text)
    assert call(server, "GET", "/events", token, params={"topics": "news"}).status_code == 200


def last_news(server: LiveServer) -> int:
    """The id of the newest news event."""
    return int(server.log_events("news", since=0)[-1]["id"])
