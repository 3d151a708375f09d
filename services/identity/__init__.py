"""Identity: members with roles, argon2 passwords, revocable opaque bearer tokens.

The public API other services and the web layer use: the names below, and `roles`.
"""

from services.identity import events, topics  # noqa: F401  (registers event types and topic rules)
from services.identity.access import require_admin, require_login
from services.identity.commands import (
    authenticate,
    caller_for_token_id,
    caller_of,
    check_credentials,
    create_member,
    get_member,
    grant_token,
    hash_token,
    issue_token,
    list_tokens,
    normalise_email,
    revoke_token,
    update_account,
)
from services.identity.events import user_topic
from services.identity.models import AccessToken, Member
from services.identity.passwords import MIN_PASSWORD_LENGTH, NewPassword, new_password, run_hashing_in
from services.identity.roles import ADMIN, EDITOR, MEMBER, MODERATOR, PARTNER, ROLES

__all__ = [
    "ADMIN",
    "EDITOR",
    "MEMBER",
    "MIN_PASSWORD_LENGTH",
    "MODERATOR",
    "PARTNER",
    "ROLES",
    "AccessToken",
    "Member",
    "NewPassword",
    "authenticate",
    "caller_for_token_id",
    "caller_of",
    "check_credentials",
    "create_member",
    "get_member",
    "grant_token",
    "hash_token",
    "issue_token",
    "list_tokens",
    "new_password",
    "normalise_email",
    "require_admin",
    "require_login",
    "revoke_token",
    "run_hashing_in",
    "update_account",
    "user_topic",
]
