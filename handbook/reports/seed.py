"""The statistics' year in the province data set: the last twelve months computed, so the dashboard
has a trend and last month to compare with from the first visit, and last month's files of the province."""
from __future__ import annotations

from sqlalchemy import text

from handbook.reports.operations import root_id, write_monthly_report
from handbook.reports.statistics import compute_month, current_month, previous_month

HISTORY_MONTHS = 12


def seed_monthly_statistics(session, ctx) -> dict[str, int]:
    """Compute the twelve months ending with the one under way, taken at the end of the seeded year,
    and write the province's Excel and PDF of the last finished month, as the job of the 1st does."""
    if session.get_bind().dialect.name == "sqlite":
        # The seed analyzes its tables only once it has committed; the figures' joins over a million
        # rows need the planner to know the tables' sizes now.
        session.execute(text("ANALYZE"))
    month, stored = current_month(ctx.end), 0
    for _ in range(HISTORY_MONTHS):
        stored += compute_month(session, month, now=ctx.end)
        month = previous_month(month)
    # Only the province's files: the committees' would add a minute for files nobody opens in a test.
    written = write_monthly_report(session, previous_month(current_month(ctx.end)), root_id(session))
    return {"monthly_statistics": stored, "generated_report": int(written is not None)}
