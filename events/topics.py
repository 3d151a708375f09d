"""Who may follow which topic: a policy that services fill with rules for their own topics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

ROLES = ("admin", "editor", "moderator", "member", "partner")


@dataclass(frozen=True)
class Principal:
    """Who is asking: a member (id and role) or an anonymous client."""

    member_id: int | None = None
    role: str | None = None

    @property
    def anonymous(self) -> bool:
        """True for a client that presented no token."""
        return self.member_id is None


ANONYMOUS = Principal()

# A rule gets the principal and the topic's argument ("42" for "user.42", "" for exact names)
# and returns None to allow, or the reason for refusing.
TopicRule = Callable[[Principal, str], str | None]


@dataclass
class TopicPolicy:
    """Exact topic names and `prefix.<arg>` families, each with the rule that guards it."""

    exact: dict[str, TopicRule] = field(default_factory=dict)
    families: dict[str, TopicRule] = field(default_factory=dict)

    def topic(self, name: str, rule: TopicRule) -> None:
        """Declare the topic `name` guarded by `rule`."""
        self.exact[name] = rule

    def family(self, prefix: str, rule: TopicRule) -> None:
        """Declare the topics `<prefix>.<arg>` guarded by `rule`."""
        self.families[prefix] = rule

    def refusal(self, principal: Principal, topic: str) -> str | None:
        """None if `principal` may follow `topic`, else the reason it may not."""
        if not isinstance(topic, str) or not topic:
            return "not a topic name"
        rule = self.exact.get(topic)
        if rule is not None:
            return rule(principal, "")
        prefix, dot, arg = topic.partition(".")
        family = self.families.get(prefix) if dot else None
        if family is None or not arg:
            return "unknown topic"
        return family(principal, arg)

    def authorize(self, principal: Principal, topics: Iterable[str]) -> tuple[list[str], list[dict[str, str]]]:
        """Split `topics` into those granted and those denied (each with its reason)."""
        granted: list[str] = []
        denied: list[dict[str, str]] = []
        for topic in dict.fromkeys(topics):
            reason = self.refusal(principal, topic)
            if reason is None:
                granted.append(topic)
            else:
                denied.append({"topic": topic, "reason": reason})
        return granted, denied


def public(_principal: Principal, _arg: str) -> str | None:
    """Rule: everyone, logged in or not."""
    return None


def numeric_id(rule: TopicRule) -> TopicRule:
    """Wrap a family rule so that its argument must be a positive integer id."""

    def checked(principal: Principal, arg: str) -> str | None:
        if not arg.isdigit() or int(arg) <= 0:
            return "unknown topic"
        return rule(principal, arg)

    return checked


policy = TopicPolicy()
