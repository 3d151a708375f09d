"""Password hashing with argon2id (argon2-cffi's recommended defaults), through a replaceable runner.

argon2 is ~50 ms of CPU in C. Under gevent that would stall every other request of the process,
so the web layer installs a runner that moves it to native threads (`run_hashing_in`); services
stay free of gevent. Hash before opening a write transaction, never inside one: the write lock
would be held for the whole hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10

Runner = Callable[[Callable[[], Any]], Any]

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("not a real password")


def _inline(work: Callable[[], Any]) -> Any:
    return work()


_runner: Runner = _inline


def run_hashing_in(runner: Runner | None) -> None:
    """Run every argon2 hash and verification through `runner` from now on (None: in the caller)."""
    global _runner
    _runner = runner or _inline


def hash_password(password: str) -> str:
    """Hash `password` for storage."""
    return str(_runner(partial(_hasher.hash, password)))


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if `password` matches `stored_hash` (the same work when there is no hash)."""
    return bool(_runner(partial(_verify, stored_hash, password)))


@dataclass(frozen=True)
class NewPassword:
    """A password a member chose: long enough, already hashed.

    `fingerprint` (a fast hash of its lowercased text, kept in memory only) lets the weak-password
    rule compare it with the email and handle once those are known, without keeping the text.
    """

    hash: str
    fingerprint: str = ""

    def is_one_of(self, *texts: str) -> bool:
        """True if the password is one of `texts` (case-insensitive, surrounding blanks ignored)."""
        return bool(self.fingerprint) and self.fingerprint in {_fingerprint(t) for t in texts}


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.strip().lower().encode()).hexdigest()


def new_password(password: str | NewPassword) -> NewPassword:
    """Check and hash a chosen password (before the write transaction that stores it); hashed ones pass."""
    if isinstance(password, NewPassword):
        return password
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"must have at least {MIN_PASSWORD_LENGTH} characters")
    return NewPassword(hash_password(password), _fingerprint(password))
