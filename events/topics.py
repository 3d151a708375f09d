"""Who may follow which topic: a policy that services fill with rules for their own topics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from events.caller import Caller

# The largest id a topic may name: the databases' 64-bit integer. A larger one names nothing, and
# must be refused as such instead of failing in the database driver.
MAX_ID = 2**63 - 1

# A rule gets the caller and the topic's argument ("42" for "user.42", "" for exact names)
# and returns None to allow, or the reason for refusing.
TopicRule = Callable[[Caller, str], str | None]


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

    def refusal(self, caller: Caller, topic: str) -> str | None:
        """None if `caller` may follow `topic`, else the reason it may not."""
        if not isinstance(topic, str) or not topic:
            return "not a topic name"
        rule = self.exact.get(topic)
        if rule is not None:
            return rule(caller, "")
        prefix, dot, arg = topic.partition(".")
        family = self.families.get(prefix) if dot else None
        if family is None or not arg:
            return "unknown topic"
        return family(caller, arg)

    def authorize(self, caller: Caller, topics: Iterable[str]) -> tuple[list[str], list[dict[str, str]]]:
        """Split `topics` into those granted and those denied (each with its reason)."""
        granted: list[str] = []
        denied: list[dict[str, str]] = []
        for topic in dict.fromkeys(topics):
            reason = self.refusal(caller, topic)
            if reason is None:
                granted.append(topic)
            else:
                denied.append({"topic": topic, "reason": reason})
        return granted, denied


def public(_caller: Caller, _arg: str) -> str | None:
    """Rule: everyone, logged in or not."""
    return None


def id_refusal(arg: str) -> str | None:
    """None if `arg` is an id in canonical form (`1` to `MAX_ID`, digits only, no leading zero), else why not.

    One topic, one name: `project.01` or `project.+1` would be a second name for `project.1`,
    with its own room and its own stored routing, so only the canonical form is accepted.
    """
    # ASCII digits only: "²".isdigit() is true, and int() refuses it; "+1" and "-1" are not digits.
    if not (arg.isascii() and arg.isdigit()):
        return "unknown topic"
    if arg[0] == "0":
        return "unknown topic" if arg.strip("0") == "" else f"unknown topic: ids have no leading zeros ({int(arg)})"
    if len(arg) > 19 or int(arg) > MAX_ID:
        return "unknown topic"  # no row has that id
    return None


def numeric_id(rule: TopicRule) -> TopicRule:
    """Wrap a family rule so that its argument must be an id in canonical form (see `id_refusal`)."""

    def checked(caller: Caller, arg: str) -> str | None:
        reason = id_refusal(arg)
        return reason if reason is not None else rule(caller, arg)

    return checked


policy = TopicPolicy()
