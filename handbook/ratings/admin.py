"""The rating's back-office screens: the rules of each year, the members' ratings with the branch's
proposal and the grassroots committee's decision, the organizations' ratings, and the signed sheets."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.model.form import InlineFormAdmin
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from handbook.admin.base import ScopedModelView, choice_label
from handbook.audit.operations import record
from handbook.clock import local_time
from handbook.extensions import db
from handbook.organizations.models import Member, Organization
from handbook.ratings.evidence import refresh_evidence, rule_set_of
from handbook.ratings.member import evidence_text
from handbook.ratings.models import (CONDITION_SUBJECTS, CRITERION_GROUPS, LEVEL_ORDER, LEVELS, OPERATORS, STATUSES,
                                     MemberRating, OrganizationRating, RatingCondition, RatingCriterion, RatingRuleSet,
                                     level_label, level_short)
from handbook.ratings.operations import (STAFF_WHO_DECIDE, Proposal, RatingRefused, copy_rule_set, count_organizations,
                                         decide, decide_organization, decides_organization, grassroots_for, open_year,
                                         propose, quota_of)
from handbook.ratings.rules import format_score
from handbook.ratings.tree import grassroots_of
from handbook.registry import registry
from handbook.scope import current_scope, get_scoped_or_404, parse_id, scoped_select
from handbook.spreadsheets import XLSX_MIMETYPE, ascii_filename

LEVEL_CHOICES = [(code, f"{short} – {full}") for code, (short, full) in LEVELS.items()]
MIMETYPES = {"xlsx": XLSX_MIMETYPE, "pdf": "application/pdf"}
# A decision is taken at the grassroots level: above it, the page lists the grassroots organizations.
ABOVE_GRASSROOTS = ("province", "committee")
# The most ratings one decision page lists: a grassroots organization has a few hundred members at most.
PAGE_LIMIT = 2000


def _level(view, context, model, name):
    return level_short(getattr(model, name))


def current_year(session) -> int | None:
    """The year the screens open on: the latest open for self-assessment, else the latest with rules."""
    year = session.execute(select(func.max(RatingRuleSet.year)).where(RatingRuleSet.is_open.is_(True))).scalar()
    return year or session.execute(select(func.max(RatingRuleSet.year))).scalar()


def _year_arg(session) -> int | None:
    value = parse_id(request.values.get("year"))
    return value if value and 2000 <= value <= 2100 else current_year(session)


def _committee_org_and_rules(session) -> tuple[Organization, RatingRuleSet | None]:
    """For a committee's (or the admin's) action on a subtree: the organization posted (theirs by
    default; 404 outside their scope) and the year's rules. 403 for anyone else."""
    if current_user.role not in STAFF_WHO_DECIDE:
        abort(403)
    org = get_scoped_or_404(Organization, request.form.get("org") or current_user.organization_id)
    return org, rule_set_of(session, _year_arg(session))


def _take_step(step, action: str, org_id: int, year: int, done: str) -> tuple[dict, int | None]:
    """Take a step on many ratings at once: on refusal roll back and return its errors by rating with
    400; else audit it (when something changed), commit, flash ``done`` with the count and return no status."""
    session = db.session
    try:
        changed = step()
    except RatingRefused as exc:
        session.rollback()
        flash(exc.message, "error")
        return exc.errors, 400
    if changed:
        record(action, "organization", org_id, detail={"year": year, "ratings": changed})
    session.commit()
    flash(done.format(changed) if changed else "Không có thay đổi.", "success")
    return {}, None


class CriterionInline(InlineFormAdmin):
    form_columns = ("id", "position", "group", "code", "title", "max_score")
    form_choices = {"group": list(CRITERION_GROUPS.items())}
    form_label = "Tiêu chí"
    column_labels = {"position": "Thứ tự", "group": "Nhóm", "code": "Mã", "title": "Nội dung", "max_score": "Điểm tối đa"}


