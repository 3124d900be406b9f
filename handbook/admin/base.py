"""The scoped base view: every admin screen lists, counts, fetches, edits and exports through it."""
import math
import operator
import re
from array import array
from collections import OrderedDict
from datetime import date, datetime

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_admin import expose
from flask_admin.babel import gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import filters as model_filters
from flask_admin.model import typefmt
from flask_admin.model.form import converts
from flask_admin.contrib.sqla.fields import QuerySelectMultipleField
from flask_admin.model.fields import AjaxSelectField
from flask_login import current_user
from sqlalchemy import Date, DateTime, Integer, Numeric, Unicode, cast, inspect, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError
from wtforms.validators import ValidationError

from handbook.admin import conflicts
from handbook.audit.operations import clean, record, recorded_delete, recorded_save
from handbook.auth.sessions import recent_login
from handbook.clock import local_now, local_time
from handbook.extensions import db
from handbook.forms import Form, LocalDateTimeField, VietnameseDateField
from handbook.scope import current_scope, parse_id, record_refusal, scoped, subtree_ids
from handbook.security import check_rate
from handbook.spreadsheets import Column, ascii_filename, csv_response, xlsx_response
from handbook.text import like_pattern, without_control_characters
from handbook.versioning import is_versioned

OUT_OF_SCOPE = "Bản ghi nằm ngoài phạm vi tổ chức bạn được quản lý."
STALE_ROW = "Bản ghi vừa được người khác thay đổi hoặc xóa nên chưa lưu được. Vui lòng tải lại trang và thử lại."
# Numbers from a URL beyond what both engines store (a signed 64-bit integer) never reach SQL:
# SQLite raised OverflowError on a 20-digit page or filter value.
SQL_INT_MAX = 2**63 - 1
# The furthest page a list goes to (108,600 members are 4,344 pages of 25).
MAX_PAGE = 1_000_000


