"""Back-office screens for the organization tree, the members and their party discipline."""
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.helpers import is_form_submitted
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect, select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from handbook.admin.base import ScopedModelView, choice_label, unresolved_choice
from handbook.clock import local_today
from handbook.extensions import db
from handbook.scope import current_scope
from handbook.organizations.models import (
    DISCIPLINE_FORMS,
    GENDERS,
    MEMBER_LABELS,
    MEMBER_STATUSES,
    ORG_KINDS,
    PARTY_POSITIONS,
    THEORY_LEVELS,
    Discipline,
    Member,
    Organization,
)
from handbook.organizations.operations import (
    TreeError,
    TreeForbidden,
    assign_path,
    check_new,
    check_placement,
    child_kinds,
    move_organization,
)
from handbook.organizations.queries import ancestors, children, subtree_members_by_status
from handbook.organizations.validation import MemberDataError, clean_member


def _label(choices):
    """A list formatter showing the Vietnamese label of a coded value (the house's: exports read its choices)."""
    return choice_label(choices)


def _org_link(view, org):
    """An organization's name linking to its details."""
    return Markup('<a href="{}">{}</a>').format(view.get_url(".details_view", id=org.id), org.name)


def _chain(view, context, model, name):
    """The organizations above, root first: each links to its details within the user's scope; the
    ones above the user's own root are named, not linked (their details would be a 404)."""
    scope = current_scope()
    parts = [_org_link(view, org) if scope.allows_org(org) else org.name for org in ancestors(db.session, model)]
    return Markup(" › ").join(parts) if parts else "— (cấp cao nhất)"


def _children(view, context, model, name):
    """The organizations directly below, as links, with their kind."""
    rows = children(db.session, model, current_scope())
    if not rows:
        return "Không có"
    items = (Markup("<li>{} <span class=\"text-muted\">({})</span></li>").format(_org_link(view, o), o.kind_label)
             for o in rows)
    return Markup('<ul class="list-unstyled mb-0" data-testid="children">{}</ul>').format(Markup("").join(items))


def _member_count(view, context, model, name):
    """How many members the organization and everything below it has, by status."""
    counts = subtree_members_by_status(db.session, model, current_scope())
    detail = ", ".join(f"{counts[s]} {label.lower()}" for s, label in MEMBER_STATUSES.items() if counts.get(s))
    total = sum(counts.values())
    return Markup('<span data-testid="member-count">{}</span>{}').format(total, f" ({detail})" if detail else "")


class ParentCodeFilter(BaseSQLAFilter):
    """Organizations whose parent has this code. Flask-Admin's own "parent.code" filter sees no join
    into the same table and compared the row's own code."""

    def apply(self, query, value, alias=None):
        parents = select(Organization.id).where(Organization.code == value.strip().upper())
        return query.filter(Organization.parent_id.in_(parents))

    def operation(self):
        return "bằng"


class OrganizationView(ScopedModelView):
    """The organization tree: committees see and manage their subtree."""

    column_list = ["code", "name", "kind", "parent", "depth"]
    column_details_list = ["code", "name", "kind", "chain", "children", "member_count", "created_at"]
    column_export_list = ["code", "name", "kind", "parent.code", "parent.name"]
    column_searchable_list = ["code", "name"]
    column_filters = ["kind", "depth", ParentCodeFilter(Organization.parent_id, "Mã tổ chức cấp trên")]
    column_sortable_list = ["code", "name", "kind", "depth"]
    column_default_sort = "path"
    column_select_related_list = [Organization.parent]
    column_labels = {
        "code": "Mã",
        "name": "Tên tổ chức",
        "kind": "Cấp",
        "parent": "Trực thuộc",
        "parent.code": "Mã tổ chức cấp trên",
        "parent.name": "Tổ chức cấp trên",
        "depth": "Độ sâu",
        "chain": "Trực thuộc (từ cấp trên cùng)",
        "children": "Tổ chức trực thuộc",
        "member_count": "Số đảng viên (cả các tổ chức trực thuộc)",
        "created_at": "Ngày tạo",
    }
    column_formatters = {"kind": _label(ORG_KINDS)}
    column_formatters_detail = {**column_formatters, "chain": _chain, "children": _children, "member_count": _member_count}
    column_formatters_export = {"kind": _label(ORG_KINDS)}
    form_columns = ["code", "name", "kind", "parent"]
    form_choices = {"kind": list(ORG_KINDS.items())}
    form_ajax_refs = {"parent": {"fields": ["code", "name"], "placeholder": "Tìm tổ chức cấp trên"}}
    form_args = {
        "code": {"label": "Mã", "description": "Mã ngắn, duy nhất (ví dụ: TB-DH-01)."},
        "name": {"label": "Tên tổ chức"},
        "kind": {"label": "Cấp"},
        "parent": {"label": "Trực thuộc"},
    }

    def after_form_change(self, form, model, is_created):
        """Check the tree's rules (one root, kinds that nest, the mover's rights), then place a new
        organization or move an edited one with its subtree; a refusal for lack of rights is audited."""
        old = None
        try:
            if is_created:
                check_new(db.session, model, current_scope())
                assign_path(db.session, model)
                return
            history = inspect(model).attrs.parent.history
            old = history.deleted[0] if history.deleted else None
            if history.has_changes() and old is not model.parent:
                move_organization(db.session, model, model.parent, current_user, old_parent_id=getattr(old, "id", None))
            else:
                check_placement(model.kind, model.parent, child_kinds(db.session, model))
        except TreeForbidden as exc:
            raise self.refuse(str(exc), model.id, parent=[getattr(old, "id", None), getattr(model.parent, "id", None)]) from exc
        except TreeError as exc:
            raise ValidationError(str(exc)) from exc

    def on_model_delete(self, model):
        """Refuse to delete an organization that still has sub-organizations, members or is your root."""
        scope_root = current_user.organization_id
        if model.id == scope_root:
            raise ValidationError("Không thể xóa tổ chức gốc trong phạm vi của bạn.")
        if model.children or model.members:
            raise ValidationError("Không thể xóa tổ chức còn tổ chức trực thuộc hoặc đảng viên.")


