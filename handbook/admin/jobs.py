"""The back-office screen of the periodic jobs (admin only): is a scheduler alive, each job's schedule,
last and next run with a "run now" button, then the runs."""
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose

from handbook.admin.base import ScopedModelView
from handbook.audit.operations import record
from handbook.clock import local_time, utcnow
from handbook.extensions import db
from handbook.jobs import STUCK_AFTER, latest_runs, next_run, run_on_demand, scheduler_state


def _local(view, context, model, name):
    value = getattr(model, name)
    return local_time(value) if value else ""


def is_running(run, now=None) -> bool:
    """Is ``run`` still going (not one whose process died before it finished)?"""
    return run.finished_at is None and run.started_at > (now or utcnow()) - STUCK_AFTER


def run_state(run) -> str:
    """How a run stands or ended, in words."""
    if run.finished_at is None:
        return "Đang chạy" if is_running(run) else "Dừng giữa chừng"
    return "Thành công" if run.ok else "Lỗi"


def _state(view, context, model, name):
    return run_state(model)


RESULT_LABELS = {"deleted": "Đã xoá", "kept": "Giữ lại", "error": "Lỗi", "done": "Đã đọc", "failed": "Không đọc được",
                 "skipped": "Bỏ qua"}


def result_in_words(result: dict | None) -> str:
    """What a run did, in words (the traceback is for the logs, not the screen)."""
    value = {k: v for k, v in (result or {}).items() if k != "trace"}
    return " · ".join(f"{RESULT_LABELS.get(k, k)}: {v}" for k, v in value.items())


def _result(view, context, model, name):
    return result_in_words(model.result)


def _period(view, context, model, name):
    """"2026-11-25" as 25/11/2026, "2026-11-25 14h" as 25/11/2026 14h; an on-demand run says so."""
    day, _, rest = model.period.partition(" ")
    parts = day.split("-")
    shown = "/".join(reversed(parts))
    if rest.startswith("manual"):
        return f"{shown} (chạy theo yêu cầu)"
    return f"{shown} {rest}" if rest else shown


def span_in_words(seconds: float) -> str:
    """A length of time as Vietnamese say it, to the minute: "12 giây", "3 phút", "17 giờ 5 phút", "2 ngày"."""
    seconds = max(int(seconds), 0)
    if seconds < 60:
        return f"{seconds} giây"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} phút"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    return f"{hours // 24} ngày"


EVERY = (("second", "giây"), ("minute", "phút"), ("hour", "giờ"))


def schedule_in_words(cron: dict) -> str:
    """A job's cron fields as Vietnamese read them: "Hằng ngày lúc 03:10", "Ngày 1 hằng tháng lúc 02:00",
    "Mỗi 30 giây"; any other cron as its fields."""
    for unit, word in EVERY:
        if set(cron) == {unit} and str(cron[unit]).startswith("*/"):
            return f"Mỗi {str(cron[unit])[2:]} {word}"
    if set(cron) == {"minute"} and isinstance(cron["minute"], int):
        return f"Hằng giờ, phút {cron['minute']:02d}"
    if {"hour", "minute"} <= set(cron) <= {"hour", "minute", "day"} and all(isinstance(v, int) for v in cron.values()):
        at = f"lúc {cron['hour']:02d}:{cron['minute']:02d}"
        return f"Ngày {cron['day']} hằng tháng {at}" if "day" in cron else f"Hằng ngày {at}"
    return "Lịch cron: " + ", ".join(f"{k}={v}" for k, v in cron.items())


class JobRunView(ScopedModelView):
    """The periodic jobs: whether a scheduler runs them, when each last ran and runs next; then every run."""

    allowed_roles = ("admin",)
    edit_roles = ()  # no role creates, edits or deletes here
    can_export = False
    can_view_details = False
    column_display_actions = False  # nothing to do with a run but read it
    list_template = "admin/jobs_list.html"
    column_list = ["job", "period", "started_at", "finished_at", "ok", "result"]
    column_filters = ["job", "ok", "started_at"]
    column_sortable_list = ["job", "period", "started_at"]
    column_default_sort = ("started_at", True)
    column_labels = {"job": "Tác vụ", "period": "Kỳ", "started_at": "Bắt đầu", "finished_at": "Kết thúc",
                     "ok": "Kết quả", "result": "Chi tiết"}
    column_formatters = {"period": _period, "started_at": _local,
                         "finished_at": _local, "ok": _state, "result": _result}

    def __init__(self, *args, jobs=(), **kwargs):
        """The screen of ``jobs``, each named by its Vietnamese label."""
        self.jobs = {job.name: job for job in jobs}
        self.column_choices = {"job": [(job.name, job.label) for job in jobs]}
        super().__init__(*args, **kwargs)

    def render(self, template, **kwargs):
        """The list, under the scheduler's state and one row per job."""
        if template == self.list_template:
            kwargs.update(self._overview())
        return super().render(template, **kwargs)

    def _overview(self) -> dict:
        """What the top of the screen shows, as of now."""
        now = utcnow()
        state = scheduler_state(db.session, now)
        latest = latest_runs(db.session)
        rows = []
        for job in self.jobs.values():
            last, upcoming = latest.get(job.name), next_run(job, now)
            rows.append({
                "job": job, "schedule": schedule_in_words(job.cron), "last": last,
                "last_at": last and local_time(last.started_at), "last_ago": last and span_in_words((now - last.started_at).total_seconds()),
                "last_state": last and run_state(last), "last_result": last and result_in_words(last.result),
                "running": bool(last) and is_running(last, now),
                "next_at": local_time(upcoming), "next_in": span_in_words((upcoming - now).total_seconds()),
            })
        heartbeat = state.latest
        return {
            "scheduler": state, "jobs_overview": rows,
            "beat_ago": heartbeat and span_in_words((now - heartbeat.beat_at).total_seconds()),
            "scheduler_since": heartbeat and local_time(heartbeat.started_at),
        }

    @expose("/run/", methods=["POST"])
    def run_view(self):
        """Run one job now for the admin, once however often the button is pressed; audited, then back to the screen."""
        job = self.jobs.get(request.form.get("job", ""))
        if job is None:
            abort(404)
        run, started = run_on_demand(job.name)
        if not started:
            since = local_time(run.started_at)
            if is_running(run):
                flash(f"«{job.label}» đang chạy (bắt đầu {since}): chưa chạy thêm lần nữa.", "warning")
            else:
                flash(f"«{job.label}» vừa được chạy lúc {since} ({run_state(run)}): chờ một phút rồi hãy chạy lại.", "warning")
            return redirect(url_for(".index_view"))
        record("create", self.audit_entity, run.id, changes={"job": [None, job.name], "period": [None, run.period]},
               detail={"screen": str(self.name), "ok": run.ok, "result": result_in_words(run.result)})
        db.session.commit()
        done = result_in_words(run.result)
        if run.ok:
            flash(f"Đã chạy «{job.label}»: thành công{' · ' + done if done else ''}.", "success")
        else:
            flash(f"«{job.label}» chạy bị lỗi: {done}. Chi tiết lỗi ghi trong nhật ký của máy chủ.", "error")
        return redirect(url_for(".index_view"))
