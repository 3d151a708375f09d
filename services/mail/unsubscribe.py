"""One-click unsubscribe tokens (RFC 8058): signed `member:kind`, so no login and no stored secret per mail."""

from __future__ import annotations

from itsdangerous import BadSignature, Signer

SALT = "dialog.mail.unsubscribe"


def _signer(secret: str) -> Signer:
    return Signer(secret, salt=SALT)


def unsubscribe_token(secret: str, member_id: int, kind: str) -> str:
    """The token that lets whoever holds the mail turn `kind` off for `member_id` (and nothing else)."""
    signed = _signer(secret).sign(f"{member_id}:{kind}".encode()).decode()
    return signed.rpartition(".")[2]


def token_matches(secret: str, member_id: int, kind: str, token: str) -> bool:
    """True if `token` was made for exactly this member and kind by this deployment."""
    try:
        _signer(secret).unsign(f"{member_id}:{kind}.{token}".encode())
    except BadSignature:
        return False
    return True


def unsubscribe_path(secret: str, member_id: int, kind: str) -> str:
    """The path of the one-click unsubscribe URL of a member's `kind` mails."""
    return f"/api/v1/mail/unsubscribe/{member_id}/{kind}?token={unsubscribe_token(secret, member_id, kind)}"
