"""Time: stored in UTC (naive), counted and shown in Vietnam's time.

Vietnam keeps UTC+7 all year (no daylight saving), so a day, month or year in Vietnam is a fixed
UTC range; the bounds below are what queries over ``created_at`` columns compare with.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Ho_Chi_Minh"
ZONE = ZoneInfo(TIMEZONE)
LOCAL_OFFSET = timedelta(hours=7)


def utcnow() -> datetime:
    """Return the current time in UTC (stored naive, read as UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local_now(now: datetime | None = None) -> datetime:
    """``now`` (UTC, naive; default: this instant) as Vietnam's wall-clock time, naive."""
    return (now or utcnow()) + LOCAL_OFFSET


def local_today() -> date:
    """Today's date in Vietnam."""
    return local_now().date()


def local_time(value: datetime | None) -> str:
    """A stored UTC time as Vietnamese read it: dd/mm/yyyy HH:MM in Vietnam's time ("" for none)."""
    if value is None:
        return ""
    return value.replace(tzinfo=timezone.utc).astimezone(ZONE).strftime("%d/%m/%Y %H:%M")


def utc_from_local(value: datetime) -> datetime:
    """A wall-clock time typed in Vietnam as the UTC time stored (naive)."""
    return value.replace(tzinfo=ZONE).astimezone(timezone.utc).replace(tzinfo=None)


def local_date(value: date | None) -> str:
    """A date as Vietnamese write it: dd/mm/yyyy ("" for none)."""
    return value.strftime("%d/%m/%Y") if value else ""


def day_start(now: datetime | None = None) -> datetime:
    """The UTC instant at which ``now``'s day (default: today) began in Vietnam."""
    local = local_now(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - LOCAL_OFFSET


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of ``day`` in Vietnam."""
    start = datetime(day.year, day.month, day.day) - LOCAL_OFFSET
    return start, start + timedelta(days=1)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a month in Vietnam."""
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1) - LOCAL_OFFSET, datetime(*following, 1) - LOCAL_OFFSET


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a year in Vietnam."""
    return datetime(year, 1, 1) - LOCAL_OFFSET, datetime(year + 1, 1, 1) - LOCAL_OFFSET