class MemberView(ScopedModelView):
    """Party members: secretaries manage their branch, committees their subtree."""

    edit_roles = ("admin", "committee", "secretary")
    audits_listing = True
    own_organization_columns = ("organization", "organization.code", "organization.name")
    sensitive_columns = {"national_id_masked": ("national_id", "Số CCCD")}
    column_list = ["full_name", "card_number", "date_of_birth", "gender", "organization", "position", "status", "phone"]
    column_details_list = [
        "full_name", "card_number", "date_of_birth", "gender", "ethnicity", "religion", "hometown",
        "admitted_on", "official_on", "status", "organization", "position", "occupation", "education",
        "theory_level", "phone", "email", "national_id_masked",
    ]
    column_export_list = [
        "full_name", "card_number", "date_of_birth", "gender", "ethnicity", "religion", "hometown",
        "admitted_on", "official_on", "status", "organization.code", "organization.name", "position",
        "occupation", "education", "theory_level", "phone", "email", "national_id_masked",
    ]
    column_searchable_list = ["full_name", "card_number", "phone"]
    column_search_key_fields = ("full_name",)
    column_search_digit_fields = ("card_number", "phone")
    column_filters = ["status", "gender", "position", "organization.code", "organization.name", "date_of_birth", "admitted_on"]
    column_sortable_list = [("full_name", Member.sort_key), "card_number", "date_of_birth", "status", "admitted_on"]
    column_default_sort = "sort_key"
    column_select_related_list = [Member.organization]
    column_labels = {
        **MEMBER_LABELS,
        "organization.code": "Mã chi bộ",
        "organization.name": MEMBER_LABELS["organization"],
        "national_id_masked": MEMBER_LABELS["national_id"],
    }
    _formatters = {
        "gender": _label(GENDERS),
        "status": _label(MEMBER_STATUSES),
        "position": _label(PARTY_POSITIONS),
        "theory_level": _label(THEORY_LEVELS),
    }
    column_formatters = _formatters
    column_formatters_export = _formatters
    form_columns = [
        "full_name", "card_number", "date_of_birth", "gender", "ethnicity", "religion", "hometown",
        "admitted_on", "official_on", "status", "organization", "position", "occupation", "education",
        "theory_level", "phone", "email", "new_national_id",
    ]
    form_extra_fields = {
        "new_national_id": StringField(
            "Số CCCD",
            description="Để trống nếu không thay đổi. Số đã lưu chỉ hiển thị dạng che.",
            validators=[Optional(), Length(max=20, message="Số CCCD gồm đúng 12 chữ số.")],
            render_kw={"autocomplete": "off", "inputmode": "numeric"},
        )
    }
    form_choices = {
        "gender": list(GENDERS.items()),
        "status": list(MEMBER_STATUSES.items()),
        "position": list(PARTY_POSITIONS.items()),
        "theory_level": list(THEORY_LEVELS.items()),
    }
    form_ajax_refs = {"organization": {"fields": ["code", "name"], "placeholder": "Tìm chi bộ"}}
    # The fields of the form that ``clean_member`` checks and normalizes.
    checked_fields = ("full_name", "card_number", "phone", "email", "date_of_birth", "admitted_on", "official_on")

    def get_sortable_columns(self):
        """Sorting by name uses the Vietnamese sort key (Flask-Admin renames same-table pairs to the key)."""
        columns = super().get_sortable_columns()
        columns["full_name"] = columns.pop("sort_key", Member.sort_key)
        return columns

    def after_form_change(self, form, model, is_created):
        """Check the branch and the record's fields (``validation.clean_member``); a newly typed CCCD is
        checked too (the stored one is never sent back)."""
        values = {field: getattr(model, field) for field in self.checked_fields}
        new_id = form.new_national_id.data or ""
        if new_id.strip():
            values["national_id"] = new_id
        try:
            cleaned = clean_member(values)
        except MemberDataError as exc:
            raise ValidationError(str(exc)) from exc
        for field, value in cleaned.items():
            if getattr(model, field) != value:  # unchanged fields stay out of the audit's changes
                setattr(model, field, value)
        # Flask-Admin's unique check saw the number as typed ("83 000.001"), not as it is stored.
        with db.session.no_autoflush:
            taken = db.session.query(Member.id).filter(Member.card_number == model.card_number, Member.id != model.id).first()
        if taken:
            raise ValidationError("Số thẻ đảng viên này đã có trong hệ thống.")
        if model.organization is not None and model.organization.kind not in ("branch", "grassroots"):
            raise ValidationError("Đảng viên phải thuộc một chi bộ.")


