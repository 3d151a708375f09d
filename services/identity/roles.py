"""The roles a member can hold. Which role may do what is each service's own policy."""

from __future__ import annotations

ADMIN = "admin"
EDITOR = "editor"
MODERATOR = "moderator"
MEMBER = "member"
PARTNER = "partner"
ROLES = (ADMIN, EDITOR, MODERATOR, MEMBER, PARTNER)
