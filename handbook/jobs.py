"""Periodic jobs: the domains' housekeeping, run once per period by one scheduler process.

A job is a plain function ``fn(session, now) -> dict`` in its domain's ``jobs.py``, declared with
``@job(name, label, cron, period)`` beside it and registered by the domain's ``init_app`` with
``registry.add_jobs``. ``run_job`` first claims the (job, period) row of ``job_run``; the unique
constraint makes a second scheduler, a restart or an overlapping run skip the period instead of
running twice (STACK-NOTES: two schedulers ran each job twice). A frequent job has no period
(``period=None``): it runs at every tick without a ``job_run`` row and claims its own work item by
item, so that two schedulers never do the same item. ``flask --app wsgi scheduler`` runs them on
time; ``flask --app wsgi jobs run NAME`` runs one now.
"""
from __future__ import annotations

import logging
import random
import sys
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import JSON, String, UniqueConstraint, insert, select, update
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
    period: str | None = "day"  # "day" or "month": the job runs once per period; None: at every tick
    description: str = ""


def job(name: str, label: str, cron: dict, period: str | None = "day"):
    """Declare ``fn(session, now) -> dict`` a periodic job; its docstring is the job's description."""

    def declare(func):
        description = " ".join((func.__doc__ or "").split("\n\n")[0].split())
        func.job = Job(name, func, label, cron, period, description)
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


def get_job(name: str) -> Job:
    """The job called ``name`` (KeyError if there is none)."""
    return registry().jobs[name]


def period_of(job: Job, now: datetime) -> str:
    """The period ``now`` (UTC) falls in, in Vietnam time: "2026-11-25" or "2026-11"."""
    local = local_now(now)
    return f"{local:%Y-%m}" if job.period == "month" else f"{local:%Y-%m-%d}"


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


def run_job(name: str, now: datetime | None = None, on_demand: bool = False) -> dict | None:
    """Run job ``name`` for the current period in the current app context; return its result, or
    None when this period already ran. ``on_demand`` runs it again under a period of its own."""
    job = get_job(name)
    now = now or utcnow()
    session = db.session
    if job.period is None:
        # Nothing to claim: the job claims its items itself; every tick would be a row otherwise.
        result, _ok = _execute(session, job, now, "this tick")
        log.info("job %s: %s", name, result)
        return result
    period = period_of(job, now)
    if on_demand:
        period = f"{period} manual {now:%H:%M:%S.%f}"
    run_id = _claim(session, job, period, now)
    if run_id is None:
        log.info("job %s: period %s already ran, skipped", name, period)
        return None
    result, ok = _execute(session, job, now, period)
    session.execute(update(JobRun).where(JobRun.id == run_id).values(finished_at=utcnow(), ok=ok, result=result))
    session.commit()
    log.info("job %s for %s: %s", name, period, result)
    return result


def _run_in_app(app, name: str) -> None:
    """What the scheduler calls: run ``name`` in an app context of its own."""
    with app.app_context():
        try:
            run_job(name)
        finally:
            db.session.remove()


def build_scheduler(app, blocking: bool = True):
    """An APScheduler 3 scheduler with every job on its cron in Vietnam time, one instance at a time,
    missed runs coalesced into one and still run within an hour of their time."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone=TIMEZONE, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for job in registered_jobs(app):
        scheduler.add_job(partial(_run_in_app, app, job.name), "cron", id=job.name, name=job.name, **job.cron)
    return scheduler


def recent_runs(session, limit: int = 20) -> list[JobRun]:
    """The latest runs, newest first."""
    return session.execute(select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)).scalars().all()


def seed_job_runs(session, ctx) -> int:
    """A year of nightly runs of every daily job, for the province data set."""
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
    return len(rows)


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
    scheduler = build_scheduler(current_app._get_current_object())
    for job in scheduler.get_jobs():
        log.info("scheduled %s: %s", job.id, job.trigger)
    scheduler.start()


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