def _fits_sql(value) -> bool:
    """Can ``value`` (a filter's cleaned value, or a list of them) be sent to either engine as is?"""
    if isinstance(value, (list, tuple)):
        return all(_fits_sql(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -SQL_INT_MAX <= value <= SQL_INT_MAX
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return "\x00" not in value  # PostgreSQL refuses NUL in text
    return True


def _entity_of(query):
    """The model a legacy Query selects."""
    return query.column_descriptions[0]["entity"]


def _scoped_factory(factory):
    """Wrap a relationship field's query factory so its choices are limited to the user's scope."""

    def factory_in_scope():
        query = factory()
        return scoped(query, _entity_of(query))

    factory_in_scope.is_scoped = True
    return factory_in_scope


def unresolved_choice(field) -> bool:
    """Was an ajax dropdown given an id it cannot resolve (out of scope, or forged)?"""
    return getattr(field, "_formdata", None) not in (None, "", "__None") and field.data is None


def choice_label(choices: dict):
    """A list formatter showing the Vietnamese label of a coded value (exports look ``choices`` up directly)."""

    def label(view, context, model, name):
        value = getattr(model, name)
        return choices.get(value, value)

    label.choices = choices
    return label


class Refused(ValidationError):
    """A change the user has no right to make: its message is shown on a page that answers 403."""


def _strict_ajax_pre_validate(field):
    """An ajax dropdown given an id it cannot resolve (out of scope, or forged) is an error, not a blank."""
    original = field.pre_validate

    def pre_validate(form):
        if unresolved_choice(field):
            raise ValidationError(field.gettext("Not a valid choice"))
        original(form)

    return pre_validate


def _strict_multiple_pre_validate(field):
    """A multiple dropdown given an id its query cannot find (out of scope, or forged) is an error.

    Flask-Admin's QuerySelectMultipleField checks its "invalid" flag before it has resolved the posted
    ids, then resolves them and silently drops the unknown ones: the row was saved without them."""
    original = field.pre_validate

    def pre_validate(form):
        """Resolve the posted ids, then refuse any the query did not find."""
        field.data  # noqa: B018  (resolving the posted ids sets the flag)
        if getattr(field, "_invalid_formdata", False):
            raise ValidationError(field.gettext("Not a valid choice"))
        original(form)

    return pre_validate


def _with_parsed_ids(handler):
    """Wrap a bulk action so that it gets only well-formed integer ids."""

    def run(ids):
        return handler([i for i in (parse_id(x) for x in ids) if i is not None])

    return run


def shown_member_ids(model, rows) -> list[int] | None:
    """The members whose personal data ``rows`` of ``model`` show (the rows themselves, or their
    linked member); None when the model names no member at all."""
    from handbook.organizations.models import Member

    if model is Member:
        return [row.id for row in rows]
    if "member_id" in model.__table__.c:
        return [row.member_id for row in rows if row.member_id]
    return None


def readable_filters(view, filters) -> dict:
    """A list's filters as a person reads them: "Tình trạng bằng" → value, not the URL's flt0_0."""
    return {
        f"{view._filters[idx].name} {view._filters[idx].operation()}".strip(): value
        for idx, _name, value in (filters or [])
    }


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax lookups (search-as-you-type dropdowns) through the same scope, accent-free."""

    def get_query(self):
        """All rows of the model the user may see."""
        return scoped(db.session.query(self.model), self.model)

    def get_one(self, pk):
        """One row by id, or None when it is out of scope."""
        ident = parse_id(pk)  # the form posts text; PostgreSQL will not compare an integer id to it
        if ident is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(getattr(self.model, self.pk) == ident).one_or_none()

    def get_list(self, term, offset=0, limit=10):
        """Rows whose search key or listed fields contain ``term``, without regard to accents;
        a lookup that shows members (names, card numbers) is audited with them as subjects."""
        query = self.get_query()
        term = (without_control_characters(term) or "").strip()[:100]
        if term:
            conditions = [cast(f, Unicode).ilike(f"%{term}%") for f in self._cached_fields]
            if hasattr(self.model, "search_key"):
                conditions.append(self.model.search_key.like(like_pattern(term), escape="\\"))
            query = query.filter(or_(*conditions))
        order = getattr(self.model, "sort_key", None) or getattr(self.model, "search_key", None)
        if order is not None:
            query = query.order_by(order)
        # The URL's offset and limit: PostgreSQL refuses a negative OFFSET or LIMIT.
        rows = query.offset(max(offset or 0, 0)).limit(min(max(limit or 1, 1), 50)).all()
        members = shown_member_ids(self.model, rows)
        if members is not None:
            record("lookup", self.model.__tablename__, None, separate=True, subjects=members, detail={
                "screen": request.blueprint, "field": self.name, "search": term, "offset": offset, "rows": len(rows),
            })
        return rows


def _vn_date(view, value, name=None):
    """Dates as Vietnamese write them: 25/11/2026."""
    return value.strftime("%d/%m/%Y")


def _vn_datetime(view, value, name=None):
    """Times in Vietnam's zone (stored in UTC), day first."""
    return local_time(value)


VN_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: _vn_datetime, date: _vn_date}


def single_organization_scope() -> bool:
    """Is the user's scope one organization with nothing below it (a branch secretary's)? Asked once a request."""
    if "single_organization_scope" not in g:
        scope = current_scope()
        g.single_organization_scope = (
            not scope.sees_all and scope.org_path is not None
            and len(db.session.execute(subtree_ids(scope.org_path).limit(2)).all()) == 1
        )
    return g.single_organization_scope


class VietnameseModelConverter(AdminModelConverter):
    """Flask-Admin's form builder, with dates typed and shown as the lists show them (dd/mm/yyyy) and
    times in Vietnam's time, each with the picker, instead of ISO text in UTC."""

    @converts("Date")
    def convert_date(self, field_args, **extra):
        """A date column's field: dd/mm/yyyy."""
        return VietnameseDateField(**field_args)

    @converts("DateTime")
    def convert_datetime(self, field_args, **extra):
        """A time column's field: dd/mm/yyyy HH:MM in Vietnam's time."""
        return LocalDateTimeField(**field_args)


# A list filter's range, as the picker writes it ("01/01/2026 đến 31/03/2026") or as Flask-Admin did ("… to …").
_RANGE = re.compile(r"\s+(?:đến|to)\s+")
_RANGED = (model_filters.BaseDateBetweenFilter, model_filters.BaseDateTimeBetweenFilter)


def _day_first(filter_class, parse):
    """``filter_class`` reading its value, or its "a đến b" range, with ``parse`` (a form field's)."""
    ranged = issubclass(filter_class, _RANGED)

    def clean(self, value):
        """The date, time or [start, end] in the URL; ValueError when it is none of them."""
        values = [parse(part) for part in (_RANGE.split(value.strip()) if ranged else [value])]
        if None in values or (ranged and (len(values) != 2 or values[0] > values[1])):
            raise ValueError(value)
        return values if ranged else values[0]

    def validate(self, value):
        """Can the value be read? (Flask-Admin drops the filter with a message when not.)"""
        try:
            self.clean(value)
        except ValueError:
            return False
        return True

    return type(filter_class.__name__, (filter_class,), {"clean": clean, "validate": validate})


class VietnameseFilterConverter(FilterConverter):
    """Flask-Admin's list filters, with dates and times read as the forms read them (dd/mm/yyyy, times
    in Vietnam's time; ISO still taken) instead of ISO in UTC."""

    date_filters = tuple(
        _day_first(f, VietnameseDateField.parse) if issubclass(f, (model_filters.BaseDateFilter, *_RANGED)) else f
        for f in FilterConverter.date_filters
    )
    datetime_filters = tuple(
        _day_first(f, LocalDateTimeField.parse) if issubclass(f, (model_filters.BaseDateTimeFilter, *_RANGED)) else f
        for f in FilterConverter.datetime_filters
    )


class StaffOnly:
    """Back-office access, for every view: the roles allowed in; anonymous users log in first, others get 403."""

    allowed_roles: tuple[str, ...] = ("admin", "committee", "secretary")

    def is_accessible(self):
        """Only the allowed roles (staff, by default) enter."""
        return current_user.is_authenticated and current_user.role in self.allowed_roles

    def inaccessible_callback(self, name, **kwargs):
        """Anonymous users go to the login page; everyone else is refused."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)


class ScopedModelView(StaffOnly, ModelView):
    """A ModelView whose every query goes through ``handbook.scope``.

    Flask-Admin fetches rows in several places that ignore ``get_query`` (issue #1739): ``get_one``,
    relationship dropdowns and ajax loaders. Each is overridden here, once, for every screen.
    """

    form_base_class = Form  # Flask-WTF base: app-wide CSRFProtect expects its token
    model_form_converter = VietnameseModelConverter
    filter_converter = VietnameseFilterConverter()
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    can_view_details = True
    can_export = True
    export_types = ["csv", "xlsx"]
    column_type_formatters = VN_FORMATTERS
    column_type_formatters_detail = VN_FORMATTERS
    # Which roles may change rows on this screen; a view narrows it.
    edit_roles = ("admin", "committee")
    # Searchable columns whose text the search key already holds: searched through the key alone,
    # so that a name search is one LIKE on an indexed column (pg_trgm on PostgreSQL).
    column_search_key_fields: tuple[str, ...] = ()
    # Searchable columns holding only digits (card numbers, phones): compared only with terms that have a digit.
    column_search_digit_fields: tuple[str, ...] = ()

    details_template = "admin/scoped_details.html"
    # Screens whose list shows personal data (names, birth dates, phones, card numbers): every list
    # page, search and filter they answer is audited, with the members shown as subjects.
    audits_listing = False
    # Masked columns of the details page that may be revealed with a stated reason:
    # {shown column: (model attribute, label)}.
    sensitive_columns: dict = {}
    # Columns (and the filters on them) that could only repeat the user's own organization when their
    # scope is one organization with nothing below it: a branch secretary's list leaves them out.
    own_organization_columns: tuple[str, ...] = ()

    # -- access -------------------------------------------------------------------------------
    def _may_edit(self) -> bool:
        """Can the current user change rows on this screen?"""
        return current_user.is_authenticated and current_user.role in self.edit_roles

    @property
    def can_create(self):
        return self._may_edit()

    @property
    def can_edit(self):
        return self._may_edit()

    @property
    def can_delete(self):
        return self._may_edit()

    # -- reading ------------------------------------------------------------------------------
    def get_query(self):
        """The rows of this screen's model that the user may see."""
        return scoped(super().get_query(), self.model)

    def get_count_query(self):
        """The count of those rows."""
        return scoped(super().get_count_query(), self.model)

    def get_one(self, id):
        """One row by id through the scope; 404 for a row outside it, so nothing of it leaks."""
        ident = parse_id(id)
        if ident is None:
            abort(404)
        row = self.get_query().filter(self.model.id == ident).one_or_none()
        if row is None:
            record_refusal(self.model, ident)
            abort(404)
        if request.method == "GET" and request.endpoint in (f"{self.endpoint}.details_view", f"{self.endpoint}.edit_view"):
            record("view", self.audit_entity, row.id, detail={"screen": str(self.name)},
                   subjects=self.subject_member_ids([row]), separate=True)
        return row

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """The chosen sort, then the primary key: rows that sort alike (two "Nguyễn Văn An") keep one
        order, so paging neither repeats nor skips them and an export lists them as the list does."""
        query, joins = super()._apply_sorting(query, joins, sort_column, sort_desc)
        return query.order_by(*inspect(self.model).primary_key), joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """One page of the list; on a screen that shows personal data the page is one audit entry
        naming the members shown (exports read the rows unexecuted and are audited on their own)."""
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute=execute, page_size=page_size)
        if execute and self.audits_listing:
            # Its own transaction: a list page (GET) commits nothing of its own.
            record("list", self.audit_entity, None, separate=True, subjects=self.subject_member_ids(rows), detail={
                "screen": str(self.name), "search": search or None, "filters": readable_filters(self, filters),
                "page": max(page or 0, 0) + 1, "rows": len(rows),
            })
        return count, rows

    def _get_list_extra_args(self):
        """The list's URL arguments, made safe for SQL: the page within [0, MAX_PAGE] (PostgreSQL
        refuses OFFSET < 0, SQLite a 20-digit one), the search without control characters (PostgreSQL
        refuses NUL); page size and sort are already checked."""
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        args.search = without_control_characters(args.search)
        return args

    def _get_list_filter_args(self):
        """The URL's filters; a value no engine can take (a 20-digit number, NUL) is refused with
        Flask-Admin's own message, as an unparsable one is, instead of failing in SQL."""
        filters = super()._get_list_filter_args()
        if not filters:
            return filters
        kept = []
        for idx, name, value in filters:
            flt = self._filters[idx]
            try:
                ok = _fits_sql(value) and _fits_sql(flt.clean(value))
            except (ValueError, TypeError, OverflowError):
                ok = False
            if ok:
                kept.append((idx, name, value))
            else:
                flash(self.get_invalid_value_msg(value, flt), "error")
        return kept
    # -- columns shown ---------------------------------------------------------------------------
    def _hides_own_organization(self) -> bool:
        """Does this list leave out the columns that would repeat the user's one organization?"""
        return bool(self.own_organization_columns) and single_organization_scope()

    def shown_list_columns(self) -> list:
        """The list's (column, label) pairs for this user; sort indices in URLs count these."""
        if not self._hides_own_organization():
            return self._list_columns
        return [(c, label) for c, label in self._list_columns if c not in self.own_organization_columns]

    def _get_column_by_idx(self, idx):
        """The column a URL's sort index names, among the columns this user is shown."""
        columns = self.shown_list_columns()
        return columns[idx] if idx is not None and 0 <= idx < len(columns) else None

    def _get_filter_groups(self):
        """The "add filter" menu, without the filters on the user's one organization."""
        groups = super()._get_filter_groups()
        if groups and self._hides_own_organization():
            hidden = {str(self.get_column_name(c)) for c in self.own_organization_columns}
            groups = OrderedDict((name, items) for name, items in groups.items() if name not in hidden)
        return groups

    # -- audit --------------------------------------------------------------------------------
    @property
    def audit_entity(self) -> str:
        """The name the audit gives this screen's rows."""
        return self.model.__tablename__

    def subject_member_ids(self, rows) -> list[int]:
        """The members whose personal data ``rows`` show (the rows themselves, or their linked member)."""
        return shown_member_ids(self.model, rows) or []

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Search each word without regard to accents or case (``nguyen`` finds ``Nguyễn``)."""
        search = (search or "")[:200]
        if not hasattr(self.model, "search_key"):
            return super()._apply_search(query, count_query, joins, count_joins, search)
        for term in search.split():
            conditions = [self.model.search_key.like(like_pattern(term), escape="\\")]
            has_digit = any(ch.isdigit() for ch in term)
            for field, _path in self._search_fields:
                if field.key == "search_key" or field.key in self.column_search_key_fields:
                    continue
                if field.key in self.column_search_digit_fields and not has_digit:
                    continue
                conditions.append(cast(field, Unicode).ilike(f"%{term}%"))
            query = query.filter(or_(*conditions))
            if count_query is not None:
                count_query = count_query.filter(or_(*conditions))
        return query, count_query, joins, count_joins

    # -- forms --------------------------------------------------------------------------------
    def _scope_form(self, form):
        """Limit every relationship dropdown of ``form`` to the user's scope."""
        for field in form:
            factory = getattr(field, "query_factory", None)
            if factory is not None and not getattr(factory, "is_scoped", False):
                field.query_factory = _scoped_factory(factory)
                field._object_list = None
            if isinstance(field, AjaxSelectField):
                field.pre_validate = _strict_ajax_pre_validate(field)
            elif isinstance(field, QuerySelectMultipleField):
                field.pre_validate = _strict_multiple_pre_validate(field)
        return form

    def create_form(self, obj=None):
        return self._scope_form(super().create_form(obj))

    def get_edit_form(self):
        """The edit form, carrying the version of the row it shows when the model has one."""
        form_class = super().get_edit_form()
        if is_versioned(self.model):
            form_class = type(form_class.__name__, (form_class,), {conflicts.VERSION_FIELD: conflicts.VersionField()})
        return form_class

    def edit_form(self, obj=None):
        form = self._scope_form(super().edit_form(obj))
        # Flask-Admin's own BaseForm remembers the row; its Unique validator needs it to let a row keep its value.
        form._obj = obj
        if obj is not None and request.method == "GET" and hasattr(form, conflicts.VERSION_FIELD):
            getattr(form, conflicts.VERSION_FIELD).data = str(obj.version)
        return form

    def list_form(self, obj=None):
        return self._scope_form(super().list_form(obj))

    def _create_ajax_loader(self, name, options):
        """Every ajax lookup goes through the scope."""
        remote = getattr(self.model, name).property.mapper.class_
        return ScopedAjaxLoader(name, db, remote, **options)

    # -- writing ------------------------------------------------------------------------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Flask-Admin's edit page; a save refused as stale answers 409 Conflict with the form reloaded."""
        response = super().edit_view()
        return make_response(response, 409) if g.pop("edit_conflict", False) else response

    def update_model(self, form, model):
        """Save only if nobody saved the row since the form was loaded; else refuse and show what changed.

        Checked before the form is applied, and again by the database: the UPDATE carries the
        version checked (``WHERE version = ...``), so a save landing between the check and the
        write fails as stale too (``StaleDataError``, caught in ``handle_view_exception``).
        """
        if is_versioned(self.model) and conflicts.is_stale(form, model):
            return self._refuse_stale(form, model)
        if super().update_model(form, model):
            return True
        if g.pop("stale_flush", False):
            ident = inspect(model).identity[0]  # not model.id: reading an expired, deleted row raises
            if db.session.execute(select(self.model.id).where(self.model.id == ident)).first() is None:
                abort(409)  # deleted meanwhile: nothing left to show in the form
            return self._refuse_stale(form, model)
        return False

    def _refuse_stale(self, form, model) -> bool:
        """Nothing saved: tell who saved last, when, and each field as saved now vs. as submitted."""
        rows = conflicts.differences(form, model)
        flash(conflicts.conflict_message(rows, conflicts.last_update(self.audit_entity, model.id)), "error")
        conflicts.reload_form(form, model)
        g.edit_conflict = True
        return False

    def handle_view_exception(self, exc):
        """A row changed by someone else between this save's check and its write is a conflict, not an
        error; a change refused for lack of rights marks the request, so its page answers 403."""
        if isinstance(exc, Refused):
            g.refused = True
        if isinstance(exc, StaleDataError):
            if request.endpoint == f"{self.endpoint}.edit_view":
                g.stale_flush = True  # update_model shows the differences
            else:
                flash(STALE_ROW, "error")
            return True
        return super().handle_view_exception(exc)

    def check_scope(self, model):
        """Refuse a create or edit that would leave ``model`` outside the user's scope."""
        db.session.flush()
        if self.get_query().filter(self.model.id == model.id).first() is None:
            raise ValidationError(OUT_OF_SCOPE)

    def after_form_change(self, form, model, is_created):
        """Hook for a view's own rules, run before the scope check."""

    def on_model_change(self, form, model, is_created):
        """Apply the view's rules, then check the row is still in scope before committing."""
        if not self._may_edit():
            raise ValidationError(gettext("Permission denied."))
        self.after_form_change(form, model, is_created)
        detail = {"screen": str(self.name)}
        if getattr(form, "new_password", None) is not None and form.new_password.data:
            detail["password_changed"] = True
        with recorded_save(self.audit_entity, model, is_created, detail=detail,
                           subjects=lambda: self.subject_member_ids([model])):
            self.check_scope(model)

    def refuse(self, message: str, entity_id=None, **detail) -> Refused:
        """Audit a change refused for lack of rights, at once (the save is rolled back), and return the error to raise.

        Call it before the form is applied: the entry names the user's role as it stands.
        """
        record("refused_rights", self.audit_entity, entity_id, separate=True,
               detail={"screen": str(self.name), "reason": message, **detail})
        return Refused(message)

    def render(self, template, **kwargs):
        """Flask-Admin's page; 403 when this request's change was refused."""
        if "list_columns" in kwargs:
            kwargs["list_columns"] = self.shown_list_columns()
        page = super().render(template, **kwargs)
        return (page, 403) if g.get("refused") else page

    def delete_model(self, model):
        """Delete ``model`` with its audit entry in the same transaction (bulk delete comes here per row)."""
        recorded_delete(self.audit_entity, model, detail={"screen": str(self.name)}, subjects=self.subject_member_ids([model]))
        return super().delete_model(model)

    def init_actions(self):
        """Bulk actions receive ids as integers; forged or malformed ids are dropped, never sent to SQL."""
        super().init_actions()
        for name, (handler, text, desc) in list(self._actions_data.items()):
            self._actions_data[name] = (_with_parsed_ids(handler), text, desc)

    def is_action_allowed(self, name):
        """Bulk delete follows the same rule as single delete."""
        if name == "delete" and not self._may_edit():
            return False
        return super().is_action_allowed(name)

    # -- sensitive fields ---------------------------------------------------------------------
    @expose("/unmask/", methods=["POST"])
    def unmask_view(self):
        """Reveal one masked field of one row to a user who states why; the view is audited."""
        column = request.form.get("column", "")
        if column not in self.sensitive_columns:
            abort(404)
        model = self.get_one(request.form.get("id"))
        attribute, label = self.sensitive_columns[column]
        reason = (clean(request.form.get("reason"), 300) or "").strip()
        if len(reason) < 5:
            message = f"Vui lòng nêu lý do (ít nhất 5 ký tự) trước khi xem {label} đầy đủ."
            return self.render("admin/unmask.html", model=model, label=label, error=message, value=None), 400
        record("unmask", self.audit_entity, model.id, detail={"field": attribute, "reason": reason, "screen": str(self.name)},
               subjects=self.subject_member_ids([model]), separate=True)
        return self.render("admin/unmask.html", model=model, label=label, value=getattr(model, attribute), reason=reason)

    # -- export -------------------------------------------------------------------------------
    # The list's own query (scope, search, filters, sort) reads plain rows of the exported columns,
    # in chunks written as they come. An ORM object per row and Flask-Admin's get_export_value per
    # cell took the province's 108,600 members 13.0 s of CPU as CSV where plain rows take 4.6 s, and
    # its xlsx ~1.9x openpyxl's write-only floor of the same cells where it now takes 1.2x.
    EXPORT_CHUNK = 2000

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Export after a recent login, within the rate limit; the export is audited with its rows."""
        if not recent_login():
            return redirect(url_for("privacy.reauth", next=request.full_path))
        check_rate("admin-export", "EXPORT_RATE_LIMIT")
        if not self.can_export or export_type not in self.export_types:
            return super().export(export_type)  # Flask-Admin's refusal
        self._export_data()  # Flask-Admin's check that no macro formatter is exported
        audit = _ExportAudit(self, export_type)
        columns, chunks = self._export_sheet(audit)
        name = self.get_export_name(export_type)
        if export_type == "csv":
            return csv_response(name, columns, chunks, on_close=audit.write)
        response = xlsx_response(name, str(self.name), columns, chunks, title_lines=_export_title(self))
        audit.write()
        return response

    def _export_query(self):
        """The rows the list shows (scope, search, filters, sort), as an unexecuted query of the model."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        # No LIMIT here: the export's joins are added after, and SQLAlchemy refuses a join after a LIMIT.
        _count, query = self.get_list(0, sort[0] if sort else None, args.sort_desc, args.search, args.filters,
                                      execute=False, page_size=0)
        return query

    def _export_sheet(self, audit):
        """The export's columns, and its rows in chunks of cells read as plain rows (not ORM objects),
        each chunk noted by the audit as it goes out."""
        plan = _ExportPlan(self)
        query = plan.select(self._export_query())
        if self.export_max_rows:
            query = query.limit(self.export_max_rows)

        def chunks():
            # Core rows, not the ORM's result processing: the statement is only read.
            # The option goes with this statement only: set on the connection (changed in place by
            # SQLAlchemy 2), it would send the session's later statements through a named cursor on PostgreSQL.
            result = db.session.connection().execute(query.statement,
                                                     execution_options={"yield_per": self.EXPORT_CHUNK})
            for rows in result.partitions():
                audit.note(rows)
                yield [plan.cells(row) for row in rows]

        return plan.columns, chunks()

    def _export_data(self):
        """Only Flask-Admin's validation of the export columns; the rows come from ``_export_sheet``."""
        for column, formatter in (self.column_formatters_export or {}).items():
            if column in [c for c, _ in self._export_columns] and formatter.__name__ == "inner":
                raise NotImplementedError(f"Macros are not implemented in export: {column}")
        return 0, []

    def get_column_names(self, only_columns, excluded_columns):
        """Flask-Admin's (name, label) pairs, except that a dotted path back into the same table
        ("parent.code" of an organization) keeps its path: Flask-Admin sees no join there and named
        the row's own column, so the export repeated the row's code under the parent's title."""
        pairs = super().get_column_names(only_columns, excluded_columns)
        wanted = [c for c in only_columns if not excluded_columns or c not in excluded_columns]
        return [
            (c, self.get_column_name(c)) if isinstance(c, str) and "." in c and name != c else (name, label)
            for c, (name, label) in zip(wanted, pairs)
        ]

    def get_export_name(self, export_type="csv"):
        """An ASCII file name from the screen's Vietnamese name and the time in Vietnam."""
        return ascii_filename(str(self.name), export_type)


def _cell_kind(sql_type) -> str:
    """The kind of spreadsheet cell a column of ``sql_type`` makes."""
    if isinstance(sql_type, DateTime):
        return "datetime"
    if isinstance(sql_type, Date):
        return "date"
    if isinstance(sql_type, (Integer, Numeric)):
        return "number"
    return "text"


class _ExportPlan:
    """Which SQL columns an export reads and how each cell comes from them.

    The model's own columns are read as the row's fields, under their attribute names (deferred
    ones, such as a document's full text, only when exported); a related column
    (``organization.code``) through an outer join of its own. A coded value's label is looked up in
    its choices; any other export formatter, and a property (the masked national id), is given the
    plain row as it would be given the model object: its own columns and properties, no relationship
    (export a related column by its dotted name instead). Dates and times stay typed, whatever their
    formatter: the file writes them as Vietnamese read them.
    """

    def __init__(self, view):
        self.model = view.model
        self.fields: dict[str, object] = {}  # row field name -> SQL expression
        self.joins: dict[str, tuple] = {}  # relationship path -> (alias, join target)
        self.columns: list[Column] = []
        self.getters: list = []
        self.as_model = type(f"Plain{self.model.__name__}", (_PlainRow,), {"model": self.model})
        own = {attr.key: attr for attr in inspect(self.model).column_attrs}
        exported = {name for name, _title in view._export_columns}
        for key, attr in own.items():
            if not attr.deferred or key in exported:
                self.fields[key] = getattr(self.model, key)
        formatters = view.column_formatters_export or {}
        for name, title in view._export_columns:
            expression = getattr(self.model, name) if name in own else self._related(name) if "." in name else None
            kind = "text" if expression is None else _cell_kind(expression.type)
            if expression is not None:
                self.fields.setdefault(name, expression)
            self.columns.append(Column(str(title), "text" if name in formatters and kind not in ("date", "datetime") else kind))
            self.getters.append(self._getter(view, name, expression, kind, formatters.get(name)))

    def _related(self, name: str):
        """The SQL column of a dotted name, each relationship on its path joined once, outer."""
        *path, column = name.split(".")
        entity = self.model
        for depth in range(len(path)):
            prefix = ".".join(path[:depth + 1])
            if prefix not in self.joins:
                relationship = getattr(entity, path[depth])
                alias = aliased(relationship.property.mapper.class_)
                self.joins[prefix] = (alias, relationship.of_type(alias))
            entity = self.joins[prefix][0]
        return getattr(entity, column)

    def _getter(self, view, name: str, expression, kind: str, formatter):
        """How one cell comes from a plain row."""
        if expression is not None:
            position = list(self.fields).index(name)
            if formatter is None or kind in ("date", "datetime"):
                return operator.itemgetter(position)
            choices = getattr(formatter, "choices", None)
            if choices is not None:
                return lambda row: choices.get(row[position], row[position])
        as_model = self.as_model
        if formatter is not None:
            return lambda row: formatter(view, None, as_model(row), name)
        prop = getattr(self.model, name, None)
        if not isinstance(prop, property):
            raise TypeError(f"{self.model.__name__}.{name} is neither a column nor a property: it cannot be exported")
        return lambda row: prop.fget(as_model(row))

    def select(self, query):
        """The list's query reading the plan's fields instead of ORM objects."""
        query = query.with_entities(*(expression.label(name) for name, expression in self.fields.items()))
        for _alias, target in self.joins.values():
            query = query.outerjoin(target)
        return query

    def cells(self, row) -> list:
        """One plain row's cells."""
        return [get(row) for get in self.getters]


class _PlainRow:
    """A plain row read as its model object would be: fields by name, the model's properties computed from them."""

    __slots__ = ("row",)
    model = None

    def __init__(self, row):
        self.row = row

    def __getattr__(self, name):
        try:
            return getattr(self.row, name)
        except AttributeError:
            prop = getattr(self.model, name, None)
            if isinstance(prop, property):
                return prop.fget(self)
            raise


def _filters_in_words(view, filters) -> list[str]:
    """A list's filters as a person reads them ("Tình trạng bằng Chính thức"): a coded value by its label."""
    words = []
    for idx, _name, value in filters or []:
        flt = view._filters[idx]
        column = getattr(flt, "column", None)
        own = getattr(column, "table", None) is view.model.__table__
        choices = getattr((view.column_formatters or {}).get(column.key), "choices", None) if own else None
        values = value if isinstance(value, (list, tuple)) else [value]
        shown = ", ".join(str((choices or {}).get(v, v)) for v in values)
        words.append(f"{flt.name} {flt.operation()} {shown}")
    return words


def _export_title(view) -> list[str]:
    """What an export holds, above its table: the screen and whose rows (the user's organization, or
    the whole province for the admin), the filters and search in words, the time in Vietnam."""
    user = current_user
    whose = "Toàn tỉnh" if user.role == "admin" or user.organization is None else user.organization.name
    args = view._get_list_extra_args()
    chosen = _filters_in_words(view, args.filters) + ([f"tìm “{args.search}”"] if args.search else [])
    return [
        f"{view.name} — {whose}",
        "Điều kiện lọc: " + ("; ".join(chosen) if chosen else "không (mọi dòng trong phạm vi)"),
        f"Xuất lúc {local_now().strftime('%d/%m/%Y %H:%M')} (giờ Việt Nam)",
    ]


class _ExportAudit:
    """Counts an export's rows and the members they show, then writes its one audit entry."""

    def __init__(self, view, export_type: str):
        args = view._get_list_extra_args()
        self.filters = readable_filters(view, args.filters)
        self.view, self.export_type, self.search = view, export_type, args.search
        # The members as 8-byte integers: a province's export names 108,600 of them.
        self.rows, self.members, self.written = 0, array("q"), False

    def note(self, rows) -> None:
        """Note exported rows (plain rows carrying the fields ``subject_member_ids`` reads)."""
        self.rows += len(rows)
        self.members.extend(m for m in self.view.subject_member_ids(rows) if m is not None)

    def write(self) -> None:
        """Record the export once (also when the download stopped half way: what was sent counts)."""
        if self.written:
            return
        self.written = True
        record("export", self.view.audit_entity, None, separate=True, subjects=self.members, detail={
            "screen": str(self.view.name), "format": self.export_type, "search": self.search,
            "filters": self.filters, "rows": self.rows,
        })
