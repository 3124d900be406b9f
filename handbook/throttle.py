"""Rate-limit counters shared by every worker: in Redis when REDIS_URL is set, else in the database.

A limit is written as Flask-Limiter writes it ("10/minute;50/hour"); each of its parts is a counter
whose window opens at its first hit and lasts the part's period. One hit is one atomic increment
that returns the new count (``INCR`` in Redis; ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` in
the database), so concurrent requests in any number of processes can never all read "under the
limit" (STACK-NOTES: per-worker memory let 2× and more through).
"""
from __future__ import annotations

import hashlib
import logging
import math
from datetime import datetime, timedelta

from flask import current_app
from limits import parse_many
from sqlalchemy import String, case, delete, update
from sqlalchemy.orm import Mapped, mapped_column

from handbook.clock import utcnow
from handbook.extensions import db, dialect_insert
from handbook.jobs import job

REDIS_PREFIX = "handbook:throttle:"
log = logging.getLogger(__name__)


class Throttle(db.Model):
    """One counter of one limit for one key (an address, an account, a device) in its current window."""

    __tablename__ = "throttle"

    # A hash of (limit name, limit part, identifier): logins and addresses are not kept in clear.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    hits: Mapped[int] = mapped_column(default=0)
    window_end: Mapped[datetime] = mapped_column(index=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.hits}"


def _key(name: str, item, ident: str) -> str:
    """The counter's key: its limit, the limit's part and the identifier, hashed to a fixed length."""
    return hashlib.sha256(item.key_for(name, ident).encode()).hexdigest()


# A Redis that does not answer within this many seconds is taken as down (the database counts instead).
REDIS_TIMEOUT_SECONDS = 0.5


def _redis():
    """This app's Redis client for REDIS_URL, made on first use (None without REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    cached = current_app.extensions.get("throttle_redis")
    if cached is None or cached[0] != url:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        cached = current_app.extensions["throttle_redis"] = (url, client)
    return cached[1]


def _redis_down(exc: Exception) -> None:
    """Note that Redis failed: the limits still hold, counted in the database meanwhile."""
    log.warning("Redis unavailable for the security limits (%s); counting in the database", exc)


def _incr(name: str, key: str, seconds: int, now: datetime) -> tuple[int, float]:
    """Add one hit to a counter, opening a new window when the last one ended; its count and the
    seconds left in its window. Redis when configured and answering, else the shared database: a
    Redis outage must neither open the limits nor turn every login into an error."""
    client = _redis()
    if client is not None:
        from redis.exceptions import RedisError

        try:
            pipe = client.pipeline()  # MULTI … EXEC: the three run as one
            pipe.set(REDIS_PREFIX + key, 0, ex=seconds, nx=True)
            pipe.incr(REDIS_PREFIX + key)
            pipe.pttl(REDIS_PREFIX + key)
            _created, count, left_ms = pipe.execute()
            return count, max(left_ms, 0) / 1000
        except RedisError as exc:
            _redis_down(exc)
    table = Throttle.__table__
    end = now + timedelta(seconds=seconds)
    ended = table.c.window_end <= now
    stmt = dialect_insert(db.session)(table).values(key=key, name=name, hits=1, window_end=end)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"hits": case((ended, 1), else_=table.c.hits + 1), "window_end": case((ended, end), else_=table.c.window_end)},
    ).returning(table.c.hits, table.c.window_end)
    # Committed apart from the request's transaction: the hit counts even if the request fails,
    # and other workers see it at once.
    with db.engine.begin() as conn:
        count, window_end = conn.execute(stmt).one()
    return count, (window_end - now).total_seconds()


# Takes back one hit only while its window lasts: a counter that expired must not go below zero.
_REDIS_GIVE_BACK = """
if redis.call('exists', KEYS[1]) == 1 and tonumber(redis.call('get', KEYS[1])) > 0 then
  return redis.call('decr', KEYS[1])
end
return 0
"""


def hit(name: str, ident: str, limit: str) -> int:
    """Count one hit of ``ident`` against ``limit`` (e.g. "10/minute;50/hour") under ``name``; the
    seconds to wait when a part of the limit is exceeded, 0 when this hit is within it."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    now = utcnow()
    wait = 0
    for item in parse_many(limit):
        count, left = _incr(name, _key(name, item, ident), item.get_expiry(), now)
        if count > item.amount:
            wait = max(wait, math.ceil(left) or 1)
    return wait


def give_back(name: str, ident: str, limit: str) -> None:
    """Take back one hit of ``ident`` (a check that turned out well), in every part of ``limit``."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    client = _redis()
    for item in parse_many(limit):
        key = _key(name, item, ident)
        if client is not None:
            from redis.exceptions import RedisError

            try:
                client.eval(_REDIS_GIVE_BACK, 1, REDIS_PREFIX + key)
                continue
            except RedisError as exc:
                _redis_down(exc)
        with db.engine.begin() as conn:
            conn.execute(update(Throttle).where(Throttle.key == key, Throttle.window_end > utcnow(), Throttle.hits > 0)
                         .values(hits=Throttle.hits - 1))


@job("purge-throttle", "Dọn bộ đếm giới hạn truy cập", {"hour": 3, "minute": 20},
     about="Xoá các bộ đếm số lần đăng nhập, xuất dữ liệu đã hết thời hạn tính.")
def purge_throttle(session, now: datetime) -> dict:
    """Delete counters whose window has ended: they no longer limit anything (Redis expires its own)."""
    result = session.execute(delete(Throttle).where(Throttle.window_end <= now))
    return {"deleted": result.rowcount}
