"""The jobs screen in a real browser at 1280×800: the scheduler's heartbeat, the jobs, "Chạy ngay"."""
from datetime import datetime, timedelta

from sqlalchemy import delete

from browser import login, save_screenshot
from handbook.clock import utcnow
from handbook.jobs import JobRun, SchedulerHeartbeat
from support import PASSWORD


def test_admin_sees_the_scheduler_alive_and_runs_a_job_now(live_server, desktop_page, make, tree, dbq):
    """Does the admin see that the scheduler is alive, every job with its schedule and next run, and,
    after pressing "Chạy ngay", the job's result, all within the width of a 1280 px screen?"""
    beat = make._save(SchedulerHeartbeat(host="may-chu-1", pid=31337, started_at=utcnow() - timedelta(hours=5),
                                         beat_at=utcnow() - timedelta(seconds=12)))
    make._save(JobRun(job="purge-sessions", period="2026-11-30", started_at=datetime(2026, 11, 29, 20, 10),
                      finished_at=datetime(2026, 11, 29, 20, 10, 2), ok=True, result={"deleted": 14}))
    page = desktop_page
    try:
        login(page, live_server, make.user("admin", tree["P"]).login, PASSWORD)
        page.goto(f"{live_server}/admin/jobrun/")
        state = page.get_by_test_id("scheduler-state")
        assert "Bộ lập lịch đang chạy · nhịp gần nhất" in state.inner_text()
        jobs = page.locator("[data-testid=jobs] tbody tr")
        assert jobs.count() == 8
        row = page.locator("tr[data-job=purge-throttle]")
        assert "Hằng ngày lúc 03:20" in row.inner_text()
        with page.expect_navigation():
            row.get_by_role("button", name="Chạy ngay").click()
        assert "Đã chạy «Dọn bộ đếm giới hạn truy cập»: thành công" in page.locator(".alert-success").first.inner_text()
        assert "(chạy theo yêu cầu)" in page.locator("table.model-list").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        save_screenshot(page, "jobs-1280")
        assert page.js_errors == []
    finally:
        dbq(lambda s: (s.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.id == beat.id)), s.commit()))
