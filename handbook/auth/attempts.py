"""Password checks that cannot be raced, and that slow guessing without locking the owner out.

Every check of a password (login, re-authentication, password change) first takes a place in
counters that all workers share (``handbook.throttle``), *before* the password is checked, so
concurrent guesses cannot all slip under a limit:

- from a device the account has logged in on before (a signed "known device" cookie), only that
  (account, device) counter: a stranger's guesses never lock the owner out of their own device;
- from any other device, the address, the (account, address) and the account's counter of unknown
  devices: guessing from many addresses is slowed for the whole account.

A check that succeeds gives its places back, so the counters count failures (and checks in flight).
Accounts are counted by the login typed, whether it exists or not, so a refusal tells nobody which
accounts exist.
"""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update

from handbook.auth.models import User
from handbook.extensions import db
from handbook.throttle import give_back, hit

# Checked when the login is unknown, so that a wrong login costs as long as a wrong password.
_DUMMY_HASH = "scrypt:32768:8:1$abcdefghijklmnop$" + "0" * 128


@dataclass
class Attempt:
    """One password check: the counters it holds a place in, and how long to wait when refused."""

    user: User | None
    device: str | None
    counters: list[tuple[str, str, str]] = field(default_factory=list)
    wait: int = 0  # seconds until a refused check may be tried again
    refused_by: str | None = None
    ok: bool = False
    failures: int | None = None

    @property
    def detail(self) -> dict:
        """What the audit trail keeps of a refused or failed check (never the password)."""
        if self.wait:
            return {"limit": self.refused_by}
        return {} if self.failures is None else {"failures": self.failures}

    @property
    def refusal(self) -> str:
        """What a refused check tells the person: how long to wait, and no more."""
        minutes = max(1, math.ceil(self.wait / 60))
        return f"Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau {minutes} phút."


def _device_serializer() -> URLSafeTimedSerializer:
    """Signs the known-device cookies with the app's secret."""
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def _device_cookie(user_id: int) -> str:
    """The name of ``user_id``'s known-device cookie (one per account, so a shared computer keeps each)."""
    return f"known_device_{user_id}"


def known_device(user: User | None) -> str | None:
    """The id of this browser as a device ``user`` has logged in on, from its signed cookie; else None."""
    if user is None:
        return None
    value = request.cookies.get(_device_cookie(user.id))
    if not value:
        return None
    try:
        owner, device = _device_serializer().loads(value, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return device if owner == user.id and isinstance(device, str) else None


def _remember_device(user: User, device: str | None) -> None:
    """Give this browser (again) the signed cookie that makes it a known device of ``user``."""
    device = device or secrets.token_urlsafe(16)
    value = _device_serializer().dumps([user.id, device])
    days = current_app.config["DEVICE_COOKIE_DAYS"]

    @after_this_request
    def set_cookie(response):
        response.set_cookie(_device_cookie(user.id), value, max_age=days * 86400, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        return response


def begin(login: str, user: User | None) -> Attempt:
    """Take a place for one check of ``login``'s password from this request; ``wait`` > 0 (seconds)
    when a limit refuses it, and then the password must not be checked."""
    config = current_app.config
    device = known_device(user)
    attempt = Attempt(user=user, device=device)
    address = request.remote_addr or "-"
    if device:
        counters = [("login-device", f"{user.id}:{device}", config["LOGIN_DEVICE_LIMIT"])]
    else:
        counters = [("login-address", address, config["LOGIN_RATE_LIMIT"]),
                    ("login-account-address", f"{login}|{address}", config["LOGIN_ACCOUNT_ADDRESS_LIMIT"]),
                    ("login-account", login, config["LOGIN_ACCOUNT_LIMIT"])]
    for counter in counters:
        wait = hit(*counter)
        if wait:
            attempt.wait, attempt.refused_by = wait, counter[0]
            break
        attempt.counters.append(counter)
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The password was right: give the places back, clear the failures, remember this device."""
    for counter in attempt.counters:
        give_back(*counter)
    attempt.user.failed_logins = 0
    _remember_device(attempt.user, attempt.device)


def failed(attempt: Attempt) -> int | None:
    """The password was wrong: add one failure to the account in one SQL statement (no lost counts
    under concurrency); the account's failures since its last good check, None for an unknown login."""
    if attempt.user is None:
        return None
    table = User.__table__
    return db.session.execute(
        update(table).where(table.c.id == attempt.user.id)
        .values(failed_logins=table.c.failed_logins + 1).returning(table.c.failed_logins)
    ).scalar_one()


def check_password(login: str, user: User | None, password: str) -> Attempt:
    """Check ``password`` for ``login`` (``user`` its account, if any, which must be active) within
    the limits: ``ok`` when right, ``wait`` > 0 when refused without looking at the password."""
    attempt = begin(login, user)
    if attempt.wait:
        return attempt
    if user is not None and user.active and user.check_password(password or ""):
        succeeded(attempt)
        attempt.ok = True
        return attempt
    if user is None:
        # A wrong login costs as long as a wrong password: timing tells nobody which accounts exist.
        User(password_hash=_DUMMY_HASH).check_password(password or "")
    attempt.failures = failed(attempt)
    return attempt
