"""Back-office screen of the points ledger's rules."""
from handbook.admin.base import ScopedModelView, choice_label
from handbook.study.models import POINT_SOURCES


class PointRuleView(ScopedModelView):
    """Daily caps per source of points (admin only; defaults apply while no row exists)."""

    edit_roles = ("admin",)
    can_export = False
    column_list = ["source", "daily_cap", "note", "updated_at"]
    column_formatters = {"source": choice_label(POINT_SOURCES)}
    column_labels = {"source": "Nguồn điểm", "daily_cap": "Tối đa mỗi ngày", "note": "Ghi chú", "updated_at": "Cập nhật"}
    form_columns = ["source", "daily_cap", "note"]
    form_choices = {"source": list(POINT_SOURCES.items())}
    allowed_roles = ("admin",)  # the rules are the province's


def views() -> list:
    """The screens, in menu order."""
    from handbook.admin.menu import STUDY
    from handbook.extensions import db
    from handbook.study.models import PointRule

    return [PointRuleView(PointRule, db, name="Quy tắc điểm", category=STUDY)]