class ConditionInline(InlineFormAdmin):
    form_columns = ("id", "subject", "level", "key", "operator", "value", "note")
    form_choices = {"subject": list(CONDITION_SUBJECTS.items()), "level": LEVEL_CHOICES,
                    "operator": list(OPERATORS.items())}
    form_label = "Điều kiện"
    column_labels = {"subject": "Áp dụng cho", "level": "Mức", "key": "Minh chứng / tỷ lệ", "operator": "So sánh",
                     "value": "Giá trị", "note": "Diễn giải"}


class RatingRuleSetView(ScopedModelView):
    """The rules of each year, edited by the organization department only."""

    allowed_roles = ("admin",)
    edit_roles = ("admin",)
    can_export = False
    can_view_details = False
    column_list = ["year", "name", "regulation", "excellent_min", "good_min", "pass_min", "quota_percent", "is_open"]
    column_labels = {"year": "Năm", "name": "Tên", "regulation": "Quy định", "excellent_min": "HTXSNV từ",
                     "good_min": "HTTNV từ", "pass_min": "HTNV từ", "quota_percent": "Hạn mức HTXSNV (% HTTNV)",
                     "is_open": "Đang mở tự đánh giá", "note": "Ghi chú", "criteria": "Tiêu chí",
                     "conditions": "Điều kiện"}
    column_default_sort = ("year", True)
    form_columns = ["year", "name", "regulation", "excellent_min", "good_min", "pass_min", "quota_percent", "is_open",
                    "note"]
    inline_models = [CriterionInline(RatingCriterion), ConditionInline(RatingCondition)]
    column_formatters = {"is_open": lambda v, c, m, n: "Có" if m.is_open else "Không",
                         **{name: (lambda v, c, m, n: format_score(getattr(m, n)))
                            for name in ("excellent_min", "good_min", "pass_min", "quota_percent")},
                         "year": lambda v, c, m, n: Markup(
                             f'{m.year} <form class="d-inline" method="post" action="{url_for(".copy_view")}">'
                             f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'
                             f'<input type="hidden" name="id" value="{m.id}"><input type="hidden" name="year" value="{m.year + 1}">'
                             f'<button class="btn btn-link btn-sm p-0 ml-2" type="submit">Sao chép sang năm {m.year + 1}</button>'
                             f'</form>')}

    def after_form_change(self, form, model, is_created):
        """The thresholds must fall in order and the criteria add up to 30 + 70."""
        if not (Decimal(100) >= model.excellent_min > model.good_min > model.pass_min > 0):
            raise ValidationError("Ngưỡng điểm phải giảm dần: HTXSNV > HTTNV > HTNV > 0, tối đa 100.")
        if not Decimal(0) <= model.quota_percent <= Decimal(100):
            raise ValidationError("Hạn mức là một tỷ lệ phần trăm từ 0 đến 100.")
        totals = {group: sum((c.max_score or 0 for c in model.criteria if c.group == group), Decimal(0))
                  for group in CRITERION_GROUPS}
        if model.criteria and sum(totals.values()) != 100:
            raise ValidationError(f"Tổng điểm tối đa của các tiêu chí phải là 100 (đang là "
                                  f"{format_score(sum(totals.values()))}).")
        codes = [c.code for c in model.criteria]
        if len(codes) != len(set(codes)):
            raise ValidationError("Mỗi tiêu chí cần một mã riêng.")

    def delete_model(self, model):
        """A year whose members are rated keeps its rules: the ratings were given under them."""
        used = db.session.execute(select(MemberRating.id).where(MemberRating.rule_set_id == model.id).limit(1)).first()
        if used is not None:
            flash(f"Không thể xóa bộ tiêu chí năm {model.year}: đã có đảng viên được đánh giá theo bộ tiêu chí này.", "error")
            return False
        return super().delete_model(model)

    @expose("/copy", methods=["POST"])
    def copy_view(self):
        """Copy a year's rules to another year (a new regulation starts from the one in force)."""
        source = get_scoped_or_404(RatingRuleSet, request.form.get("id"))
        year = parse_id(request.form.get("year"))
        if year is None or not 2000 <= year <= 2100:
            flash("Năm không hợp lệ.", "error")
            return redirect(url_for(".index_view")), 400
        try:
            copy = copy_rule_set(db.session, source, year)
        except RatingRefused as exc:
            flash(exc.message, "error")
            return redirect(url_for(".index_view"))
        record("create", "rating_rule_set", copy.id, detail={"copied_from": source.year})
        db.session.commit()
        flash(f"Đã tạo bộ tiêu chí năm {year} từ năm {source.year}.", "success")
        return redirect(url_for(".edit_view", id=copy.id))


