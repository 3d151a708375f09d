"""Who is acting: one caller type for requests, live connections, event actors and policies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """A member (id, name, role, and the token they came with), a system process, or nobody.

    The same value answers "who may do this?" (services' policies and topic rules) and "who did
    it?" (an event's actor, of which the envelope shows only `id` and `name`).
    """

    id: int | None = None
    name: str | None = None
    role: str | None = None
    token_id: int | None = None
    # The member's own language setting ("de", "en"): texts addressed to them (`/live`'s error acks).
    language: str | None = None

    @property
    def anonymous(self) -> bool:
        """True for a client that presented no token (and for system processes)."""
        return self.id is None

    def has_role(self, *roles: str) -> bool:
        """True if this is a logged-in member with one of `roles`."""
        return self.id is not None and self.role in roles


ANONYMOUS = Caller()


def system(name: str) -> Caller:
    """A process acting on its own (the scheduler, the CLI): no id, no role, only a name."""
    return Caller(name=name)
