"""Back-office screen: members' correction requests, answered by their secretary."""
from flask_login import current_user
from wtforms.validators import ValidationError

from handbook.admin.base import ScopedModelView, choice_label
from handbook.clock import local_time, utcnow
from handbook.privacy.models import CORRECTABLE_FIELDS, CORRECTION_STATUSES, CorrectionRequest


class CorrectionRequestView(ScopedModelView):
    """Correction requests of the members in scope; the secretary accepts or rejects them."""

    edit_roles = ("admin", "committee", "secretary")
    audits_listing = True
    column_list = ["created_at", "member", "field", "requested_value", "status", "handled_by", "handled_at"]
    column_details_list = ["created_at", "member", "field", "requested_value", "note", "status", "response", "handled_by", "handled_at"]
    column_export_list = ["created_at", "member.full_name", "member.card_number", "field", "requested_value", "note", "status", "response", "handled_at"]
    column_filters = ["status", "field", "created_at"]
    column_default_sort = ("created_at", True)
    column_select_related_list = [CorrectionRequest.member, CorrectionRequest.handled_by]
    column_labels = {
        "created_at": "Gửi lúc", "member": "Đảng viên", "member.full_name": "Đảng viên",
        "member.card_number": "Số thẻ đảng viên", "field": "Thông tin", "requested_value": "Giá trị đề nghị",
        "note": "Ghi chú", "status": "Trạng thái", "response": "Trả lời", "handled_by": "Người xử lý",
        "handled_at": "Xử lý lúc",
    }
    _formatters = {
        "field": choice_label(CORRECTABLE_FIELDS),
        "status": choice_label(CORRECTION_STATUSES),
        "created_at": lambda v, c, m, n: local_time(m.created_at),
        "handled_at": lambda v, c, m, n: local_time(m.handled_at),
    }
    column_formatters = _formatters
    column_formatters_export = _formatters
    form_columns = ["status", "response"]
    form_choices = {"status": list(CORRECTION_STATUSES.items())}
    form_args = {"status": {"label": "Trạng thái"}, "response": {"label": "Trả lời đảng viên"}}

    @property
    def can_create(self):
        return False

    @property
    def can_delete(self):
        return False

    def after_form_change(self, form, model, is_created):
        """Record who answered and when."""
        if model.status not in CORRECTION_STATUSES:
            raise ValidationError("Trạng thái không hợp lệ.")
        if model.status != "pending":
            model.handled_by_id = current_user.id
            model.handled_at = utcnow()
