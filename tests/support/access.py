"""Helpers for tests of access that ends while subscribed: fresh accounts, spaces, and an SSE recorder."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.api import call, ok
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
    invited = ok(call(server, "POST", "/network/invitations", admin, json={"email": email}), 201)
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
