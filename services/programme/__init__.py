"""The funding programme's public topics.

`calls`, `announcements`, `projects` and `project.<id>` are part of the public contract and
everyone may follow them; the calls, announcements and projects services publish on them.
"""

from __future__ import annotations

from events.topics import numeric_id, policy, public

for _name in ("calls", "announcements", "projects"):
    policy.topic(_name, public)
policy.family("project", numeric_id(public))
