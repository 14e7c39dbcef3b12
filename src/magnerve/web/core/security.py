"""Passwords (Argon2id through pwdlib), random tokens and their digests.

Only digests of session ids and access tokens are stored, so a copy of the database does
not let anyone sign in. Passwords are never logged: they live only in the request body and
in :func:`hash_password`/:func:`verify_password`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from magnerve.web.core.config import policy

__all__ = [
    "TOKEN_PREFIX",
    "burn_time",
    "digest",
    "hash_password",
    "new_token",
    "rate_key",
    "same",
    "verify_password",
]

TOKEN_PREFIX = "mnv_"  # marks magnerve personal access tokens (secret scanners can spot them)


@cache
def _hasher() -> PasswordHash:
    a = policy()["argon2"]
    return PasswordHash(
        (
            Argon2Hasher(
                time_cost=a["time_cost"], memory_cost=a["memory_kib"], parallelism=a["parallelism"]
            ),
        )
    )


def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (PHC string with its salt and parameters)."""
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash``; False for a malformed hash."""
    try:
        return _hasher().verify(password, password_hash)
    except Exception:  # an unknown or damaged hash is a failed sign-in, not a crash
        return False


_DUMMY: list[str] = []


def burn_time(password: str) -> None:
    """Verify against a throw-away hash, so an unknown e-mail costs as long as a known one."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_urlsafe()))
    verify_password(password, _DUMMY[0])


def new_token(prefix: str = "") -> str:
    """A URL-safe random token (``settings.toml`` ``token_bytes`` bytes) with ``prefix``."""
    return prefix + secrets.token_urlsafe(int(policy()["session"]["token_bytes"]))


def digest(token: str) -> str:
    """SHA-256 hex digest of a token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def rate_key(email: str, client: str) -> str:
    """The login rate-limit key of (account, client IP), as a digest."""
    return digest(f"{email.strip().lower()}\x00{client}")


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets; False when either is missing or empty."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
