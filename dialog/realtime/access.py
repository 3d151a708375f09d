"""Access that follows every change: the review of one access-change event, and stable grants.

An access-change event names a member (`data.member_id`: removed from a space, role changed,
token revoked, account deactivated) or a space (`data.space`: its visibility changed). The
readers it concerns are that member's, or everyone following the space or one of its threads
(a thread's topic is as readable as its space). Each is asked again who they are now
(`refresh_caller`: a revoked token or a deactivated account ends the session) and which topics
it may still follow (`policy.refusal`, the same rules as at subscribe time): every topic it
follows after a member's change, the space's topics after a space's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import TypeVar

from sqlalchemy import select

from dialog.auth import refresh_caller
from dialog.extensions import db
from events import Caller, Event, Relay, policy
from events.access import Revocation, Verdict
from services.errors import AuthenticationFailed
from services.forum import Thread

log = logging.getLogger(__name__)
T = TypeVar("T")

# A session that could not be checked ends (fail closed): the client reconnects and is checked then.
UNCHECKED = "access_check_failed"


class Review:
    """One access-change event, judged for this process's readers (callers and refusals cached)."""

    def __init__(self, event: Event) -> None:
        self.event = event
        member_id = event.data.get("member_id")
        self.member_id: int | None = member_id if isinstance(member_id, int) else None
        # A space's change: the topics of the space and of its threads (read once, when first needed).
        self.space = event.data.get("space") if self.member_id is None else None
        self._space_topics: frozenset[str] | None = None
        self._fresh: dict[Caller, Caller | AuthenticationFailed] = {}
        self._refusals: dict[tuple[Caller, str], str | None] = {}

    def affects(self, caller: Caller, topics: Collection[str]) -> bool:
        """True if a reader following `topics` as `caller` must be re-checked."""
        if self.member_id is not None:
            return caller.id == self.member_id
        if not isinstance(self.space, str):
            return False
        if not any(t.startswith(("space.", "thread.")) for t in topics):
            return False
        try:
            return not self.space_topics.isdisjoint(topics)
        except Exception:  # cannot tell: let `verdict` fail and end the session (fail closed)
            return True

    @property
    def space_topics(self) -> frozenset[str]:
        """`space.<slug>` and `thread.<id>` of every thread in it (for a space's change)."""
        if self._space_topics is None:
            with db.read() as session:
                threads = session.scalars(select(Thread.id).where(Thread.space_id == self.event.data.get("space_id")))
                self._space_topics = frozenset([f"space.{self.space}", *(f"thread.{t}" for t in threads)])
        return self._space_topics

    def verdict(self, caller: Caller, topics: Collection[str]) -> Verdict:
        """The reader's caller as they stand now, and the topics it lost (all, if its session ends)."""
        try:
            fresh = self._refresh(caller)
            if isinstance(fresh, AuthenticationFailed):
                return Verdict(None, Revocation(tuple(topics), fresh.code, final=True))
            # A member's change re-checks everything they follow; a space's, what is in the space.
            judged = topics if self.member_id is not None else [t for t in topics if t in self.space_topics]
            lost = tuple(t for t in judged if self._refusal(fresh, t) is not None)
        except Exception:
            log.exception("re-checking access after %s %s failed; ending the session", self.event.type, self.event.id)
            return Verdict(None, Revocation(tuple(topics), UNCHECKED, final=True))
        return Verdict(fresh, Revocation(lost, self.event.type) if lost else None)

    def _refresh(self, caller: Caller) -> Caller | AuthenticationFailed:
        fresh = self._fresh.get(caller)
        if fresh is None:
            try:
                fresh = refresh_caller(caller)
            except AuthenticationFailed as exc:
                fresh = exc
            self._fresh[caller] = fresh
        return fresh

    def _refusal(self, caller: Caller, topic: str) -> str | None:
        key = (caller, topic)
        if key not in self._refusals:
            self._refusals[key] = policy.refusal(caller, topic)
        return self._refusals[key]


class Reviews:
    """The review of the access change being applied, shared by every sink of the relay."""

    def __init__(self) -> None:
        self._last: Review | None = None

    def of(self, event: Event) -> Review:
        """The review of `event` (built once: the sinks are told one after another)."""
        if self._last is None or self._last.event is not event:
            self._last = Review(event)
        return self._last


def grant_stably(relay: Relay, authorize: Callable[[], T], register: Callable[[T], None]) -> T:
    """Run `authorize` (reads the database), then `register` its result under the relay lock.

    If an access change was applied in between (and so missed what is being registered), both
    run again: whatever is registered was authorised after every change applied before it.
    """
    while True:
        version = relay.access_version
        granted = authorize()
        with relay.lock:
            if relay.access_version == version:
                register(granted)
                return granted
