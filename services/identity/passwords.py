"""Password hashing with argon2id (argon2-cffi's recommended defaults), through a replaceable runner.

The parameters are RFC 9106's low-memory profile (STRONG_HASHING) unless a test suite asks for the
cheapest ones by name (`use_hashing("insecure-test")`): a hash records its own parameters, so
verification works whichever profile made it.

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

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from services.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10

Runner = Callable[[Callable[[], Any]], Any]

# The only profiles there are: production's, and one for test suites that hash thousands of
# passwords (its name says what it is, so nobody sets it by accident).
STRONG_HASHING = "rfc9106-low-memory"
HASHING_PROFILES: dict[str, Parameters] = {STRONG_HASHING: RFC_9106_LOW_MEMORY, "insecure-test": CHEAPEST}


class _Hasher:
    def __init__(self, parameters: Parameters) -> None:
        self.parameters = parameters
        self.argon2 = PasswordHasher.from_parameters(parameters)
        # Verified against when the email is unknown, so a login takes as long either way.
        self.dummy_hash = self.argon2.hash("not a real password")


_hasher = _Hasher(HASHING_PROFILES[STRONG_HASHING])


def use_hashing(profile: str) -> None:
    """Hash new passwords with the named profile of `HASHING_PROFILES` from now on."""
    global _hasher
    if profile not in HASHING_PROFILES:
        raise ValueError(f"unknown password hashing profile {profile!r}; one of {sorted(HASHING_PROFILES)}")
    if _hasher.parameters != HASHING_PROFILES[profile]:
        _hasher = _Hasher(HASHING_PROFILES[profile])


def hashing_parameters() -> Parameters:
    """The argon2 parameters new hashes get."""
    return _hasher.parameters


def _inline(work: Callable[[], Any]) -> Any:
    return work()


_runner: Runner = _inline


def run_hashing_in(runner: Runner | None) -> None:
    """Run every argon2 hash and verification through `runner` from now on (None: in the caller)."""
    global _runner
    _runner = runner or _inline


def hash_password(password: str) -> str:
    """Hash `password` for storage."""
    return str(_runner(partial(_hasher.argon2.hash, password)))


def _verify(stored_hash: str | None, password: str) -> bool:
    hasher = _hasher
    try:
        return hasher.argon2.verify(stored_hash or hasher.dummy_hash, password) and stored_hash is not None
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


def new_password(password: str | NewPassword, *, field: str = "password") -> NewPassword:
    """Check and hash a chosen password (before the write transaction that stores it); hashed ones pass.

    `field` is the request's name for it, so that a 422 points at the field the caller filled in.
    """
    if isinstance(password, NewPassword):
        return password
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(field, f"must have at least {MIN_PASSWORD_LENGTH} characters")
    return NewPassword(hash_password(password), _fingerprint(password))
