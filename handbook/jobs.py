"""Periodic jobs: the domains' housekeeping, run once per period by one scheduler process.

A job is a plain function ``fn(session, now) -> dict`` in its domain's ``jobs.py``, declared with
``@job(name, label, cron, period)`` beside it and registered by the domain's ``init_app`` with
``registry.add_jobs``. ``run_job`` first claims the (job, period) row of ``job_run``; the unique
constraint makes a second scheduler, a restart or an overlapping run skip the period instead of
running twice (STACK-NOTES: two schedulers ran each job twice). A frequent job has no period
(``period=None``): it runs at every tick without a ``job_run`` row and claims its own work item by
item, so that two schedulers never do the same item. ``flask --app wsgi scheduler`` runs them on
time and writes a heartbeat row every HEARTBEAT_SECONDS (the web workers only see the database, so
that is where the jobs screen learns a scheduler is alive); ``flask --app wsgi jobs run NAME`` and
the screen's "Chạy ngay" run one now.
"""
from __future__ import annotations

import logging
import os
import random
import signal
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import JSON, String, UniqueConstraint, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from handbook.clock import LOCAL_OFFSET, TIMEZONE, local_now, utcnow
from handbook.extensions import NEVER_REUSE_IDS, db, dialect_insert
from handbook.registry import add_admin_views, add_seeders, registry
from handbook.scope import admin_only

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A periodic job: its function, its Vietnamese label, when it runs (cron fields, Vietnam time) and its period."""

    name: str
    func: Callable
    label: str
    cron: dict = field(default_factory=dict)
    period: str | None = "day"  # "hour", "day" or "month": the job runs once per period; None: at every tick
    description: str = ""  # for `flask jobs list`: the function's docstring
    about: str = ""  # for the jobs screen: what the job does, in Vietnamese


def job(name: str, label: str, cron: dict, period: str | None = "day", about: str = ""):
    """Declare ``fn(session, now) -> dict`` a periodic job; its docstring is the job's description,
    ``about`` says in Vietnamese what it does for the admin."""

    def declare(func):
        description = " ".join((func.__doc__ or "").split("\n\n")[0].split())
        func.job = Job(name, func, label, cron, period, description, about)
        return func

    return declare


def registered_jobs(app=None) -> list[Job]:
    """Every job the domains registered, in registration order."""
    return list(registry(app).jobs.values())


class JobRun(db.Model):
    """One run of a job for one period; unique per (job, period), so a period runs once."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(60))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    ok: Mapped[bool | None]
    result: Mapped[dict | None] = mapped_column(JSON)

    __scope__ = admin_only()

    def __str__(self) -> str:
        return f"{self.job} {self.period}"


class SchedulerHeartbeat(db.Model):
    """One scheduler process, alive as long as its ``beat_at`` keeps moving."""

    __tablename__ = "scheduler_heartbeat"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


HEARTBEAT_SECONDS = 30
# A scheduler that has not beaten for this long is taken for dead (four beats missed).
ALIVE_WITHIN = timedelta(minutes=2)
# Rows of schedulers long gone (killed without a chance to delete theirs) are dropped by the next beat.
FORGET_AFTER = timedelta(days=1)
# Between two runs of one job started on demand: a second press (a double click, a colleague) finds
# the first run instead of running the job again.
ON_DEMAND_GAP = timedelta(minutes=1)
# A run still unfinished after this long died with its process (a kill, a restart): it no longer
# keeps the job from being run on demand.
STUCK_AFTER = timedelta(hours=1)


def get_job(name: str) -> Job:
    """The job called ``name`` (KeyError if there is none)."""
    return registry().jobs[name]


def period_of(job: Job, now: datetime) -> str:
    """The period ``now`` (UTC) falls in, in Vietnam time: "2026-11-25 14h", "2026-11-25" or "2026-11"."""
    local = local_now(now)
    return {"month": f"{local:%Y-%m}", "hour": f"{local:%Y-%m-%d %H}h"}.get(job.period, f"{local:%Y-%m-%d}")


def _function(job: Job):
    """The job's function as its module holds it now (a test may have replaced it there)."""
    return getattr(sys.modules[job.func.__module__], job.func.__name__, job.func)


