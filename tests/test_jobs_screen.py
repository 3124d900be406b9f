"""The jobs screen: is a scheduler alive (its heartbeat), when each job last ran and runs next, and "Chạy ngay"."""
import re
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from handbook.admin.jobs import schedule_in_words
from handbook.audit.models import AuditEntry
from handbook.clock import local_time, utcnow
from handbook.extensions import db
from handbook.jobs import (Heartbeat, Job, JobRun, SchedulerHeartbeat, build_scheduler, next_run, registered_jobs,
                           run_on_demand, scheduler_state)
from support import csrf_token, logged_in_client

SCREEN = "/admin/jobrun/"


@pytest.fixture
def clean_slate(app, rollback_db):
    """No heartbeat and no run yet, for this test only (all rolled back at its end)."""
    with app.app_context():
        db.session.execute(delete(SchedulerHeartbeat))
        db.session.execute(delete(JobRun))
        db.session.commit()


@pytest.fixture
def admin(app, make, tree):
    """A logged-in admin's client."""
    return logged_in_client(app, make.user("admin", tree["P"]))


def _page(client) -> str:
    """The jobs screen's text, tags stripped, spaces collapsed."""
    page = client.get(SCREEN)
    assert page.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split())


def _press(client, job: str):
    """Press "Chạy ngay" on ``job``'s row (with the form's CSRF token); the screen it lands on."""
    response = client.post(f"{SCREEN}run/", data={"job": job, "csrf_token": csrf_token(client, SCREEN)})
    assert response.status_code == 302 and response.headers["Location"].endswith(SCREEN)
    return _page(client)


def _runs(app, job: str) -> list[JobRun]:
    with app.app_context():
        return db.session.execute(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)).scalars().all()


def test_the_scheduler_writes_its_heartbeat_and_takes_it_away_when_it_stops(app):
    """Does a running scheduler write a heartbeat row at once (so the screen says it is alive), and
    is the row gone once it has stopped?"""
    heartbeat = Heartbeat(app)
    scheduler = build_scheduler(app, heartbeat=heartbeat)
    for job in registered_jobs(app):  # only the heartbeat: the jobs would work on the suite's database
        scheduler.remove_job(job.name)
    scheduler.start()
    try:
        deadline = time.time() + 20
        while heartbeat.id is None and time.time() < deadline:
            time.sleep(0.05)
        with app.app_context():
            row = db.session.get(SchedulerHeartbeat, heartbeat.id)
            assert row is not None and row.pid == heartbeat.pid and utcnow() - row.beat_at < timedelta(seconds=20)
            assert scheduler_state(db.session).running
        assert scheduler.get_job("heartbeat").trigger.interval == timedelta(seconds=30)
    finally:
        scheduler.shutdown(wait=True)
        heartbeat.stop()
    with app.app_context():
        assert db.session.get(SchedulerHeartbeat, heartbeat.id) is None


