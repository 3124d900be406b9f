"""Periodic jobs: what each does, once per period however many schedulers run, and the scheduler's setup."""
import os
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select

from handbook.auth.sessions import UserSession
from handbook.clock import utcnow
from handbook.content.models import Attachment
from handbook.content.uploads import stored_path
from handbook.extensions import db
from handbook.jobs import JobRun, build_scheduler, get_job, period_of, registered_jobs, run_job
from content_support import make_document


def _session_row(user, **times):
    """A login session of ``user`` with the given times."""
    row = UserSession(user_id=user.id, **times)
    db.session.add(row)
    db.session.flush()
    return row.id


def test_purge_deletes_only_sessions_long_ended_or_unusable(app, make, tree):
    """Are sessions ended 40 days ago, or unused for 60 days, deleted, while one ended 5 days ago and
    one used today stay listed?"""
    user = make.user("member", tree["B2"], make.member(tree["B2"], "Dọn Phiên Cũ"))
    now = utcnow()
    with app.app_context():
        long_ended = _session_row(user, revoked_at=now - timedelta(days=40), last_seen_at=now - timedelta(days=40))
        recently_ended = _session_row(user, revoked_at=now - timedelta(days=5), last_seen_at=now - timedelta(days=5))
        abandoned = _session_row(user, last_seen_at=now - timedelta(days=60))
        current = _session_row(user, last_seen_at=now)
        db.session.commit()
        result = run_job("purge-sessions", now=now, on_demand=True)
        left = set(db.session.execute(select(UserSession.id).where(UserSession.user_id == user.id)).scalars())
    assert left == {recently_ended, current} and not {long_ended, abandoned} & left
    assert result["deleted"] >= 2


def test_sweep_removes_old_orphan_files_only(app, make, tree, tmp_path, monkeypatch):
    """Does the sweep delete a day-old file nothing names, and keep an attached file and a fresh orphan
    (a save may still be running)?"""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    doc = make_document(app, tree["P"], "Tài liệu có tệp đính kèm để dọn")
    with app.app_context():
        for name in ("attached.pdf", "orphan-old.pdf", "orphan-new.pdf"):
            with open(stored_path(name), "wb") as f:
                f.write(b"%PDF-1.4 test")
        db.session.add(Attachment(document_id=doc.id, original_name="a.pdf", stored_name="attached.pdf", kind="pdf",
                                  mime="application/pdf", size=13))
        db.session.commit()
        two_days_ago = time.time() - 2 * 86400
        for name in ("attached.pdf", "orphan-old.pdf"):
            os.utime(stored_path(name), (two_days_ago, two_days_ago))
        result = run_job("sweep-uploads", on_demand=True)
    assert sorted(os.listdir(tmp_path)) == ["attached.pdf", "orphan-new.pdf"]
    assert result == {"deleted": 1, "kept": 2}