def _claim(session, job: Job, period: str, now: datetime) -> int | None:
    """Insert the (job, period) row; its id, or None when someone already ran this period."""
    stmt = dialect_insert(session)(JobRun).values(
        job=job.name, period=period, started_at=now
    ).on_conflict_do_nothing(index_elements=["job", "period"]).returning(JobRun.id)
    run_id = session.execute(stmt).scalar_one_or_none()
    session.commit()  # the claim is visible to other schedulers before the work starts
    return run_id


def _execute(session, job: Job, now: datetime, period: str) -> tuple[dict, bool]:
    """Run the job's function and commit: (its result, True), or (the error, False) rolled back."""
    try:
        result = _function(job)(session, now)
        session.commit()
        return result, True
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the run and logged
        session.rollback()
        log.exception("job %s failed for %s", job.name, period)
        return {"error": repr(exc), "trace": traceback.format_exc()[-2000:]}, False


def _run_claimed(session, job: Job, period: str, now: datetime) -> JobRun | None:
    """Claim (job, period) and run the job under it: the finished run, or None when it was claimed already."""
    run_id = _claim(session, job, period, now)
    if run_id is None:
        log.info("job %s: period %s already ran, skipped", job.name, period)
        return None
    result, ok = _execute(session, job, now, period)
    session.execute(update(JobRun).where(JobRun.id == run_id).values(finished_at=utcnow(), ok=ok, result=result))
    session.commit()
    log.info("job %s for %s: %s", job.name, period, result)
    return session.get(JobRun, run_id)


def run_job(name: str, now: datetime | None = None, on_demand: bool = False) -> dict | None:
    """Run job ``name`` for the current period in the current app context; return its result, or
    None when this period already ran. ``on_demand`` runs it again under a period of its own."""
    job = get_job(name)
    now = now or utcnow()
    session = db.session
    if job.period is None and not on_demand:
        # Nothing to claim: the job claims its items itself; every tick would be a row otherwise.
        result, _ok = _execute(session, job, now, "this tick")
        log.info("job %s: %s", name, result)
        return result
    period = f"{period_of(job, now)} manual {now:%H:%M:%S.%f}" if on_demand else period_of(job, now)
    run = _run_claimed(session, job, period, now)
    return None if run is None else run.result