# A discipline names a member the user manages: one outside the subtree is refused for lack of rights.
MEMBER_OUTSIDE = "Đảng viên không thuộc phạm vi tổ chức bạn được quản lý."


class DisciplineView(ScopedModelView):
    """Party discipline (kỷ luật đảng) decided against members: committees record it for the members
    of their subtree; a member disciplined in a year is rated "không hoàn thành nhiệm vụ" that year."""

    audits_listing = True  # the list names members
    column_list = ["member", "form", "decided_on", "decision_number", "issuer", "reason"]
    column_details_list = ["member", "form", "decided_on", "decision_number", "issuer", "reason", "created_at"]
    column_export_list = ["member.full_name", "member.card_number", "form", "decided_on", "decision_number", "issuer",
                          "reason"]
    column_searchable_list = ["member.full_name", "member.card_number", "decision_number"]
    column_filters = ["form", "decided_on", "member.card_number"]
    column_sortable_list = ["form", "decided_on", "decision_number"]
    column_default_sort = ("decided_on", True)
    column_select_related_list = [Discipline.member]
    column_labels = {
        "member": "Đảng viên",
        "member.full_name": "Họ và tên",
        "member.card_number": "Số thẻ đảng viên",
        "form": "Hình thức kỷ luật",
        "decided_on": "Ngày quyết định",
        "decision_number": "Số quyết định",
        "issuer": "Cơ quan quyết định",
        "reason": "Lý do",
        "created_at": "Ngày nhập",
    }
    column_formatters = {"form": _label(DISCIPLINE_FORMS)}
    column_formatters_export = {"form": _label(DISCIPLINE_FORMS)}
    form_columns = ["member", "form", "decided_on", "decision_number", "issuer", "reason"]
    form_choices = {"form": list(DISCIPLINE_FORMS.items())}
    form_ajax_refs = {"member": {"fields": ["full_name", "card_number"], "placeholder": "Tìm đảng viên"}}
    form_args = {
        "member": {"label": "Đảng viên", "validators": [DataRequired("Vui lòng chọn đảng viên.")]},
        "form": {"label": "Hình thức kỷ luật"},
        "decided_on": {"label": "Ngày quyết định", "validators": [DataRequired("Vui lòng nhập ngày quyết định.")]},
        "decision_number": {"label": "Số quyết định", "description": "Ví dụ: 12-QĐ/ĐU.",
                            "validators": [Optional(), Length(max=40, message="Tối đa 40 ký tự.")]},
        "issuer": {"label": "Cơ quan quyết định", "description": "Ví dụ: Đảng ủy xã Một.",
                   "validators": [Optional(), Length(max=255, message="Tối đa 255 ký tự.")]},
        "reason": {"label": "Lý do", "validators": [Optional(), Length(max=1000, message="Tối đa 1000 ký tự.")]},
    }
    form_overrides = {"reason": TextAreaField}
    form_widget_args = {"reason": {"rows": 3}}

    def validate_form(self, form):
        """Refuse (403, audited) a member outside the user's subtree, on the submitted value, before
        the form is applied: the scoped lookup could not resolve the id sent."""
        if "member" in form and is_form_submitted() and unresolved_choice(form.member):
            row = getattr(form, "_obj", None)
            self.handle_view_exception(self.refuse(MEMBER_OUTSIDE, getattr(row, "id", None),
                                                   requested={"member": form.member.raw_data}))
            return False
        return super().validate_form(form)

    def after_form_change(self, form, model, is_created):
        """A decision is dated: not after today (Vietnam's date)."""
        if model.decided_on is not None and model.decided_on > local_today():
            raise ValidationError("Ngày quyết định không được sau ngày hôm nay.")