def test_a_period_runs_once_however_many_schedulers_fire(app):
    """When three schedulers fire the same job at once, and again later that day, does it run once for
    the day, recorded once; and does the next day run again?"""
    day = datetime(2030, 1, 15, 20, 30)  # 03:30 on the 16th in Vietnam
    results = []
    start = threading.Barrier(3)

    def fire():
        with app.app_context():
            start.wait(timeout=10)
            results.append(run_job("purge-sessions", now=day))
            db.session.remove()

    threads = [threading.Thread(target=fire) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    with app.app_context():
        assert run_job("purge-sessions", now=day + timedelta(hours=2)) is None
        assert run_job("purge-sessions", now=day + timedelta(days=1)) is not None
        runs = db.session.execute(select(JobRun.period, func.count()).where(JobRun.job == "purge-sessions",
                                  JobRun.period.like("2030-01-1%")).group_by(JobRun.period)).all()
    assert sum(r is not None for r in results) == 1
    assert dict(runs) == {"2030-01-16": 1, "2030-01-17": 1}
    with app.app_context():
        assert period_of(get_job("purge-sessions"), day) == "2030-01-16"  # the day is Vietnam's, not UTC's


def test_a_failing_job_is_recorded_and_does_not_stop_the_next(app, monkeypatch):
    """If a job raises, is the run recorded as failed with the error, and do other jobs still run?"""
    import handbook.content.jobs as jobs

    def broken(session, now):
        raise RuntimeError("ổ đĩa đầy")

    monkeypatch.setattr(jobs, "sweep_orphan_uploads", broken)
    with app.app_context():
        result = run_job("sweep-uploads", now=datetime(2031, 5, 1, 1, 0))
        run = db.session.execute(select(JobRun).where(JobRun.job == "sweep-uploads", JobRun.period == "2031-05-01")).scalar_one()
        assert run.ok is False and "ổ đĩa đầy" in run.result["error"] and run.finished_at is not None
        assert "ổ đĩa đầy" in result["error"]
        assert run_job("purge-sessions", now=datetime(2031, 5, 1, 1, 0)) is not None


def test_scheduler_runs_every_job_nightly_in_vietnam_time(app):
    """Does the scheduler hold every job on a cron in Asia/Ho_Chi_Minh, one instance at a time, with
    missed runs coalesced, and does its next purge fall at 03:10 Vietnam time?"""
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)  # job defaults apply once the scheduler holds the jobs
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == {job.name for job in registered_jobs(app)}
    purge = jobs["purge-sessions"]
    assert str(purge.trigger.timezone) == "Asia/Ho_Chi_Minh"
    assert purge.max_instances == 1 and purge.coalesce is True and purge.misfire_grace_time == 3600
    fire = purge.trigger.get_next_fire_time(None, datetime.now(purge.trigger.timezone))
    assert (fire.hour, fire.minute) == (3, 10)


def test_jobs_cli_runs_one_now_and_lists_the_runs(app):
    """Does `flask jobs run sweep-uploads` run it and `flask jobs list` show it; is an unknown name refused?"""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "sweep-uploads"])
    assert result.exit_code == 0 and "sweep-uploads: {'deleted'" in result.output
    listing = runner.invoke(args=["jobs", "list"])
    assert "purge-sessions\tonce a day\thour=3 minute=10" in listing.output
    assert "sweep-uploads" in listing.output.split("\n\n", 1)[1] and "manual" in listing.output
    assert runner.invoke(args=["jobs", "run", "nope"]).exit_code != 0


def test_scheduler_process_starts_and_stops(app):
    """Does `flask --app wsgi scheduler` start with both jobs scheduled, and stop cleanly on SIGTERM?"""
    import signal
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline and not any("scheduled sweep-uploads" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert any("scheduled purge-sessions: cron[hour='3', minute='10']" in line for line in lines), lines
        assert any("scheduled sweep-uploads" in line for line in lines), lines
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_admin_reads_the_runs_and_nobody_else(app, tree, make):
    """Does the admin see each run with its Vietnamese name and how it ended, with no way to change it,
    while committee and secretary accounts are refused?"""
    from support import AuthActions

    with app.app_context():
        run_job("sweep-uploads", now=datetime(2032, 2, 3, 1, 0))
    admin = app.test_client()
    AuthActions(admin).login(make.user("admin", tree["P"]))
    page = admin.get("/admin/jobrun/?search=&sort=2&desc=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dọn tệp không còn dùng" in html and "03/02/2032" in html
    assert "Thành công" in html and "Đã xoá: " in html and "trace" not in html
    assert admin.get("/admin/jobrun/new/").status_code in (302, 403, 404)
    assert admin.get("/admin/jobrun/export/csv/").status_code in (302, 403, 404)
    for role, org in (("committee", tree["C1"]), ("secretary", tree["B1"])):
        other = app.test_client()
        AuthActions(other).login(make.user(role, org))
        assert other.get("/admin/jobrun/").status_code == 403