def _run_in_the_way(session, job: Job, now: datetime) -> JobRun | None:
    """The run that keeps ``job`` from being started on demand at ``now``: one still running, or one
    started on demand under ON_DEMAND_GAP ago."""
    return session.execute(
        select(JobRun).where(JobRun.job == job.name, or_(
            and_(JobRun.finished_at.is_(None), JobRun.started_at > now - STUCK_AFTER),
            and_(JobRun.period.like("% manual %"), JobRun.started_at > now - ON_DEMAND_GAP),
        )).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def run_on_demand(name: str, now: datetime | None = None) -> tuple[JobRun, bool]:
    """Run job ``name`` now, as the admin's "run now": (its finished run, True); or (the run in the
    way, False) while it runs or when it was run on demand under ON_DEMAND_GAP ago."""
    job = get_job(name)
    now = now or utcnow()
    session = db.session
    in_the_way = _run_in_the_way(session, job, now)
    if in_the_way is not None:
        return in_the_way, False
    # One key a minute: two presses at the same instant both pass the check above; one claims the row.
    period = f"{period_of(job, now)} manual {now:%H:%M}"
    run = _run_claimed(session, job, period, now)
    if run is None:
        return session.execute(select(JobRun).where(JobRun.job == job.name, JobRun.period == period)).scalar_one(), False
    return run, True


def latest_runs(session) -> dict[str, JobRun]:
    """Each job's latest run, by job name."""
    order = func.row_number().over(partition_by=JobRun.job, order_by=(JobRun.started_at.desc(), JobRun.id.desc()))
    ranked = select(JobRun.id, order.label("n")).subquery()
    rows = session.execute(select(JobRun).join(ranked, ranked.c.id == JobRun.id).where(ranked.c.n == 1)).scalars()
    return {run.job: run for run in rows}


def next_run(job: Job, now: datetime | None = None) -> datetime:
    """When the scheduler next starts ``job`` at or after ``now`` (UTC, naive), from its cron in Vietnam time."""
    from apscheduler.triggers.cron import CronTrigger

    after = (now or utcnow()).replace(tzinfo=timezone.utc)
    fire = CronTrigger(timezone=TIMEZONE, **job.cron).get_next_fire_time(None, after)
    return fire.astimezone(timezone.utc).replace(tzinfo=None)


class Heartbeat:
    """This scheduler process's row of ``scheduler_heartbeat``: made at its first beat, its time
    moved at each, deleted when the process stops."""

    def __init__(self, app):
        self.app, self.id, self.stopped, self.lock = app, None, False, threading.Lock()
        self.host, self.pid, self.started_at = socket.gethostname()[:255], os.getpid(), utcnow()

    def beat(self, now: datetime | None = None) -> None:
        """Record that this scheduler is alive at ``now``; forget schedulers silent for FORGET_AFTER."""
        now = now or utcnow()
        with self.lock, self.app.app_context():
            if self.stopped:  # a beat due as the process was stopping
                return
            try:
                session = db.session
                moved = self.id is not None and session.execute(
                    update(SchedulerHeartbeat).where(SchedulerHeartbeat.id == self.id).values(beat_at=now)).rowcount
                if not moved:  # the first beat, or the row was forgotten while this process slept
                    row = SchedulerHeartbeat(host=self.host, pid=self.pid, started_at=self.started_at, beat_at=now)
                    session.add(row)
                    session.flush()
                    self.id = row.id
                session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.beat_at < now - FORGET_AFTER))
                session.commit()
            finally:
                db.session.remove()

    def stop(self) -> None:
        """Delete this scheduler's row (after a beat under way): the screen says at once that it no longer runs."""
        with self.lock, self.app.app_context():
            self.stopped = True
            if self.id is None:
                return
            try:
                db.session.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.id == self.id))
                db.session.commit()
            finally:
                db.session.remove()


@dataclass(frozen=True)
class SchedulerState:
    """What the heartbeats say: the newest one (None if no scheduler ever beat) and how many are alive."""

    latest: SchedulerHeartbeat | None
    alive: int

    @property
    def running(self) -> bool:
        return self.alive > 0


def scheduler_state(session, now: datetime | None = None) -> SchedulerState:
    """Whether a scheduler is alive at ``now``: one beat within ALIVE_WITHIN."""
    now = now or utcnow()
    latest = session.execute(
        select(SchedulerHeartbeat).order_by(SchedulerHeartbeat.beat_at.desc()).limit(1)).scalar_one_or_none()
    alive = session.execute(select(func.count()).select_from(SchedulerHeartbeat)
                           .where(SchedulerHeartbeat.beat_at >= now - ALIVE_WITHIN)).scalar_one()
    return SchedulerState(latest, alive)


def _run_in_app(app, name: str) -> None:
    """What the scheduler calls: run ``name`` in an app context of its own."""
    with app.app_context():
        try:
            run_job(name)
        finally:
            db.session.remove()


