"""The statistics' jobs: the month before, finished on the 1st; the month under way, every hour."""
from __future__ import annotations

from datetime import datetime

from handbook.jobs import job
from handbook.reports.operations import run_month
from handbook.reports.statistics import compute_month, current_month, previous_month


@job("monthly-statistics", "Thống kê tháng", cron={"day": 1, "hour": 2, "minute": 0}, period="month",
     about="Ngày 1 hằng tháng: tính số liệu tháng trước của mọi tổ chức và ghi tệp Excel, PDF của cấp tỉnh và "
           "các đảng bộ trực thuộc.")
def monthly_statistics(session, now: datetime) -> dict:
    """Compute last month's figures for the whole tree and write the scheduled report files."""
    return run_month(session, previous_month(current_month(now)), now=now)


@job("statistics-this-month", "Số liệu tháng này", cron={"minute": 20}, period="hour",
     about="Hằng giờ: cập nhật số liệu của tháng đang diễn ra cho trang Tổng quan.")
def statistics_this_month(session, now: datetime) -> dict:
    """Recompute the month under way for the dashboard."""
    month = current_month(now)
    return {"month": f"{month:%Y-%m}", "organizations": compute_month(session, month, now)}