class MemberRatingView(ScopedModelView):
    """The members' ratings in scope, and the pages of the two steps staff take on them."""

    edit_roles = ()  # changed through the steps below, never through a generic form
    can_view_details = False
    can_export = False
    audits_listing = True
    list_template = "ratings/list.html"
    column_list = ["year", "member", "organization", "status", "draft_level", "self_level", "proposed_level",
                   "decided_level"]
    column_labels = {"year": "Năm", "member": "Đảng viên", "organization": "Chi bộ", "status": "Tình trạng",
                     "draft_level": "Dự kiến", "self_level": "Tự đánh giá", "proposed_level": "Chi bộ đề xuất",
                     "decided_level": "Quyết định", "member.full_name": "Họ và tên"}
    column_formatters = {"status": choice_label(STATUSES), "draft_level": _level, "self_level": _level,
                         "proposed_level": _level, "decided_level": _level,
                         "member": lambda v, c, m, n: m.member.full_name,
                         "organization": lambda v, c, m, n: Markup(
                             f'<a href="{url_for(".branch_view", org=m.organization_id, year=m.year)}">'
                             f'{Markup.escape(m.organization.name)}</a>')}
    column_filters = ["year", "status", "decided_level", "proposed_level"]
    column_searchable_list = ["member.full_name"]
    column_default_sort = [("year", True), ("id", False)]
    own_organization_columns = ("organization",)

    def get_query(self):
        return super().get_query().options(joinedload(MemberRating.member), joinedload(MemberRating.organization))

    def subject_member_ids(self, rows) -> list[int]:
        return [row.member_id for row in rows]

    def render(self, template, **kwargs):
        """The list, with the year and the user's organization for the toolbar."""
        session = db.session
        kwargs.setdefault("rating_year", current_year(session))
        kwargs.setdefault("user_org", current_user.organization)
        kwargs.setdefault("decides", current_user.role in STAFF_WHO_DECIDE)
        return super().render(template, **kwargs)

    # -- the branch's proposal ---------------------------------------------------------------
    @expose("/branch", methods=["GET", "POST"])
    def branch_view(self):
        """One branch's ratings of a year: the evidence, the member's own level, the draft, and the
        level the branch proposes for each, with a reason where it differs."""
        session = db.session
        org = get_scoped_or_404(Organization, request.values.get("org") or current_user.organization_id)
        year = _year_arg(session)
        ratings = list(session.execute(scoped_select(MemberRating).where(
            MemberRating.organization_id == org.id, MemberRating.year == year)
            .options(joinedload(MemberRating.member)).join(Member).order_by(Member.sort_key, MemberRating.id)
            .limit(PAGE_LIMIT)).scalars())
        errors, status = {}, 200
        if request.method == "POST":
            proposals = [Proposal(rating.id, request.form.get(f"level-{rating.id}", ""),
                                  request.form.get(f"score-{rating.id}"), request.form.get(f"reason-{rating.id}"))
                         for rating in ratings if f"level-{rating.id}" in request.form]
            errors, status = _take_step(
                lambda: propose(session, current_user, proposals, {rating.id: rating for rating in ratings}),
                "rating_propose", org.id, year, "Đã lưu đề xuất xếp loại của {} đảng viên.")
            if status is None:
                return redirect(url_for(".branch_view", org=org.id, year=year))
        return self.render("ratings/branch.html", org=org, year=year, ratings=ratings, errors=errors,
                           evidence=registry().evidence, evidence_text=evidence_text, levels=LEVEL_CHOICES,
                           level_short=level_short, format_score=format_score, statuses=STATUSES,
                           rule_set=rule_set_of(session, year), form=request.form if status != 200 else None), status

    # -- the committee's decision ---------------------------------------------------------------
    @expose("/decide", methods=["GET", "POST"])
    def decide_view(self):
        """A grassroots organization's ratings of a year, proposed by its branches, decided by its
        committee under the quota. Secretaries propose; they never decide (403)."""
        if current_user.role not in STAFF_WHO_DECIDE:
            record("refused_rights", "member_rating", None, separate=True,
                   detail={"screen": "decide", "reason": "secretary cannot decide"})
            abort(403)
        session = db.session
        org = get_scoped_or_404(Organization, request.values.get("org") or current_user.organization_id)
        if org.kind in ABOVE_GRASSROOTS:
            return self._choose_grassroots(org)
        grassroots = grassroots_for(session, org)
        scope = current_scope()
        if not scope.allows_org(grassroots):
            abort(404)  # a branch's staff above nothing: the deciding organization is outside their scope
        year = _year_arg(session)
        rule_set = rule_set_of(session, year)
        ratings = list(session.execute(scoped_select(MemberRating).join(Organization, Organization.id ==
                                                                        MemberRating.organization_id)
                                       .where(Organization.subtree_clause(grassroots.path), MemberRating.year == year)
                                       .join(Member, Member.id == MemberRating.member_id)
                                       .options(joinedload(MemberRating.member), joinedload(MemberRating.organization))
                                       .order_by(Organization.path, Member.sort_key, MemberRating.id)
                                       .limit(PAGE_LIMIT)).scalars())
        errors, status = {}, 200
        if request.method == "POST" and rule_set is not None:
            decisions = {rating.id: (request.form.get(f"level-{rating.id}", ""), request.form.get(f"note-{rating.id}"))
                         for rating in ratings if request.form.get(f"level-{rating.id}")}
            errors, status = _take_step(lambda: decide(session, current_user, scope, grassroots, decisions),
                                        "rating_decide", grassroots.id, year,
                                        "Đã lưu quyết định xếp loại của {} đảng viên.")
            if status is None:
                return redirect(url_for(".decide_view", org=grassroots.id, year=year))
        quota = proposed_quota = None
        if rule_set is not None:
            quota = quota_of(session, rule_set, grassroots.id)
            proposed = {r.id: r.proposed_level for r in ratings if r.decided_level is None and r.proposed_level}
            proposed_quota = quota_of(session, rule_set, grassroots.id, proposed)
        org_rating = session.execute(select(OrganizationRating).where(
            OrganizationRating.organization_id == grassroots.id, OrganizationRating.year == year)).scalar_one_or_none()
        return self.render("ratings/decide.html", org=grassroots, year=year, ratings=ratings, errors=errors,
                           levels=LEVEL_CHOICES, level_short=level_short, level_label=level_label,
                           format_score=format_score, quota=quota, proposed_quota=proposed_quota, rule_set=rule_set,
                           org_rating=org_rating, form=request.form if status != 200 else None), status

    def _choose_grassroots(self, org):
        """Above the grassroots level: the grassroots organizations of the subtree with how far their
        year has come (rated, proposed, decided), each linking to its decision page."""
        session = db.session
        year = _year_arg(session)
        per_branch = session.execute(
            select(MemberRating.organization_id, func.count(), func.count(MemberRating.proposed_level),
                   func.count(MemberRating.decided_level))
            .where(MemberRating.year == year, MemberRating.organization_id.in_(
                select(Organization.id).where(Organization.subtree_clause(org.path))))
            .group_by(MemberRating.organization_id)).all()
        deciding = grassroots_of(session, [row[0] for row in per_branch])
        progress: dict[int, list[int]] = {}
        for branch_id, rated, proposed, decided in per_branch:
            counts = progress.setdefault(deciding[branch_id], [0, 0, 0])
            counts[0] += rated
            counts[1] += proposed
            counts[2] += decided
        rows = session.execute(select(Organization).where(Organization.id.in_(list(progress)))
                               .order_by(Organization.path)).scalars().all()
        return self.render("ratings/choose.html", org=org, year=year,
                           rows=[(row, *progress[row.id]) for row in rows])

    # -- opening a year, refreshing its evidence -----------------------------------------------
    @expose("/open", methods=["POST"])
    def open_view(self):
        """Open the year's rating for the user's subtree (or the organization chosen in it): one rating per member."""
        session = db.session
        org, rule_set = _committee_org_and_rules(session)
        if rule_set is None:
            flash(f"Năm {_year_arg(session)} chưa có bộ tiêu chí xếp loại.", "error")
            return redirect(url_for(".index_view")), 400
        year = rule_set.year
        created = open_year(session, rule_set, org)
        record("rating_open", "organization", org.id, detail={"year": year, "ratings": created})
        session.commit()
        flash(f"Đã mở đánh giá, xếp loại năm {year} cho {created} đảng viên của {org.name}.", "success")
        return redirect(url_for(".index_view"))

    @expose("/evidence", methods=["POST"])
    def evidence_view(self):
        """Compute the evidence of a subtree's ratings again (points, use of the handbook, discipline…)."""
        session = db.session
        org = get_scoped_or_404(Organization, request.form.get("org") or current_user.organization_id)
        year = _year_arg(session)
        count = refresh_evidence(session, year, org.path)
        session.commit()
        flash(f"Đã cập nhật minh chứng của {count} đảng viên.", "success")
        return redirect(request.form.get("back") if request.form.get("back", "").startswith("/admin/")
                        else url_for(".index_view"))

    # -- the sheets ------------------------------------------------------------------------------
    @expose("/sheet", methods=["POST"])
    def sheet_view(self):
        """Write the rating sheet of an organization in scope (a committee's covers its subtree) and send
        it as Excel or PDF; both files are kept under Báo cáo and the download is audited."""
        from handbook.ratings.reports import write_rating_report
        from handbook.reports.operations import report_path

        fmt = request.form.get("fmt", "xlsx")
        if fmt not in MIMETYPES:
            abort(404)
        session = db.session
        org = get_scoped_or_404(Organization, request.form.get("org") or current_user.organization_id)
        year = _year_arg(session)
        report = write_rating_report(session, year, org.id, created_by_id=current_user.id)
        if report is None:
            flash(f"Chưa có đảng viên nào được đánh giá năm {year} trong {org.name}.", "error")
            return redirect(url_for(".index_view")), 400
        record("export", "generated_report", report.id, detail={"format": fmt, "period": report.period,
                                                                "kind": "rating", "organization": org.code})
        session.commit()
        name = ascii_filename(f"Xep loai {year} {org.code}", fmt)
        return send_file(report_path(report, fmt), mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)