def test_a_beat_keeps_one_row_per_scheduler_and_forgets_long_dead_ones(app, clean_slate):
    """Does each beat move the same row forward, and is a scheduler silent for two days dropped?"""
    with app.app_context():
        db.session.add(SchedulerHeartbeat(host="cu", pid=1, started_at=datetime(2026, 1, 1), beat_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    heartbeat = Heartbeat(app)
    heartbeat.beat(utcnow() - timedelta(seconds=30))
    heartbeat.beat()
    with app.app_context():
        rows = db.session.execute(select(SchedulerHeartbeat)).scalars().all()
    assert [(r.id, r.pid) for r in rows] == [(heartbeat.id, heartbeat.pid)]
    assert utcnow() - rows[0].beat_at < timedelta(seconds=5)


def test_the_screen_says_whether_a_scheduler_is_alive(app, admin, clean_slate):
    """Does the admin read "not running" with how to start it when no scheduler ever beat or the last
    beat is 5 minutes old, and "running · last beat 12 seconds ago" when it beat just now?"""
    text = _page(admin)
    assert "Bộ lập lịch không chạy · chưa từng ghi nhận nhịp nào" in text and "make run" in text
    with app.app_context():
        db.session.add(SchedulerHeartbeat(host="may-chu-1", pid=4242, started_at=utcnow() - timedelta(hours=3),
                                          beat_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    text = _page(admin)
    assert "Bộ lập lịch không chạy · nhịp cuối cùng 5 phút trước (máy may-chu-1)" in text
    with app.app_context():
        db.session.execute(SchedulerHeartbeat.__table__.update().values(beat_at=utcnow() - timedelta(seconds=12)))
        db.session.commit()
    text = _page(admin)
    assert re.search(r"Bộ lập lịch đang chạy · nhịp gần nhất 1[23] giây trước Máy may-chu-1, tiến trình 4242", text), text[:600]
    assert "không chạy" not in text


def test_next_runs_of_a_daily_and_a_monthly_job_fall_in_vietnam_time():
    """Is a daily 03:10 job next run at 03:10 Vietnam time (today's if not yet passed there, else
    tomorrow's), and a job on the 1st at 02:00 on Vietnam's 1st even while it is still the 30th in UTC?"""
    daily = Job("daily", None, "Hằng ngày", {"hour": 3, "minute": 10})
    monthly = Job("monthly", None, "Hằng tháng", {"day": 1, "hour": 2, "minute": 0}, period="month")
    # 19:00 UTC on 30/11 is 02:00 on 01/12 in Vietnam.
    assert local_time(next_run(daily, datetime(2026, 11, 30, 19, 0))) == "01/12/2026 03:10"
    assert local_time(next_run(daily, datetime(2026, 11, 30, 20, 11))) == "02/12/2026 03:10"
    assert next_run(daily, datetime(2026, 11, 30, 19, 0)) == datetime(2026, 11, 30, 20, 10)
    assert local_time(next_run(monthly, datetime(2026, 11, 30, 18, 30))) == "01/12/2026 02:00"
    assert local_time(next_run(monthly, datetime(2026, 11, 30, 19, 30))) == "01/01/2027 02:00"
    assert schedule_in_words(daily.cron) == "Hằng ngày lúc 03:10"
    assert schedule_in_words(monthly.cron) == "Ngày 1 hằng tháng lúc 02:00"
    assert schedule_in_words({"second": "*/30"}) == "Mỗi 30 giây"


def test_each_job_is_listed_with_its_schedule_last_and_next_run(app, admin, clean_slate):
    """Does every job show its Vietnamese name and what it does, its schedule, how its last run ended
    and when it runs next?"""
    with app.app_context():
        db.session.add(JobRun(job="purge-sessions", period="2026-11-29", started_at=datetime(2026, 11, 28, 20, 10),
                              finished_at=datetime(2026, 11, 28, 20, 10, 3), ok=True, result={"deleted": 7}))
        db.session.commit()
    text = _page(admin)
    upcoming = local_time(next_run(Job("x", None, "x", {"hour": 3, "minute": 10})))
    assert "Dọn phiên đăng nhập cũ Xoá khỏi trang Phiên đăng nhập các phiên đã kết thúc" in text
    assert "Hằng ngày lúc 03:10 29/11/2026 03:10" in text and "Thành công Đã xoá: 7" in text
    assert f"{upcoming} (sau " in text and upcoming.endswith("03:10")
    assert "Dọn tệp không còn dùng" in text and "Hằng ngày lúc 03:40 Chưa chạy lần nào" in text
    assert "Trích xuất văn bản tệp tải lên" in text and "Mỗi 30 giây Không ghi từng lượt chạy theo lịch" in text
    assert "Thống kê tháng" in text and "Ngày 1 hằng tháng lúc 02:00" in text
    assert "Số liệu tháng này" in text and "Hằng giờ, phút 20" in text
    assert "Đóng bài thi quá giờ" in text
    assert text.count("Chạy ngay") == 8 and "Các lần chạy" in text
    assert all(job.about and job.about in text for job in registered_jobs(app))


def test_run_now_runs_the_job_once_and_is_audited(app, admin, clean_slate, make, tree):
    """Does "Chạy ngay" run the job and say what it did, recorded as an on-demand run and in the audit;
    and does a second press a moment later find that run instead of running the job again?"""
    text = _press(admin, "purge-sessions")
    runs = _runs(app, "purge-sessions")
    assert len(runs) == 1 and runs[0].ok and " manual " in runs[0].period
    assert "Đã chạy «Dọn phiên đăng nhập cũ»: thành công · Đã xoá:" in text
    assert "(chạy theo yêu cầu)" in text
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.entity == "job_run",
                                                            AuditEntry.entity_id == runs[0].id)).scalar_one()
        assert entry.action == "create" and entry.role == "admin" and entry.detail["ok"] is True
    text = _press(admin, "purge-sessions")
    assert "«Dọn phiên đăng nhập cũ» vừa được chạy lúc" in text and "chờ một phút" in text
    assert len(_runs(app, "purge-sessions")) == 1


def test_run_now_is_refused_while_the_job_runs(app, admin, clean_slate):
    """While the scheduler's nightly run of a job is still going, is "Chạy ngay" shown as running and a
    press refused without starting a second run?"""
    with app.app_context():
        db.session.add(JobRun(job="purge-throttle", period="2026-11-30", started_at=utcnow() - timedelta(seconds=5)))
        db.session.commit()
    assert "Đang chạy…" in _page(admin)
    text = _press(admin, "purge-throttle")
    assert "«Dọn bộ đếm giới hạn truy cập» đang chạy (bắt đầu" in text
    assert len(_runs(app, "purge-throttle")) == 1


def test_a_run_left_unfinished_by_a_dead_process_does_not_block_run_now(app, clean_slate):
    """Does a run its process never finished (two hours old) no longer keep the job from running now?"""
    with app.app_context():
        db.session.add(JobRun(job="purge-throttle", period="2026-11-29", started_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
        run, started = run_on_demand("purge-throttle")
        assert started and run.ok


def test_two_presses_at_the_same_instant_run_the_job_once(app):
    """If two admins press "Chạy ngay" at the same instant, does the job run once?"""
    now = datetime(2033, 3, 3, 3, 3, 3)  # a minute of its own: no run of the suite is near it
    start = threading.Barrier(2)
    outcomes = []

    def press():
        with app.app_context():
            start.wait(timeout=10)
            outcomes.append(run_on_demand("purge-sessions", now=now)[1])
            db.session.remove()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    with app.app_context():
        made = db.session.execute(select(func.count()).select_from(JobRun).where(
            JobRun.job == "purge-sessions", JobRun.started_at == now)).scalar_one()
    assert sorted(outcomes) == [False, True] and made == 1


def test_only_the_admin_may_run_a_job(app, make, tree):
    """Are committee, secretary and member accounts refused "Chạy ngay" (403), with nothing run; and is
    an unknown job 404 for the admin?"""
    for role, org in (("committee", tree["C1"]), ("secretary", tree["B1"]), ("member", tree["B1"])):
        member = make.member(org) if role == "member" else None
        client = logged_in_client(app, make.user(role, org, member))
        token = csrf_token(client, "/")
        before = len(_runs(app, "sweep-uploads"))
        assert client.post(f"{SCREEN}run/", data={"job": "sweep-uploads", "csrf_token": token}).status_code == 403
        assert len(_runs(app, "sweep-uploads")) == before
    admin = logged_in_client(app, make.user("admin", tree["P"]))
    assert admin.post(f"{SCREEN}run/", data={"job": "nope", "csrf_token": csrf_token(admin, SCREEN)}).status_code == 404
    assert admin.post(f"{SCREEN}run/", data={"job": "sweep-uploads"}).status_code == 400  # no CSRF token
