"""Identity: members with roles, argon2 passwords, revocable opaque bearer tokens.

The public API other services and the web layer use: the names below, and `roles`.
"""

from services.identity import events, topics  # noqa: F401  (registers event types and topic rules)
from services.identity.access import require_admin, require_login, require_role, require_self_or_admin
from services.identity.commands import (
    LANGUAGES,
    authenticate,
    caller_for_token_id,
    caller_of,
    check_credentials,
    check_language,
    create_member,
    email_taken,
    get_member,
    grant_token,
    hash_token,
    issue_token,
    list_tokens,
    normalise_email,
    revoke_token,
    update_account,
)
from services.identity.directory import STATUSES, list_members, search_people
from services.identity.erasure import (
    FORMER_HANDLE,
    FORMER_MEMBER,
    POSTS_CHOICES,
    ErasedProfile,
    erase_account,
    erase_own_account,
    erased_profile,
    export_profile,
)
from services.identity.events import user_topic
from services.identity.handles import members_by_handle, mentioned_handles
from services.identity.mail_settings import (
    DIGESTS,
    NOTIFICATION_KINDS,
    UNSUBSCRIBE_KINDS,
    check_unsubscribe_link,
    mail_preferences,
    unsubscribe,
    wants_mail,
)
from services.identity.models import AccessToken, Member
from services.identity.passwords import (
    HASHING_PROFILES,
    MIN_PASSWORD_LENGTH,
    STRONG_HASHING,
    NewPassword,
    hashing_parameters,
    new_password,
    run_hashing_in,
    use_hashing,
)
from services.identity.profile import (
    change_password,
    request_password_reset,
    reset_password,
    update_profile,
)
from services.identity.roles import ADMIN, EDITOR, MEMBER, MODERATOR, PARTNER, ROLES

__all__ = [
    "ADMIN",
    "DIGESTS",
    "UNSUBSCRIBE_KINDS",
    "check_unsubscribe_link",
    "mail_preferences",
    "unsubscribe",
    "wants_mail",
    "HASHING_PROFILES",
    "EDITOR",
    "FORMER_HANDLE",
    "FORMER_MEMBER",
    "LANGUAGES",
    "MEMBER",
    "MIN_PASSWORD_LENGTH",
    "MODERATOR",
    "POSTS_CHOICES",
    "NOTIFICATION_KINDS",
    "PARTNER",
    "ROLES",
    "STRONG_HASHING",
    "STATUSES",
    "AccessToken",
    "ErasedProfile",
    "Member",
    "NewPassword",
    "authenticate",
    "caller_for_token_id",
    "caller_of",
    "check_credentials",
    "change_password",
    "check_language",
    "create_member",
    "email_taken",
    "erase_account",
    "erase_own_account",
    "erased_profile",
    "export_profile",
    "list_members",
    "members_by_handle",
    "mentioned_handles",
    "request_password_reset",
    "reset_password",
    "search_people",
    "update_profile",
    "get_member",
    "grant_token",
    "hashing_parameters",
    "hash_token",
    "issue_token",
    "list_tokens",
    "new_password",
    "normalise_email",
    "require_admin",
    "require_login",
    "require_role",
    "require_self_or_admin",
    "revoke_token",
    "run_hashing_in",
    "update_account",
    "use_hashing",
    "user_topic",
]