def _decide_organization_form(view, context, model, name):
    """A small form to decide one organization's level, for the committees above it."""
    if not decides_organization(current_user, current_scope(), model.organization):
        return ""
    options = "".join(f'<option value="{code}"{" selected" if code == (model.decided_level or model.draft_level) else ""}>'
                      f'{short}</option>' for code, (short, _full) in LEVELS.items())
    return Markup(
        f'<form class="form-inline" method="post" action="{url_for(".decide_view")}">'
        f'<input type="hidden" name="csrf_token" value="{generate_csrf()}"><input type="hidden" name="id" value="{model.id}">'
        f'<select class="form-control form-control-sm mr-1" name="level" aria-label="Mức">{options}</select>'
        f'<input class="form-control form-control-sm mr-1" name="note" placeholder="Lý do nếu khác dự kiến" maxlength="2000">'
        f'<button class="btn btn-sm btn-primary" type="submit">Quyết định</button></form>')


class OrganizationRatingView(ScopedModelView):
    """The organizations' ratings: their members' levels counted, the draft, the decision from above."""

    edit_roles = ()
    can_view_details = False
    can_export = False
    list_template = "ratings/organizations.html"
    column_list = ["year", "organization", "rated", "excellent", "good", "pass", "fail", "draft_level",
                   "decided_level", "decided_at", "decide"]
    column_labels = {"year": "Năm", "organization": "Tổ chức", "rated": "Đảng viên được xếp loại",
                     "excellent": "HTXSNV", "good": "HTTNV", "pass": "HTNV", "fail": "KHTNV", "draft_level": "Dự kiến",
                     "decided_level": "Quyết định", "decided_at": "Quyết định lúc", "decide": "Cấp trên quyết định"}
    column_formatters = {**{key: (lambda v, c, m, n: m.counts.get(n, 0)) for key in ("rated", *LEVEL_ORDER)},
                         "draft_level": _level, "decided_level": _level, "decide": _decide_organization_form,
                         "decided_at": lambda v, c, m, n: local_time(m.decided_at)}
    column_filters = ["year", "decided_level"]
    column_default_sort = [("year", True), ("id", False)]

    def get_query(self):
        return super().get_query().options(joinedload(OrganizationRating.organization))

    @expose("/decide", methods=["POST"])
    def decide_view(self):
        """The committee above decides one organization's level (never the organization's own staff)."""
        session = db.session
        row = get_scoped_or_404(OrganizationRating, request.form.get("id"))
        try:
            decide_organization(session, current_user, current_scope(), row, request.form.get("level", ""),
                                request.form.get("note"))
        except RatingRefused as exc:
            session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".index_view")), 400
        session.commit()
        flash(f"Đã quyết định xếp loại {row.organization.name}: {level_label(row.decided_level)}.", "success")
        return redirect(url_for(".index_view"))

    @expose("/count", methods=["POST"])
    def count_view(self):
        """Count the organizations of the user's subtree again from their members' decided levels."""
        session = db.session
        org, rule_set = _committee_org_and_rules(session)
        if rule_set is None:
            abort(404)
        rows = count_organizations(session, rule_set, [org])
        session.commit()
        flash(f"Đã tổng hợp xếp loại của {len(rows)} tổ chức.", "success")
        return redirect(url_for(".index_view"))


class RatingStepView(ScopedModelView):
    """Every step taken on the members' ratings: who, when, what changed (read only)."""

    edit_roles = ()
    can_view_details = False
    can_export = False
    column_list = ["at", "step", "member_rating", "level", "score", "by", "detail"]
    column_labels = {"at": "Lúc", "step": "Bước", "member_rating": "Đảng viên", "level": "Mức", "score": "Điểm",
                     "by": "Người thực hiện", "detail": "Thay đổi"}
    column_formatters = {"at": lambda v, c, m, n: local_time(m.at), "step": choice_label(
        {"self": "Tự đánh giá", "proposal": "Chi bộ đề xuất", "decision": "Cấp ủy quyết định", "reopen": "Mở lại"}),
        "member_rating": lambda v, c, m, n: m.member_rating.member.full_name if m.member_rating else "",
        "level": _level, "score": lambda v, c, m, n: format_score(m.score),
        "by": lambda v, c, m, n: m.by.login if m.by else "",
        "detail": lambda v, c, m, n: "; ".join(f"{k}: {a or '—'} → {b or '—'}"
                                             for k, (a, b) in (m.detail or {}).get("changes", {}).items())}
    column_default_sort = [("at", True), ("id", True)]
    column_filters = ["step"]
