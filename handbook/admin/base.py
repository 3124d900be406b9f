"""The scoped base view: every admin screen lists, counts, fetches, edits and exports through it."""
import time

from flask import abort, redirect, request, url_for
from flask_admin.babel import gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.theme import Bootstrap4Theme  # noqa: F401  (re-exported for handbook.admin)
from flask_login import current_user
from handbook.forms import Form
from sqlalchemy import Unicode, cast, or_
from wtforms.validators import ValidationError

from handbook.auth.scope import current_scope, scoped
from handbook.exports import ascii_filename, neutralize_cell
from handbook.extensions import db
from handbook.text import like_pattern

OUT_OF_SCOPE = "Bản ghi nằm ngoài phạm vi tổ chức bạn được quản lý."


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


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """Ajax lookups (search-as-you-type dropdowns) through the same scope, accent-free."""

    def get_query(self):
        """All rows of the model the user may see."""
        return scoped(db.session.query(self.model), self.model)

    def get_one(self, pk):
        """One row by id, or None when it is out of scope."""
        # Form data arrives as text; PostgreSQL will not compare an integer id with a string.
        if isinstance(pk, str) and pk.isdigit():
            pk = int(pk)
        with db.session.no_autoflush:
            return self.get_query().filter(getattr(self.model, self.pk) == pk).one_or_none()

    def get_list(self, term, offset=0, limit=10):
        """Rows whose search key or listed fields contain ``term``, without regard to accents."""
        query = self.get_query()
        term = (term or "").strip()[:100]
        if term:
            conditions = [cast(f, Unicode).ilike(f"%{term}%") for f in self._cached_fields]
            if hasattr(self.model, "search_key"):
                conditions.append(self.model.search_key.like(like_pattern(term), escape="\\"))
            query = query.filter(or_(*conditions))
        order = getattr(self.model, "sort_key", None) or getattr(self.model, "search_key", None)
        if order is not None:
            query = query.order_by(order)
        return query.offset(offset).limit(min(limit, 50)).all()


class ScopedModelView(ModelView):
    """A ModelView whose every query goes through ``handbook.auth.scope``.

    Flask-Admin fetches rows in several places that ignore ``get_query`` (issue #1739): ``get_one``,
    relationship dropdowns and ajax loaders. Each is overridden here, once, for every screen.
    """

    form_base_class = Form  # Flask-WTF base: app-wide CSRFProtect expects its token
    page_size = 25
    can_set_page_size = True
    page_size_options = (25, 50, 100)
    can_view_details = True
    can_export = True
    export_types = ["csv", "xlsx"]
    # Which roles may change rows on this screen; a view narrows it.
    edit_roles = ("admin", "committee")

    # -- access -------------------------------------------------------------------------------
    def is_accessible(self):
        """Only staff (admin, committee, secretary) enter the back office."""
        return current_user.is_authenticated and current_user.is_staff

    def inaccessible_callback(self, name, **kwargs):
        """Anonymous users go to the login page; members get 403."""
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

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
        try:
            ident = int(id)
        except (TypeError, ValueError):
            abort(404)
        row = self.get_query().filter(self.model.id == ident).one_or_none()
        if row is None:
            abort(404)
        return row

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Search each word without regard to accents or case (``nguyen`` finds ``Nguyễn``)."""
        search = (search or "")[:200]
        if not hasattr(self.model, "search_key"):
            return super()._apply_search(query, count_query, joins, count_joins, search)
        for term in search.split():
            conditions = [self.model.search_key.like(like_pattern(term), escape="\\")]
            for field, _path in self._search_fields:
                if field.key != "search_key":
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
        return form

    def create_form(self, obj=None):
        return self._scope_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_form(super().edit_form(obj))

    def list_form(self, obj=None):
        return self._scope_form(super().list_form(obj))

    def _create_ajax_loader(self, name, options):
        """Every ajax lookup goes through the scope."""
        remote = getattr(self.model, name).property.mapper.class_
        return ScopedAjaxLoader(name, db, remote, **options)

    # -- writing ------------------------------------------------------------------------------
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
        self.check_scope(model)

    def is_action_allowed(self, name):
        """Bulk delete follows the same rule as single delete."""
        if name == "delete" and not self._may_edit():
            return False
        return super().is_action_allowed(name)

    # -- export -------------------------------------------------------------------------------
    def get_export_value(self, model, name):
        """Exported cells are plain text: formulas are neutralized."""
        return neutralize_cell(super().get_export_value(model, name))

    def get_export_name(self, export_type="csv"):
        """An ASCII file name from the screen's Vietnamese name."""
        return ascii_filename(str(self.name), time.strftime("%Y-%m-%d_%H-%M-%S"), export_type)
