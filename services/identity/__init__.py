"""Identity: members with roles, argon2 passwords, revocable opaque bearer tokens."""

from services.identity import topics  # noqa: F401  (registers the topic rules)
from services.identity.commands import authenticate, create_member, issue_token, list_tokens, revoke_token
from services.identity.models import AccessToken, Member

__all__ = ["AccessToken", "Member", "authenticate", "create_member", "issue_token", "list_tokens", "revoke_token"]
