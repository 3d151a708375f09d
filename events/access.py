"""What an access-change event means for the open streams: a verdict per reader.

The bus knows *when* access changes (events whose type is declared `access_change`, applied by
every relay in log order) but not *who may read what*: the application passes a review, built
per event, that says which readers the change concerns and what each may still follow.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from events.caller import Caller
from events.envelope import Event


@dataclass(frozen=True)
class Revocation:
    """Access to `topics` ended, and why; `final` when the whole session ends (token revoked ...)."""

    topics: tuple[str, ...]
    reason: str
    final: bool = False

    def message(self) -> dict[str, Any]:
        """The `revoked` message every transport sends: `{"topics": [...], "reason": "..."}`."""
        return {"topics": sorted(self.topics), "reason": self.reason}


@dataclass(frozen=True)
class Verdict:
    """A reader after an access change: its caller as they stand now (None: the session ends) and what it lost."""

    caller: Caller | None
    revocation: Revocation | None


class AccessReview(Protocol):
    """One access-change event, judged for the readers of this process."""

    def affects(self, caller: Caller, topics: Collection[str]) -> bool:
        """True if a reader following `topics` as `caller` must be re-checked (cheap, no database)."""

    def verdict(self, caller: Caller, topics: Collection[str]) -> Verdict:
        """What the reader may still do; never raises (a failed check ends the session)."""


# Builds the review of one access-change event.
ReviewOf = Callable[[Event], AccessReview]