def build_scheduler(app, heartbeat: Heartbeat | None = None):
    """An APScheduler 3 scheduler, running in threads of its own once started, with every job on its
    cron in Vietnam time, one instance at a time, missed runs coalesced into one and still run within
    an hour of their time; and ``heartbeat`` beaten at once and every HEARTBEAT_SECONDS."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        timezone=TIMEZONE, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for job in registered_jobs(app):
        scheduler.add_job(partial(_run_in_app, app, job.name), "cron", id=job.name, name=job.name, **job.cron)
    if heartbeat is not None:
        scheduler.add_job(heartbeat.beat, "interval", seconds=HEARTBEAT_SECONDS, id="heartbeat", name="heartbeat",
                          next_run_time=datetime.now(timezone.utc))
    return scheduler


def recent_runs(session, limit: int = 20) -> list[JobRun]:
    """The latest runs, newest first."""
    return session.execute(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)).scalars().all()


def seed_job_runs(session, ctx) -> int:
    """A year of nightly runs of every daily job, and the last heartbeat of the scheduler that ran
    them, for the province data set."""
    rng = random.Random(ctx.rng.random())
    rows = []
    day = ctx.start
    while day <= ctx.end:
        for job in registered_jobs():
            if job.period != "day":
                continue
            started = datetime.combine(day, datetime.min.time()) + timedelta(
                hours=job.cron.get("hour", 0), minutes=job.cron.get("minute", 0)) - LOCAL_OFFSET
            result = ({"deleted": rng.randint(0, 300)} if job.name in ("purge-sessions", "purge-throttle")
                      else {"deleted": 0, "kept": rng.randint(400, 600)})
            rows.append({"job": job.name, "period": f"{day:%Y-%m-%d}", "started_at": started,
                         "finished_at": started + timedelta(seconds=rng.randint(1, 20)), "ok": True, "result": result})
        day += timedelta(days=1)
    if rows:
        session.execute(insert(JobRun), rows)
    session.add(SchedulerHeartbeat(host="may-chu-1", pid=rng.randint(1000, 60000),
                                   started_at=ctx.end - timedelta(days=rng.randint(1, 30)),
                                   beat_at=ctx.end - timedelta(seconds=HEARTBEAT_SECONDS)))
    return len(rows) + 1


jobs_cli = AppGroup("jobs", help="List the periodic jobs and their latest runs, or run one now.")


@jobs_cli.command("list")
def list_jobs():
    """Each job with its schedule, then the latest runs."""
    for job in registered_jobs():
        when = " ".join(f"{k}={v}" for k, v in job.cron.items())
        every = f"once a {job.period}" if job.period else "every tick"
        click.echo(f"{job.name}\t{every}\t{when} ({TIMEZONE})\t{job.description}")
    click.echo("")
    for run in recent_runs(db.session):
        state = "running" if run.finished_at is None else ("ok" if run.ok else "FAILED")
        click.echo(f"{run.started_at:%Y-%m-%d %H:%M:%S}Z\t{run.job}\t{run.period}\t{state}\t{run.result}")


@jobs_cli.command("run")
@click.argument("name")
def run_now(name):
    """Run job NAME now (recorded as an on-demand run of this period)."""
    try:
        get_job(name)
    except KeyError:
        raise click.BadParameter(f"no job {name!r}; see `flask jobs list`") from None
    click.echo(f"{name}: {run_job(name, on_demand=True)}")


@click.command("scheduler")
def scheduler_command():
    """Run the scheduler process: every job on its schedule, until stopped (run one, not one per worker)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler says "Running job" and "executed successfully" for every tick and beat (twice a
    # minute each); the jobs log their results themselves and failures still come through.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    app = current_app._get_current_object()
    heartbeat = Heartbeat(app)
    scheduler = build_scheduler(app, heartbeat=heartbeat)
    for job in scheduler.get_jobs():
        log.info("scheduled %s: %s", job.id, job.trigger)
    scheduler.start()
    # The jobs run in the scheduler's threads; this one only waits, so a signal can stop it at any
    # moment without breaking a lock the scheduler holds. SIGTERM (`make run` stopping, systemd, kill)
    # stops it as Ctrl-C does, through the `finally` that takes the heartbeat row away.
    try:
        signal.signal(signal.SIGTERM, _exit_on_signal)
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopping")
    finally:
        scheduler.shutdown(wait=False)  # a job still running finishes before the process ends
        heartbeat.stop()


def _exit_on_signal(signum, _frame):
    """Leave the scheduler's wait as Ctrl-C would."""
    raise SystemExit(128 + signum)


def init_app(app) -> None:
    """Register the jobs and scheduler commands, the screen of the runs and their year of history.

    Called after the domains: the screen names every job they registered."""
    from handbook.admin.jobs import JobRunView
    from handbook.admin.menu import SYSTEM

    app.cli.add_command(jobs_cli)
    app.cli.add_command(scheduler_command)
    add_admin_views(app, JobRunView(JobRun, db, name="Tác vụ định kỳ", endpoint="jobrun", jobs=registered_jobs(app),
                                   category=SYSTEM))
    add_seeders(app, province=seed_job_runs)
