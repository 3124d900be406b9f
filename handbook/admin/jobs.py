"""The back-office screen of the periodic jobs' runs (read only, for the admin)."""
from handbook.admin.base import ScopedModelView
from handbook.clock import local_time


def _local(view, context, model, name):
    value = getattr(model, name)
    return local_time(value) if value else ""


def _state(view, context, model, name):
    if model.finished_at is None:
        return "Đang chạy"
    return "Thành công" if model.ok else "Lỗi"


RESULT_LABELS = {"deleted": "Đã xoá", "kept": "Giữ lại", "error": "Lỗi"}


def _result(view, context, model, name):
    """What the run did, in words (the traceback is for the logs, not the screen)."""
    value = {k: v for k, v in (model.result or {}).items() if k != "trace"}
    return " · ".join(f"{RESULT_LABELS.get(k, k)}: {v}" for k, v in value.items())


def _period(view, context, model, name):
    """"2026-11-25" as 25/11/2026; an on-demand run says so."""
    day, _, rest = model.period.partition(" ")
    parts = day.split("-")
    shown = "/".join(reversed(parts))
    return f"{shown} (chạy theo yêu cầu)" if rest.startswith("manual") else shown


class JobRunView(ScopedModelView):
    """When each nightly job ran, how it ended and what it did."""

    allowed_roles = ("admin",)
    edit_roles = ()  # no role creates, edits or deletes here
    can_export = False
    can_view_details = False
    column_display_actions = False  # nothing to do with a run but read it
    column_list = ["job", "period", "started_at", "finished_at", "ok", "result"]
    column_filters = ["job", "ok", "started_at"]
    column_sortable_list = ["job", "period", "started_at"]
    column_default_sort = ("started_at", True)
    column_labels = {"job": "Tác vụ", "period": "Kỳ", "started_at": "Bắt đầu", "finished_at": "Kết thúc",
                     "ok": "Kết quả", "result": "Chi tiết"}
    column_formatters = {"period": _period, "started_at": _local,
                         "finished_at": _local, "ok": _state, "result": _result}

    def __init__(self, *args, jobs=(), **kwargs):
        """The screen of the runs of ``jobs``, each named by its Vietnamese label."""
        self.column_choices = {"job": [(job.name, job.label) for job in jobs]}
        super().__init__(*args, **kwargs)
